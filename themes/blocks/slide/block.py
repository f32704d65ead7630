from themes.blocks.registry import BlockSettings, BlockType, register
from themes.fields import N_, Image, Link, Text


class SlideSettings(BlockSettings):
    image: Image(N_("Image"))
    alt: Text(N_("Description for screen readers"), max_length=120)
    link: Link(N_("Link"))


register(BlockType(name="slide", label=N_("Slide"), icon="▭", settings=SlideSettings, nested_only=True,
                   max_per_page=40))
