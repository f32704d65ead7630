"""The one price quote, table-driven and without a database: every combination of level
discount × campaign price × coupon kind × points × shipping rule, with the fen written down,
and the reasons it gives for what it refuses."""
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime, timedelta

import pytest

from commerce.pricing import CampaignPrice, HeldCoupon, Item, PriceBook, quote
from commerce.pricing.loader import ShippingRuleTerms, ShippingTerms
from commerce.pricing.quote import Goods, Level, PointsRules

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ZHEJIANG, TAIWAN = "330000", "710000"
LONGJING, HONGCHA = 1, 2  # SKU ids: 龙井 ¥50 and 红茶 ¥20, 500 g each

GOODS = {LONGJING: Goods(LONGJING, 11, (7,), "龙井", "", 5000, 500, True),
         HONGCHA: Goods(HONGCHA, 12, (8,), "红茶", "", 2000, 500, True)}
# ¥8 up to 1 kg, then ¥3 per started 500 g; "free over" ships free from ¥120 of goods after the level's discount.
RULES = (ShippingRuleTerms((), 1000, 800, 500, 300),)
SHIPPING = {"paid": ShippingTerms(None, (), RULES), "free_over": ShippingTerms(12000, (), RULES),
            "not_deliverable": ShippingTerms(None, (ZHEJIANG,), RULES)}
# none and flash: 龙井 × 2 + 红茶 × 1 (flash: 龙井 at ¥30); group buy (¥35) and bargain (¥28): one 龙井.
CARTS = {"none": [Item(LONGJING, 2), Item(HONGCHA, 1)], "flash": [Item(LONGJING, 2), Item(HONGCHA, 1)],
         "group": [Item(LONGJING, 1)], "bargain": [Item(LONGJING, 1)]}
FLASH = CampaignPrice("flash_sale", "双12秒杀", LONGJING, 3000, 1)
CHOSEN = {"group": CampaignPrice("group_buy", "二人团", LONGJING, 3500, 2, one_unit="one unit"),
          "bargain": CampaignPrice("bargain", "砍到底", LONGJING, 2800, 3, one_unit="one unit")}


def held(id, name, kind, *, amount_off=None, threshold=0, percent_off=None, max_discount=None, stackable=False,
         scope="all", target_ids=(), valid_until=NOW + timedelta(days=7)):
    return HeldCoupon(id, 100 + id, name, kind, amount_off, threshold, percent_off, max_discount, scope,
                      tuple(target_ids), stackable, NOW - timedelta(days=1), valid_until, True)


COUPONS = {"none": (), "fixed": (held(1, "满100减10", "amount_off", amount_off=1000, threshold=10000),),
           "percent": (held(2, "九折券", "percent_off", percent_off=10, max_discount=1000),),
           "no_threshold": (held(3, "无门槛5元", "no_threshold", amount_off=500),)}
POINTS = {"off": 1000, "on": 1000, "capped": 100_000}  # points held; 100 points = ¥1, at most 50 % of the goods


def book(level, campaign, coupon, points, shipping):
    return PriceBook(goods=GOODS, automatic={LONGJING: FLASH} if campaign == "flash" else {},
                     chosen=CHOSEN.get(campaign), level=Level("金卡", 95) if level == "on" else None,
                     member_points=POINTS[points], points_rules=PointsRules(100, 50), coupons=COUPONS[coupon],
                     shipping=SHIPPING[shipping])


