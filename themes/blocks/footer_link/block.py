from themes.blocks.registry import BlockSettings, BlockType, register
from themes.fields import N_, Link, Text


class FooterLinkSettings(BlockSettings):
    label: Text(N_("Label"), max_length=20)
    link: Link(N_("Link"), default="/")


register(BlockType(name="footer_link", label=N_("Footer link"), icon="⛓", settings=FooterLinkSettings,
                   group="layout", nested_only=True, max_per_page=8))
