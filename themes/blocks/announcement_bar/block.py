from themes.blocks.registry import BlockSettings, BlockType, register
from themes.fields import N_, Color, Link, Text, Toggle


class AnnouncementBarSettings(BlockSettings):
    text: Text(N_("Announcement"), max_length=60)
    link: Link(N_("Link"))
    # Empty colours follow the theme; a merchant's own choice overrides it.
    text_color: Color(N_("Text colour"), default="", optional=True)
    background_color: Color(N_("Background colour"), default="", optional=True)
    dismissible: Toggle(N_("Shoppers can close it"), default=True)


register(BlockType(name="announcement_bar", label=N_("Announcement bar"), icon="◉",
                   settings=AnnouncementBarSettings, group="basic", max_per_page=1))