# level, campaign, coupon, points, shipping → goods, level discount, coupon, points, shipping fee, total (fen)
TABLE = [
    ('off', 'none', 'none', 'off', 'paid', 12000, 0, 0, 0, 1100, 13100),
    ('off', 'none', 'none', 'on', 'paid', 12000, 0, 0, 1000, 1100, 12100),
    ('off', 'none', 'none', 'capped', 'paid', 12000, 0, 0, 6000, 1100, 7100),
    ('off', 'none', 'none', 'off', 'free_over', 12000, 0, 0, 0, 0, 12000),
    ('off', 'none', 'none', 'on', 'free_over', 12000, 0, 0, 1000, 0, 11000),
    ('off', 'none', 'none', 'capped', 'free_over', 12000, 0, 0, 6000, 0, 6000),
    ('off', 'none', 'none', 'off', 'not_deliverable', 12000, 0, 0, 0, None, 12000),
    ('off', 'none', 'none', 'on', 'not_deliverable', 12000, 0, 0, 1000, None, 11000),
    ('off', 'none', 'none', 'capped', 'not_deliverable', 12000, 0, 0, 6000, None, 6000),
    ('off', 'none', 'fixed', 'off', 'paid', 12000, 0, 1000, 0, 1100, 12100),
    ('off', 'none', 'fixed', 'on', 'paid', 12000, 0, 1000, 1000, 1100, 11100),
    ('off', 'none', 'fixed', 'capped', 'paid', 12000, 0, 1000, 5500, 1100, 6600),
    ('off', 'none', 'fixed', 'off', 'free_over', 12000, 0, 1000, 0, 0, 11000),
    ('off', 'none', 'fixed', 'on', 'free_over', 12000, 0, 1000, 1000, 0, 10000),
    ('off', 'none', 'fixed', 'capped', 'free_over', 12000, 0, 1000, 5500, 0, 5500),
    ('off', 'none', 'fixed', 'off', 'not_deliverable', 12000, 0, 1000, 0, None, 11000),
    ('off', 'none', 'fixed', 'on', 'not_deliverable', 12000, 0, 1000, 1000, None, 10000),
    ('off', 'none', 'fixed', 'capped', 'not_deliverable', 12000, 0, 1000, 5500, None, 5500),
    ('off', 'none', 'percent', 'off', 'paid', 12000, 0, 1000, 0, 1100, 12100),
    ('off', 'none', 'percent', 'on', 'paid', 12000, 0, 1000, 1000, 1100, 11100),
    ('off', 'none', 'percent', 'capped', 'paid', 12000, 0, 1000, 5500, 1100, 6600),
    ('off', 'none', 'percent', 'off', 'free_over', 12000, 0, 1000, 0, 0, 11000),
    ('off', 'none', 'percent', 'on', 'free_over', 12000, 0, 1000, 1000, 0, 10000),
    ('off', 'none', 'percent', 'capped', 'free_over', 12000, 0, 1000, 5500, 0, 5500),
    ('off', 'none', 'percent', 'off', 'not_deliverable', 12000, 0, 1000, 0, None, 11000),
    ('off', 'none', 'percent', 'on', 'not_deliverable', 12000, 0, 1000, 1000, None, 10000),
    ('off', 'none', 'percent', 'capped', 'not_deliverable', 12000, 0, 1000, 5500, None, 5500),
    ('off', 'none', 'no_threshold', 'off', 'paid', 12000, 0, 500, 0, 1100, 12600),
    ('off', 'none', 'no_threshold', 'on', 'paid', 12000, 0, 500, 1000, 1100, 11600),
    ('off', 'none', 'no_threshold', 'capped', 'paid', 12000, 0, 500, 5750, 1100, 6850),
    ('off', 'none', 'no_threshold', 'off', 'free_over', 12000, 0, 500, 0, 0, 11500),
    ('off', 'none', 'no_threshold', 'on', 'free_over', 12000, 0, 500, 1000, 0, 10500),
    ('off', 'none', 'no_threshold', 'capped', 'free_over', 12000, 0, 500, 5750, 0, 5750),
    ('off', 'none', 'no_threshold', 'off', 'not_deliverable', 12000, 0, 500, 0, None, 11500),
    ('off', 'none', 'no_threshold', 'on', 'not_deliverable', 12000, 0, 500, 1000, None, 10500),
    ('off', 'none', 'no_threshold', 'capped', 'not_deliverable', 12000, 0, 500, 5750, None, 5750),
    ('off', 'flash', 'none', 'off', 'paid', 8000, 0, 0, 0, 1100, 9100),
    ('off', 'flash', 'none', 'on', 'paid', 8000, 0, 0, 1000, 1100, 8100),
    ('off', 'flash', 'none', 'capped', 'paid', 8000, 0, 0, 4000, 1100, 5100),
    ('off', 'flash', 'none', 'off', 'free_over', 8000, 0, 0, 0, 1100, 9100),
    ('off', 'flash', 'none', 'on', 'free_over', 8000, 0, 0, 1000, 1100, 8100),
    ('off', 'flash', 'none', 'capped', 'free_over', 8000, 0, 0, 4000, 1100, 5100),
    ('off', 'flash', 'none', 'off', 'not_deliverable', 8000, 0, 0, 0, None, 8000),
    ('off', 'flash', 'none', 'on', 'not_deliverable', 8000, 0, 0, 1000, None, 7000),
    ('off', 'flash', 'none', 'capped', 'not_deliverable', 8000, 0, 0, 4000, None, 4000),
    ('off', 'flash', 'fixed', 'off', 'paid', 8000, 0, 0, 0, 1100, 9100),
    ('off', 'flash', 'fixed', 'on', 'paid', 8000, 0, 0, 1000, 1100, 8100),
    ('off', 'flash', 'fixed', 'capped', 'paid', 8000, 0, 0, 4000, 1100, 5100),
    ('off', 'flash', 'fixed', 'off', 'free_over', 8000, 0, 0, 0, 1100, 9100),
    ('off', 'flash', 'fixed', 'on', 'free_over', 8000, 0, 0, 1000, 1100, 8100),
    ('off', 'flash', 'fixed', 'capped', 'free_over', 8000, 0, 0, 4000, 1100, 5100),
    ('off', 'flash', 'fixed', 'off', 'not_deliverable', 8000, 0, 0, 0, None, 8000),
    ('off', 'flash', 'fixed', 'on', 'not_deliverable', 8000, 0, 0, 1000, None, 7000),
    ('off', 'flash', 'fixed', 'capped', 'not_deliverable', 8000, 0, 0, 4000, None, 4000),
    ('off', 'flash', 'percent', 'off', 'paid', 8000, 0, 800, 0, 1100, 8300),
    ('off', 'flash', 'percent', 'on', 'paid', 8000, 0, 800, 1000, 1100, 7300),
    ('off', 'flash', 'percent', 'capped', 'paid', 8000, 0, 800, 3600, 1100, 4700),
    ('off', 'flash', 'percent', 'off', 'free_over', 8000, 0, 800, 0, 1100, 8300),
    ('off', 'flash', 'percent', 'on', 'free_over', 8000, 0, 800, 1000, 1100, 7300),
    ('off', 'flash', 'percent', 'capped', 'free_over', 8000, 0, 800, 3600, 1100, 4700),
    ('off', 'flash', 'percent', 'off', 'not_deliverable', 8000, 0, 800, 0, None, 7200),
    ('off', 'flash', 'percent', 'on', 'not_deliverable', 8000, 0, 800, 1000, None, 6200),
    ('off', 'flash', 'percent', 'capped', 'not_deliverable', 8000, 0, 800, 3600, None, 3600),
    ('off', 'flash', 'no_threshold', 'off', 'paid', 8000, 0, 500, 0, 1100, 8600),
    ('off', 'flash', 'no_threshold', 'on', 'paid', 8000, 0, 500, 1000, 1100, 7600),
    ('off', 'flash', 'no_threshold', 'capped', 'paid', 8000, 0, 500, 3750, 1100, 4850),
    ('off', 'flash', 'no_threshold', 'off', 'free_over', 8000, 0, 500, 0, 1100, 8600),
    ('off', 'flash', 'no_threshold', 'on', 'free_over', 8000, 0, 500, 1000, 1100, 7600),
    ('off', 'flash', 'no_threshold', 'capped', 'free_over', 8000, 0, 500, 3750, 1100, 4850),
    ('off', 'flash', 'no_threshold', 'off', 'not_deliverable', 8000, 0, 500, 0, None, 7500),
    ('off', 'flash', 'no_threshold', 'on', 'not_deliverable', 8000, 0, 500, 1000, None, 6500),
    ('off', 'flash', 'no_threshold', 'capped', 'not_deliverable', 8000, 0, 500, 3750, None, 3750),
    ('off', 'group', 'none', 'off', 'paid', 3500, 0, 0, 0, 800, 4300),
    ('off', 'group', 'none', 'on', 'paid', 3500, 0, 0, 1000, 800, 3300),
    ('off', 'group', 'none', 'capped', 'paid', 3500, 0, 0, 1750, 800, 2550),
    ('off', 'group', 'none', 'off', 'free_over', 3500, 0, 0, 0, 800, 4300),
    ('off', 'group', 'none', 'on', 'free_over', 3500, 0, 0, 1000, 800, 3300),
    ('off', 'group', 'none', 'capped', 'free_over', 3500, 0, 0, 1750, 800, 2550),
    ('off', 'group', 'none', 'off', 'not_deliverable', 3500, 0, 0, 0, None, 3500),
    ('off', 'group', 'none', 'on', 'not_deliverable', 3500, 0, 0, 1000, None, 2500),
    ('off', 'group', 'none', 'capped', 'not_deliverable', 3500, 0, 0, 1750, None, 1750),
    ('off', 'group', 'fixed', 'off', 'paid', 3500, 0, 0, 0, 800, 4300),
    ('off', 'group', 'fixed', 'on', 'paid', 3500, 0, 0, 1000, 800, 3300),
    ('off', 'group', 'fixed', 'capped', 'paid', 3500, 0, 0, 1750, 800, 2550),
    ('off', 'group', 'fixed', 'off', 'free_over', 3500, 0, 0, 0, 800, 4300),
    ('off', 'group', 'fixed', 'on', 'free_over', 3500, 0, 0, 1000, 800, 3300),
    ('off', 'group', 'fixed', 'capped', 'free_over', 3500, 0, 0, 1750, 800, 2550),
    ('off', 'group', 'fixed', 'off', 'not_deliverable', 3500, 0, 0, 0, None, 3500),
    ('off', 'group', 'fixed', 'on', 'not_deliverable', 3500, 0, 0, 1000, None, 2500),
    ('off', 'group', 'fixed', 'capped', 'not_deliverable', 3500, 0, 0, 1750, None, 1750),
    ('off', 'group', 'percent', 'off', 'paid', 3500, 0, 350, 0, 800, 3950),
    ('off', 'group', 'percent', 'on', 'paid', 3500, 0, 350, 1000, 800, 2950),
    ('off', 'group', 'percent', 'capped', 'paid', 3500, 0, 350, 1575, 800, 2375),
    ('off', 'group', 'percent', 'off', 'free_over', 3500, 0, 350, 0, 800, 3950),
    ('off', 'group', 'percent', 'on', 'free_over', 3500, 0, 350, 1000, 800, 2950),
    ('off', 'group', 'percent', 'capped', 'free_over', 3500, 0, 350, 1575, 800, 2375),
    ('off', 'group', 'percent', 'off', 'not_deliverable', 3500, 0, 350, 0, None, 3150),
    ('off', 'group', 'percent', 'on', 'not_deliverable', 3500, 0, 350, 1000, None, 2150),
    ('off', 'group', 'percent', 'capped', 'not_deliverable', 3500, 0, 350, 1575, None, 1575),
    ('off', 'group', 'no_threshold', 'off', 'paid', 3500, 0, 500, 0, 800, 3800),
    ('off', 'group', 'no_threshold', 'on', 'paid', 3500, 0, 500, 1000, 800, 2800),
    ('off', 'group', 'no_threshold', 'capped', 'paid', 3500, 0, 500, 1500, 800, 2300),
    ('off', 'group', 'no_threshold', 'off', 'free_over', 3500, 0, 500, 0, 800, 3800),
    ('off', 'group', 'no_threshold', 'on', 'free_over', 3500, 0, 500, 1000, 800, 2800),
    ('off', 'group', 'no_threshold', 'capped', 'free_over', 3500, 0, 500, 1500, 800, 2300),
    ('off', 'group', 'no_threshold', 'off', 'not_deliverable', 3500, 0, 500, 0, None, 3000),
    ('off', 'group', 'no_threshold', 'on', 'not_deliverable', 3500, 0, 500, 1000, None, 2000),
    ('off', 'group', 'no_threshold', 'capped', 'not_deliverable', 3500, 0, 500, 1500, None, 1500),
    ('off', 'bargain', 'none', 'off', 'paid', 2800, 0, 0, 0, 800, 3600),
    ('off', 'bargain', 'none', 'on', 'paid', 2800, 0, 0, 1000, 800, 2600),
    ('off', 'bargain', 'none', 'capped', 'paid', 2800, 0, 0, 1400, 800, 2200),
    ('off', 'bargain', 'none', 'off', 'free_over', 2800, 0, 0, 0, 800, 3600),
    ('off', 'bargain', 'none', 'on', 'free_over', 2800, 0, 0, 1000, 800, 2600),
    ('off', 'bargain', 'none', 'capped', 'free_over', 2800, 0, 0, 1400, 800, 2200),
    ('off', 'bargain', 'none', 'off', 'not_deliverable', 2800, 0, 0, 0, None, 2800),
    ('off', 'bargain', 'none', 'on', 'not_deliverable', 2800, 0, 0, 1000, None, 1800),
    ('off', 'bargain', 'none', 'capped', 'not_deliverable', 2800, 0, 0, 1400, None, 1400),
    ('off', 'bargain', 'fixed', 'off', 'paid', 2800, 0, 0, 0, 800, 3600),
    ('off', 'bargain', 'fixed', 'on', 'paid', 2800, 0, 0, 1000, 800, 2600),
    ('off', 'bargain', 'fixed', 'capped', 'paid', 2800, 0, 0, 1400, 800, 2200),
    ('off', 'bargain', 'fixed', 'off', 'free_over', 2800, 0, 0, 0, 800, 3600),
    ('off', 'bargain', 'fixed', 'on', 'free_over', 2800, 0, 0, 1000, 800, 2600),
    ('off', 'bargain', 'fixed', 'capped', 'free_over', 2800, 0, 0, 1400, 800, 2200),
    ('off', 'bargain', 'fixed', 'off', 'not_deliverable', 2800, 0, 0, 0, None, 2800),
    ('off', 'bargain', 'fixed', 'on', 'not_deliverable', 2800, 0, 0, 1000, None, 1800),
    ('off', 'bargain', 'fixed', 'capped', 'not_deliverable', 2800, 0, 0, 1400, None, 1400),
    ('off', 'bargain', 'percent', 'off', 'paid', 2800, 0, 280, 0, 800, 3320),
    ('off', 'bargain', 'percent', 'on', 'paid', 2800, 0, 280, 1000, 800, 2320),
    ('off', 'bargain', 'percent', 'capped', 'paid', 2800, 0, 280, 1260, 800, 2060),
    ('off', 'bargain', 'percent', 'off', 'free_over', 2800, 0, 280, 0, 800, 3320),
    ('off', 'bargain', 'percent', 'on', 'free_over', 2800, 0, 280, 1000, 800, 2320),
    ('off', 'bargain', 'percent', 'capped', 'free_over', 2800, 0, 280, 1260, 800, 2060),
    ('off', 'bargain', 'percent', 'off', 'not_deliverable', 2800, 0, 280, 0, None, 2520),
    ('off', 'bargain', 'percent', 'on', 'not_deliverable', 2800, 0, 280, 1000, None, 1520),
    ('off', 'bargain', 'percent', 'capped', 'not_deliverable', 2800, 0, 280, 1260, None, 1260),
    ('off', 'bargain', 'no_threshold', 'off', 'paid', 2800, 0, 500, 0, 800, 3100),
    ('off', 'bargain', 'no_threshold', 'on', 'paid', 2800, 0, 500, 1000, 800, 2100),
    ('off', 'bargain', 'no_threshold', 'capped', 'paid', 2800, 0, 500, 1150, 800, 1950),
    ('off', 'bargain', 'no_threshold', 'off', 'free_over', 2800, 0, 500, 0, 800, 3100),
    ('off', 'bargain', 'no_threshold', 'on', 'free_over', 2800, 0, 500, 1000, 800, 2100),
    ('off', 'bargain', 'no_threshold', 'capped', 'free_over', 2800, 0, 500, 1150, 800, 1950),
    ('off', 'bargain', 'no_threshold', 'off', 'not_deliverable', 2800, 0, 500, 0, None, 2300),
    ('off', 'bargain', 'no_threshold', 'on', 'not_deliverable', 2800, 0, 500, 1000, None, 1300),
    ('off', 'bargain', 'no_threshold', 'capped', 'not_deliverable', 2800, 0, 500, 1150, None, 1150),
    ('on', 'none', 'none', 'off', 'paid', 12000, 600, 0, 0, 1100, 12500),
    ('on', 'none', 'none', 'on', 'paid', 12000, 600, 0, 1000, 1100, 11500),
    ('on', 'none', 'none', 'capped', 'paid', 12000, 600, 0, 5700, 1100, 6800),
    ('on', 'none', 'none', 'off', 'free_over', 12000, 600, 0, 0, 1100, 12500),
    ('on', 'none', 'none', 'on', 'free_over', 12000, 600, 0, 1000, 1100, 11500),
    ('on', 'none', 'none', 'capped', 'free_over', 12000, 600, 0, 5700, 1100, 6800),
    ('on', 'none', 'none', 'off', 'not_deliverable', 12000, 600, 0, 0, None, 11400),
    ('on', 'none', 'none', 'on', 'not_deliverable', 12000, 600, 0, 1000, None, 10400),
    ('on', 'none', 'none', 'capped', 'not_deliverable', 12000, 600, 0, 5700, None, 5700),
    ('on', 'none', 'fixed', 'off', 'paid', 12000, 600, 1000, 0, 1100, 11500),
    ('on', 'none', 'fixed', 'on', 'paid', 12000, 600, 1000, 1000, 1100, 10500),
    ('on', 'none', 'fixed', 'capped', 'paid', 12000, 600, 1000, 5200, 1100, 6300),
    ('on', 'none', 'fixed', 'off', 'free_over', 12000, 600, 1000, 0, 1100, 11500),
    ('on', 'none', 'fixed', 'on', 'free_over', 12000, 600, 1000, 1000, 1100, 10500),
    ('on', 'none', 'fixed', 'capped', 'free_over', 12000, 600, 1000, 5200, 1100, 6300),
    ('on', 'none', 'fixed', 'off', 'not_deliverable', 12000, 600, 1000, 0, None, 10400),
    ('on', 'none', 'fixed', 'on', 'not_deliverable', 12000, 600, 1000, 1000, None, 9400),
    ('on', 'none', 'fixed', 'capped', 'not_deliverable', 12000, 600, 1000, 5200, None, 5200),
    ('on', 'none', 'percent', 'off', 'paid', 12000, 600, 1000, 0, 1100, 11500),
    ('on', 'none', 'percent', 'on', 'paid', 12000, 600, 1000, 1000, 1100, 10500),
    ('on', 'none', 'percent', 'capped', 'paid', 12000, 600, 1000, 5200, 1100, 6300),
    ('on', 'none', 'percent', 'off', 'free_over', 12000, 600, 1000, 0, 1100, 11500),
    ('on', 'none', 'percent', 'on', 'free_over', 12000, 600, 1000, 1000, 1100, 10500),
    ('on', 'none', 'percent', 'capped', 'free_over', 12000, 600, 1000, 5200, 1100, 6300),
    ('on', 'none', 'percent', 'off', 'not_deliverable', 12000, 600, 1000, 0, None, 10400),
    ('on', 'none', 'percent', 'on', 'not_deliverable', 12000, 600, 1000, 1000, None, 9400),
    ('on', 'none', 'percent', 'capped', 'not_deliverable', 12000, 600, 1000, 5200, None, 5200),
    ('on', 'none', 'no_threshold', 'off', 'paid', 12000, 600, 500, 0, 1100, 12000),
    ('on', 'none', 'no_threshold', 'on', 'paid', 12000, 600, 500, 1000, 1100, 11000),
    ('on', 'none', 'no_threshold', 'capped', 'paid', 12000, 600, 500, 5450, 1100, 6550),
    ('on', 'none', 'no_threshold', 'off', 'free_over', 12000, 600, 500, 0, 1100, 12000),
    ('on', 'none', 'no_threshold', 'on', 'free_over', 12000, 600, 500, 1000, 1100, 11000),
    ('on', 'none', 'no_threshold', 'capped', 'free_over', 12000, 600, 500, 5450, 1100, 6550),
    ('on', 'none', 'no_threshold', 'off', 'not_deliverable', 12000, 600, 500, 0, None, 10900),
    ('on', 'none', 'no_threshold', 'on', 'not_deliverable', 12000, 600, 500, 1000, None, 9900),
    ('on', 'none', 'no_threshold', 'capped', 'not_deliverable', 12000, 600, 500, 5450, None, 5450),
    ('on', 'flash', 'none', 'off', 'paid', 8000, 100, 0, 0, 1100, 9000),
    ('on', 'flash', 'none', 'on', 'paid', 8000, 100, 0, 1000, 1100, 8000),
    ('on', 'flash', 'none', 'capped', 'paid', 8000, 100, 0, 3950, 1100, 5050),
    ('on', 'flash', 'none', 'off', 'free_over', 8000, 100, 0, 0, 1100, 9000),
    ('on', 'flash', 'none', 'on', 'free_over', 8000, 100, 0, 1000, 1100, 8000),
    ('on', 'flash', 'none', 'capped', 'free_over', 8000, 100, 0, 3950, 1100, 5050),
    ('on', 'flash', 'none', 'off', 'not_deliverable', 8000, 100, 0, 0, None, 7900),
    ('on', 'flash', 'none', 'on', 'not_deliverable', 8000, 100, 0, 1000, None, 6900),
    ('on', 'flash', 'none', 'capped', 'not_deliverable', 8000, 100, 0, 3950, None, 3950),
    ('on', 'flash', 'fixed', 'off', 'paid', 8000, 100, 0, 0, 1100, 9000),
    ('on', 'flash', 'fixed', 'on', 'paid', 8000, 100, 0, 1000, 1100, 8000),
    ('on', 'flash', 'fixed', 'capped', 'paid', 8000, 100, 0, 3950, 1100, 5050),
    ('on', 'flash', 'fixed', 'off', 'free_over', 8000, 100, 0, 0, 1100, 9000),
    ('on', 'flash', 'fixed', 'on', 'free_over', 8000, 100, 0, 1000, 1100, 8000),
    ('on', 'flash', 'fixed', 'capped', 'free_over', 8000, 100, 0, 3950, 1100, 5050),
    ('on', 'flash', 'fixed', 'off', 'not_deliverable', 8000, 100, 0, 0, None, 7900),
    ('on', 'flash', 'fixed', 'on', 'not_deliverable', 8000, 100, 0, 1000, None, 6900),
    ('on', 'flash', 'fixed', 'capped', 'not_deliverable', 8000, 100, 0, 3950, None, 3950),
    ('on', 'flash', 'percent', 'off', 'paid', 8000, 100, 800, 0, 1100, 8200),
    ('on', 'flash', 'percent', 'on', 'paid', 8000, 100, 800, 1000, 1100, 7200),
    ('on', 'flash', 'percent', 'capped', 'paid', 8000, 100, 800, 3550, 1100, 4650),
    ('on', 'flash', 'percent', 'off', 'free_over', 8000, 100, 800, 0, 1100, 8200),
    ('on', 'flash', 'percent', 'on', 'free_over', 8000, 100, 800, 1000, 1100, 7200),
    ('on', 'flash', 'percent', 'capped', 'free_over', 8000, 100, 800, 3550, 1100, 4650),
    ('on', 'flash', 'percent', 'off', 'not_deliverable', 8000, 100, 800, 0, None, 7100),
    ('on', 'flash', 'percent', 'on', 'not_deliverable', 8000, 100, 800, 1000, None, 6100),
    ('on', 'flash', 'percent', 'capped', 'not_deliverable', 8000, 100, 800, 3550, None, 3550),
    ('on', 'flash', 'no_threshold', 'off', 'paid', 8000, 100, 500, 0, 1100, 8500),
    ('on', 'flash', 'no_threshold', 'on', 'paid', 8000, 100, 500, 1000, 1100, 7500),
    ('on', 'flash', 'no_threshold', 'capped', 'paid', 8000, 100, 500, 3700, 1100, 4800),
    ('on', 'flash', 'no_threshold', 'off', 'free_over', 8000, 100, 500, 0, 1100, 8500),
    ('on', 'flash', 'no_threshold', 'on', 'free_over', 8000, 100, 500, 1000, 1100, 7500),
    ('on', 'flash', 'no_threshold', 'capped', 'free_over', 8000, 100, 500, 3700, 1100, 4800),
    ('on', 'flash', 'no_threshold', 'off', 'not_deliverable', 8000, 100, 500, 0, None, 7400),
    ('on', 'flash', 'no_threshold', 'on', 'not_deliverable', 8000, 100, 500, 1000, None, 6400),
    ('on', 'flash', 'no_threshold', 'capped', 'not_deliverable', 8000, 100, 500, 3700, None, 3700),
    ('on', 'group', 'none', 'off', 'paid', 3500, 0, 0, 0, 800, 4300),
    ('on', 'group', 'none', 'on', 'paid', 3500, 0, 0, 1000, 800, 3300),
    ('on', 'group', 'none', 'capped', 'paid', 3500, 0, 0, 1750, 800, 2550),
    ('on', 'group', 'none', 'off', 'free_over', 3500, 0, 0, 0, 800, 4300),
    ('on', 'group', 'none', 'on', 'free_over', 3500, 0, 0, 1000, 800, 3300),
    ('on', 'group', 'none', 'capped', 'free_over', 3500, 0, 0, 1750, 800, 2550),
    ('on', 'group', 'none', 'off', 'not_deliverable', 3500, 0, 0, 0, None, 3500),
    ('on', 'group', 'none', 'on', 'not_deliverable', 3500, 0, 0, 1000, None, 2500),
    ('on', 'group', 'none', 'capped', 'not_deliverable', 3500, 0, 0, 1750, None, 1750),
    ('on', 'group', 'fixed', 'off', 'paid', 3500, 0, 0, 0, 800, 4300),
    ('on', 'group', 'fixed', 'on', 'paid', 3500, 0, 0, 1000, 800, 3300),
    ('on', 'group', 'fixed', 'capped', 'paid', 3500, 0, 0, 1750, 800, 2550),
    ('on', 'group', 'fixed', 'off', 'free_over', 3500, 0, 0, 0, 800, 4300),
    ('on', 'group', 'fixed', 'on', 'free_over', 3500, 0, 0, 1000, 800, 3300),
    ('on', 'group', 'fixed', 'capped', 'free_over', 3500, 0, 0, 1750, 800, 2550),
    ('on', 'group', 'fixed', 'off', 'not_deliverable', 3500, 0, 0, 0, None, 3500),
    ('on', 'group', 'fixed', 'on', 'not_deliverable', 3500, 0, 0, 1000, None, 2500),
    ('on', 'group', 'fixed', 'capped', 'not_deliverable', 3500, 0, 0, 1750, None, 1750),
    ('on', 'group', 'percent', 'off', 'paid', 3500, 0, 350, 0, 800, 3950),
    ('on', 'group', 'percent', 'on', 'paid', 3500, 0, 350, 1000, 800, 2950),
    ('on', 'group', 'percent', 'capped', 'paid', 3500, 0, 350, 1575, 800, 2375),
    ('on', 'group', 'percent', 'off', 'free_over', 3500, 0, 350, 0, 800, 3950),
    ('on', 'group', 'percent', 'on', 'free_over', 3500, 0, 350, 1000, 800, 2950),
    ('on', 'group', 'percent', 'capped', 'free_over', 3500, 0, 350, 1575, 800, 2375),
    ('on', 'group', 'percent', 'off', 'not_deliverable', 3500, 0, 350, 0, None, 3150),
    ('on', 'group', 'percent', 'on', 'not_deliverable', 3500, 0, 350, 1000, None, 2150),
    ('on', 'group', 'percent', 'capped', 'not_deliverable', 3500, 0, 350, 1575, None, 1575),
    ('on', 'group', 'no_threshold', 'off', 'paid', 3500, 0, 500, 0, 800, 3800),
    ('on', 'group', 'no_threshold', 'on', 'paid', 3500, 0, 500, 1000, 800, 2800),
    ('on', 'group', 'no_threshold', 'capped', 'paid', 3500, 0, 500, 1500, 800, 2300),
    ('on', 'group', 'no_threshold', 'off', 'free_over', 3500, 0, 500, 0, 800, 3800),
    ('on', 'group', 'no_threshold', 'on', 'free_over', 3500, 0, 500, 1000, 800, 2800),
    ('on', 'group', 'no_threshold', 'capped', 'free_over', 3500, 0, 500, 1500, 800, 2300),
    ('on', 'group', 'no_threshold', 'off', 'not_deliverable', 3500, 0, 500, 0, None, 3000),
    ('on', 'group', 'no_threshold', 'on', 'not_deliverable', 3500, 0, 500, 1000, None, 2000),
    ('on', 'group', 'no_threshold', 'capped', 'not_deliverable', 3500, 0, 500, 1500, None, 1500),
    ('on', 'bargain', 'none', 'off', 'paid', 2800, 0, 0, 0, 800, 3600),
    ('on', 'bargain', 'none', 'on', 'paid', 2800, 0, 0, 1000, 800, 2600),
    ('on', 'bargain', 'none', 'capped', 'paid', 2800, 0, 0, 1400, 800, 2200),
    ('on', 'bargain', 'none', 'off', 'free_over', 2800, 0, 0, 0, 800, 3600),
    ('on', 'bargain', 'none', 'on', 'free_over', 2800, 0, 0, 1000, 800, 2600),
    ('on', 'bargain', 'none', 'capped', 'free_over', 2800, 0, 0, 1400, 800, 2200),
    ('on', 'bargain', 'none', 'off', 'not_deliverable', 2800, 0, 0, 0, None, 2800),
    ('on', 'bargain', 'none', 'on', 'not_deliverable', 2800, 0, 0, 1000, None, 1800),
    ('on', 'bargain', 'none', 'capped', 'not_deliverable', 2800, 0, 0, 1400, None, 1400),
    ('on', 'bargain', 'fixed', 'off', 'paid', 2800, 0, 0, 0, 800, 3600),
    ('on', 'bargain', 'fixed', 'on', 'paid', 2800, 0, 0, 1000, 800, 2600),
    ('on', 'bargain', 'fixed', 'capped', 'paid', 2800, 0, 0, 1400, 800, 2200),
    ('on', 'bargain', 'fixed', 'off', 'free_over', 2800, 0, 0, 0, 800, 3600),
    ('on', 'bargain', 'fixed', 'on', 'free_over', 2800, 0, 0, 1000, 800, 2600),
    ('on', 'bargain', 'fixed', 'capped', 'free_over', 2800, 0, 0, 1400, 800, 2200),
    ('on', 'bargain', 'fixed', 'off', 'not_deliverable', 2800, 0, 0, 0, None, 2800),
    ('on', 'bargain', 'fixed', 'on', 'not_deliverable', 2800, 0, 0, 1000, None, 1800),
    ('on', 'bargain', 'fixed', 'capped', 'not_deliverable', 2800, 0, 0, 1400, None, 1400),
    ('on', 'bargain', 'percent', 'off', 'paid', 2800, 0, 280, 0, 800, 3320),
    ('on', 'bargain', 'percent', 'on', 'paid', 2800, 0, 280, 1000, 800, 2320),
    ('on', 'bargain', 'percent', 'capped', 'paid', 2800, 0, 280, 1260, 800, 2060),
    ('on', 'bargain', 'percent', 'off', 'free_over', 2800, 0, 280, 0, 800, 3320),
    ('on', 'bargain', 'percent', 'on', 'free_over', 2800, 0, 280, 1000, 800, 2320),
    ('on', 'bargain', 'percent', 'capped', 'free_over', 2800, 0, 280, 1260, 800, 2060),
    ('on', 'bargain', 'percent', 'off', 'not_deliverable', 2800, 0, 280, 0, None, 2520),
    ('on', 'bargain', 'percent', 'on', 'not_deliverable', 2800, 0, 280, 1000, None, 1520),
    ('on', 'bargain', 'percent', 'capped', 'not_deliverable', 2800, 0, 280, 1260, None, 1260),
    ('on', 'bargain', 'no_threshold', 'off', 'paid', 2800, 0, 500, 0, 800, 3100),
    ('on', 'bargain', 'no_threshold', 'on', 'paid', 2800, 0, 500, 1000, 800, 2100),
    ('on', 'bargain', 'no_threshold', 'capped', 'paid', 2800, 0, 500, 1150, 800, 1950),
    ('on', 'bargain', 'no_threshold', 'off', 'free_over', 2800, 0, 500, 0, 800, 3100),
    ('on', 'bargain', 'no_threshold', 'on', 'free_over', 2800, 0, 500, 1000, 800, 2100),
    ('on', 'bargain', 'no_threshold', 'capped', 'free_over', 2800, 0, 500, 1150, 800, 1950),
    ('on', 'bargain', 'no_threshold', 'off', 'not_deliverable', 2800, 0, 500, 0, None, 2300),
    ('on', 'bargain', 'no_threshold', 'on', 'not_deliverable', 2800, 0, 500, 1000, None, 1300),
    ('on', 'bargain', 'no_threshold', 'capped', 'not_deliverable', 2800, 0, 500, 1150, None, 1150),
]


