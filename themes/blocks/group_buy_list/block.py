from themes.blocks.registry import BlockSettings, BlockType, register
from themes.data import Need
from themes.fields import N_, Number, Text


class GroupBuyListSettings(BlockSettings):
    title: Text(N_("Title"), max_length=30)
    count: Number(N_("How many"), default=4, ge=1, le=20)


def needs(settings):
    return [Need("group_buys", count=settings.count)]


register(BlockType(name="group_buy_list", label=N_("Group buys"), icon="◎", settings=GroupBuyListSettings,
                   group="marketing", max_per_page=3, needs=needs))
