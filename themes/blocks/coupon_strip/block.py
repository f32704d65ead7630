from themes.blocks.registry import BlockSettings, BlockType, register
from themes.data import Need
from themes.fields import N_, Number, Text


class CouponStripSettings(BlockSettings):
    title: Text(N_("Title"), max_length=30)
    count: Number(N_("How many"), default=6, ge=1, le=20)


def needs(settings):
    return [Need("coupons", count=settings.count)]


register(BlockType(name="coupon_strip", label=N_("Coupon strip"), icon="¥", settings=CouponStripSettings,
                   group="marketing", max_per_page=3, needs=needs))