@pytest.mark.parametrize(("level", "campaign", "coupon", "points", "shipping", "goods", "level_off", "coupon_off",
                          "points_off", "fee", "total"), TABLE)
def test_every_combination_prices_as_written_down(level, campaign, coupon, points, shipping, goods, level_off,
                                                  coupon_off, points_off, fee, total):
    priced = quote(CARTS[campaign], book=book(level, campaign, coupon, points, shipping), province_code=ZHEJIANG,
                   use_points=points != "off", now=NOW)
    assert (priced.goods, priced.level_discount, priced.coupon_discount, priced.points_discount, priced.shipping,
            priced.total) == (goods, level_off, coupon_off, points_off, fee, total)
    assert priced.subtotal + (priced.shipping or 0) - priced.coupon_discount - priced.points_discount == total
    assert ([r.kind for r in priced.blocking] == ["address"]) == (shipping == "not_deliverable")


def test_each_discount_is_its_own_named_line_in_the_order_they_apply():
    priced = quote(CARTS["flash"], book=book("on", "flash", "percent", "capped", "paid"), province_code=ZHEJIANG,
                   use_points=True, now=NOW)
    assert [(a.kind, a.name, a.amount) for a in priced.adjustments] == [
        ("campaign", "双12秒杀", 4000), ("level", "金卡", 100), ("coupon", "九折券", 800), ("points", "3550", 3550)]
    assert [(line.sku_id, line.unit_price, line.rule, line.rule_name, line.amount) for line in priced.lines] == [
        (LONGJING, 3000, "flash_sale", "双12秒杀", 6000), (HONGCHA, 2000, "regular", "", 2000)]
    assert [a.kind for a in priced.discounts] == ["level", "coupon", "points"]  # the flash price is in the line


