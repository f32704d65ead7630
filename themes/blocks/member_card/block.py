from themes.blocks.registry import BlockSettings, BlockType, register
from themes.fields import N_, Link, LongText, Text


class MemberCardSettings(BlockSettings):
    title: Text(N_("Title"), max_length=30)
    benefits: LongText(N_("Member benefits"), max_length=200)
    link: Link(N_("Link of the join button"))


register(BlockType(name="member_card", label=N_("Member card"), icon="♛", settings=MemberCardSettings,
                   group="marketing", max_per_page=3))
