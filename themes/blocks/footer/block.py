from themes.blocks.registry import BlockSettings, BlockType, register
from themes.fields import N_, LongText, Text


class FooterSettings(BlockSettings):
    text: LongText(N_("Text"), max_length=300)
    icp_number: Text(N_("ICP licence number"), max_length=40, placeholder="京ICP备12345678号-1")


register(BlockType(name="footer", label=N_("Footer"), icon="▁", settings=FooterSettings,
                   group="layout", max_per_page=1, child_type="footer_link", max_children=8))