def test_the_level_discount_floors_the_discounted_goods_to_the_fen():
    cheap = {LONGJING: Goods(LONGJING, 11, (), "龙井", "", 9999, 0, True)}
    priced = quote([Item(LONGJING, 1)], book=PriceBook(goods=cheap, level=Level("金卡", 95)), now=NOW)
    assert (priced.level_discount, priced.subtotal, priced.shipping) == (500, 9499, None)  # ¥94.9905 → ¥94.99


def test_free_shipping_sees_the_goods_after_the_level_discount_but_before_coupons():
    priced = quote(CARTS["none"], book=book("off", "none", "fixed", "off", "free_over"), province_code=ZHEJIANG,
                   now=NOW)
    assert (priced.subtotal, priced.coupon_discount, priced.shipping) == (12000, 1000, 0)  # ¥110 to pay, shipped free
    priced = quote(CARTS["none"], book=book("on", "none", "none", "off", "free_over"), province_code=ZHEJIANG, now=NOW)
    assert (priced.subtotal, priced.shipping) == (11400, 1100)


def test_a_coupon_chosen_that_does_not_apply_is_refused_by_name():
    priced = quote(CARTS["flash"], book=book("off", "flash", "fixed", "off", "paid"), province_code=ZHEJIANG,
                   coupon_ids=[1], now=NOW)
    assert [(r.kind, r.message, r.blocking) for r in priced.refusals] == [
        ("coupon", "The coupon 满100减10 does not apply to these items.", True)]
    assert priced.coupon_discount == 0


