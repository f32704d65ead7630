from themes.blocks.registry import BlockSettings, BlockType, register
from themes.fields import N_, RichText


class RichTextSettings(BlockSettings):
    html: RichText(N_("Text"))


register(BlockType(name="rich_text", label=N_("Rich text"), icon="¶", settings=RichTextSettings, max_per_page=20))
