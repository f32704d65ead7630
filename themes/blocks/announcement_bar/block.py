from themes.blocks.registry import BlockSettings, BlockType, register
from themes.fields import N_, Color, Link, Text, Toggle


class AnnouncementBarSettings(BlockSettings):
    text: Text(N_("Announcement"), max_length=60)
    link: Link(N_("Link"))
    text_color: Color(N_("Text colour"), default="#ffffff")
    background_color: Color(N_("Background colour"), default="#ee0a24")
    dismissible: Toggle(N_("Shoppers can close it"), default=True)


register(BlockType(name="announcement_bar", label=N_("Announcement bar"), icon="📣",
                   settings=AnnouncementBarSettings, group="basic", max_per_page=1))