def test_two_coupons_that_cannot_be_combined_are_refused_and_stackable_ones_add_up():
    coupons = (held(1, "满100减10", "amount_off", amount_off=1000, threshold=10000), held(3, "无门槛5元", "no_threshold",
                                                                                      amount_off=500))
    two = PriceBook(goods=GOODS, coupons=coupons, points_rules=PointsRules(100, 50))
    refused = quote(CARTS["none"], book=two, coupon_ids=[1, 3], now=NOW)
    assert [r.message for r in refused.blocking] == ["Only one coupon that cannot be combined can be used per order."]
    stackable = (coupons[0], held(3, "无门槛5元", "no_threshold", amount_off=500, stackable=True))
    best = quote(CARTS["none"], book=PriceBook(goods=GOODS, coupons=stackable), now=NOW)
    assert [(a.name, a.amount) for a in best.discounts] == [("满100减10", 1000), ("无门槛5元", 500)]
    assert best.chosen_coupon_ids == (1, 3)


def test_coupons_leave_at_least_one_fen_to_pay_and_each_line_adds_up_to_that():
    cheap = {HONGCHA: Goods(HONGCHA, 12, (), "红茶", "", 300, 0, True)}
    coupons = (held(3, "无门槛5元", "no_threshold", amount_off=500),)
    priced = quote([Item(HONGCHA, 1)], book=PriceBook(goods=cheap, coupons=coupons), province_code=ZHEJIANG,
                   now=NOW)
    assert (priced.coupon_discount, priced.total) == (299, 1)
    assert [(a.name, a.amount) for a in priced.discounts] == [("无门槛5元", 299)]


