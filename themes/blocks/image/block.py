from themes.blocks.registry import BlockSettings, BlockType, register
from themes.fields import N_, Image, Link, Text


class ImageSettings(BlockSettings):
    image: Image(N_("Image"))
    alt: Text(N_("Description for screen readers"), max_length=120)
    link: Link(N_("Link when tapped"))


register(BlockType(name="image", label=N_("Image"), icon="▣", settings=ImageSettings, group="basic",
                   max_per_page=20))
