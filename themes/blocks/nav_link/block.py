from themes.blocks.registry import BlockSettings, BlockType, register
from themes.fields import N_, Link, Text


class NavLinkSettings(BlockSettings):
    label: Text(N_("Label"), max_length=12)
    link: Link(N_("Link"), default="/")


register(BlockType(name="nav_link", label=N_("Navigation link"), icon="↗", settings=NavLinkSettings,
                   group="layout", nested_only=True, max_per_page=6))