def test_an_expired_or_used_coupon_is_not_offered_and_refused_when_chosen():
    gone = (held(1, "过期券", "no_threshold", amount_off=500, valid_until=NOW),)
    priced = quote(CARTS["none"], book=PriceBook(goods=GOODS, coupons=gone), coupon_ids=[1], now=NOW)
    assert priced.coupon_offers == () and priced.coupon_discount == 0
    assert [r.message for r in priced.blocking] == ["A chosen coupon can no longer be used."]


def test_points_over_the_cap_are_refused_with_the_most_that_can_be_used():
    priced = quote(CARTS["none"], book=book("off", "none", "none", "capped", "paid"), province_code=ZHEJIANG,
                   use_points=True, now=NOW)
    assert priced.points_used == 6000 and priced.points_discount == 6000
    assert [(r.kind, r.message, r.blocking) for r in priced.refusals] == [
        ("points", "At most 6000 of your points can be used on this order.", False)]
    assert quote(CARTS["none"], book=book("off", "none", "none", "on", "paid"), use_points=True, now=NOW).refusals == ()


def test_points_are_offered_without_being_used_until_asked():
    priced = quote(CARTS["none"], book=book("off", "none", "none", "on", "paid"), now=NOW)
    assert (priced.points_offer.points, priced.points_offer.fen_off, priced.points_discount) == (1000, 1000, 0)


def test_not_deliverable_names_the_province_and_prices_no_shipping():
    priced = quote(CARTS["none"], book=book("off", "none", "none", "off", "paid"), province_code=TAIWAN, now=NOW)
    assert priced.shipping == 1100 and priced.refusals == ()
    refused = quote(CARTS["none"], book=book("off", "none", "none", "off", "not_deliverable"),
                    province_code=ZHEJIANG, now=NOW)
    assert refused.shipping is None and refused.blocking[0].field == "address"
    assert "does not deliver" in refused.blocking[0].message


def test_a_group_buy_or_bargain_is_one_unit_of_its_own_sku():
    for cart in ([Item(LONGJING, 2)], [Item(HONGCHA, 1)], [Item(LONGJING, 1), Item(HONGCHA, 1)]):
        priced = quote(cart, book=book("off", "group", "none", "off", "paid"), now=NOW)
        assert [(r.kind, r.message) for r in priced.blocking] == [("campaign", "one unit")]


def test_a_changed_price_and_an_item_off_sale_are_refused():
    off_sale = {**GOODS, HONGCHA: Goods(HONGCHA, 12, (), "红茶", "", 2000, 500, False)}
    priced = quote([Item(LONGJING, 1, seen_price=4500), Item(HONGCHA, 1)], book=PriceBook(goods=off_sale), now=NOW)
    assert [r.message for r in priced.blocking] == ["The price of 龙井 changed from ¥45.00 to ¥50.00.",
                                                    "An item in your cart is no longer on sale."]
    assert [line.sku_id for line in priced.lines] == [LONGJING] and priced.total == 5000


def test_a_quote_cannot_be_changed():
    priced = quote(CARTS["none"], book=book("off", "none", "none", "off", "paid"), now=NOW)
    with pytest.raises(FrozenInstanceError):
        priced.total = 1
    with pytest.raises(FrozenInstanceError):
        priced.lines[0].unit_price = 1
