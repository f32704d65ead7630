"""The user portrait: aggregates over members who consent to profiling now (a withdrawal
shows at the next look), buckets of fewer than 5 members hidden as "<5", nothing for a store
with fewer than 5 consenting members, China hours, provinces by name, categories from the
order lines, and a second store that never shows."""
from datetime import UTC, datetime, timedelta

import pytest

from commerce.analytics.portrait import store_portrait
from commerce.catalog.models import Product
from commerce.members.models import Member, MemberLevel
from commerce.orders.models import OrderLine
from core.clock import CHINA_TZ
from core.extensions import db
from core.tenancy import tenant_context
from tests.commerce.analytics.rfm_data import add_orders, new_members, order_row, withdraw_profiling
from tests.factories import create_product, create_store, sku_of

NOW = datetime(2026, 6, 15, 4, 0, tzinfo=UTC)
EVENING = datetime(2026, 6, 10, 20, 30, tzinfo=CHINA_TZ)  # 12:30 UTC


def table(buckets):
    return {bucket.label: bucket.count_text for bucket in buckets}


def portrait(store):
    with tenant_context(store.id):
        return store_portrait(now=NOW)


def add_lines(store, order_ids, product_id):
    sku_id = sku_of(store, product_id)
    with tenant_context(store.id):
        price = db.session.get(Product, product_id).price
        db.session.add_all(OrderLine(order_id=order_id, product_id=product_id, sku_id=sku_id, title="商品",
                                     price=price, quantity=1) for order_id in order_ids)
        db.session.commit()


@pytest.fixture
def world(app_ctx):
    """demo: six consenting members — five in Zhejiang paying tea in the evening (¥150 … ¥3,000),
    one in Beijing buying coffee in the morning — two without consent, one consenting member who
    bought nothing; tea: a store of its own with members everywhere."""
    demo, tea = create_store("demo"), create_store("tea")
    zhejiang = new_members(demo, 5)
    beijing, idle = new_members(demo, 2)
    refused = new_members(demo, 2, consenting=False)
    db_level(demo, "金卡会员", 1000, zhejiang)
    amounts = [15_000, 30_000, 60_000, 150_000, 300_000]
    tea_orders = add_orders(demo, [order_row(demo, member, paid_at=EVENING, amount=amount)
                                   for member, amount in zip(zhejiang, amounts, strict=True)])
    coffee_orders = add_orders(demo, [order_row(demo, beijing, paid_at=datetime(2026, 6, 1, 9, 10, tzinfo=CHINA_TZ),
                                                amount=5_000, province="110000")])
    refused_orders = add_orders(demo, [order_row(demo, member, paid_at=EVENING, amount=900_000, province="440000")
                                       for member in refused])
    add_lines(demo, tea_orders, create_product(demo, "明前龙井", price=15_000, category_name="绿茶"))
    add_lines(demo, coffee_orders + refused_orders, create_product(demo, "挂耳咖啡", price=5_000, category_name="咖啡"))
    tea_members = new_members(tea, 8)
    add_orders(tea, [order_row(tea, member, paid_at=EVENING, amount=1_000, province="510000") for member in tea_members])
    return demo, tea, zhejiang, beijing, idle, refused


def db_level(store, name, threshold, member_ids):
    with tenant_context(store.id):
        level = MemberLevel(name=name, growth_threshold=threshold)
        db.session.add(level)
        db.session.flush()
        for member_id in member_ids:
            db.session.get(Member, member_id).level_id = level.id
        db.session.commit()
        return level.id


def test_the_portrait_counts_consenting_members_only_and_hides_small_buckets(world):
    demo, _tea, _zhejiang, _beijing, _idle, _refused = world
    found = portrait(demo)
    assert (found.members, found.left_out, found.too_few) == (7, 2, False)
    assert table(found.levels) == {"No level yet": "<5", "金卡会员": "5"}
    assert table(found.spend_bands) == {"No purchase": "<5", "Under ¥100": "<5", "¥100–500": "<5",
                                        "¥500–2,000": "<5", "Over ¥2,000": "<5"}
    assert table(found.categories) == {"绿茶": "5", "咖啡": "<5"}  # the refusing members' coffee is not counted
    assert table(found.provinces) == {"浙江省": "5", "北京市": "<5"}  # no 广东省: those members refused
    assert [bucket.share_text for bucket in found.provinces] == ["71.4%", "—"]


def test_active_hours_are_china_hours_of_paid_orders(world):
    demo, _tea, _zhejiang, _beijing, _idle, _refused = world
    hours = {bucket.label: bucket for bucket in portrait(demo).hours}
    assert len(hours) == 24
    assert hours["20:00"].count == 5 and hours["20:00"].share_text == "83.3%"
    assert hours["9:00"].hidden and hours["9:00"].count_text == "<5"  # one member's morning
    assert hours["12:00"].hidden  # the UTC hour of the evening orders holds nothing


def test_spend_bands_fill_once_enough_members_share_one(world):
    demo, _tea, zhejiang, _beijing, _idle, _refused = world
    add_orders(demo, [order_row(demo, member, paid_at=EVENING, amount=250_000) for member in zhejiang])
    bands = table(portrait(demo).spend_bands)
    assert bands["Over ¥2,000"] == "5"


def test_a_withdrawal_leaves_the_portrait_at_once_and_too_few_members_show_nothing(world):
    demo, _tea, zhejiang, _beijing, _idle, _refused = world
    withdraw_profiling(demo, zhejiang[0])
    found = portrait(demo)
    assert (found.members, found.left_out) == (6, 3)
    assert table(found.provinces) == {"浙江省": "<5", "北京市": "<5"}
    assert table(found.levels)["金卡会员"] == "<5"
    withdraw_profiling(demo, zhejiang[1])
    found = portrait(demo)
    assert (found.members, found.too_few) == (5, False)
    withdraw_profiling(demo, zhejiang[2])
    found = portrait(demo)
    assert found.too_few and found.levels == found.provinces == found.hours == []


def test_another_stores_members_and_orders_never_show(world):
    demo, tea, *_ = world
    assert "四川省" not in table(portrait(demo).provinces)
    found = portrait(tea)
    assert (found.members, found.left_out) == (8, 0)
    assert table(found.provinces) == {"四川省": "8"}
    assert table(found.categories) == {}  # tea's orders have no lines; demo's categories stay in demo
    assert sum(bucket.count or 0 for bucket in found.hours) == 8


def test_orders_older_than_a_year_are_out_of_the_window(world):
    demo, *_ = world
    members = new_members(demo, 5)
    add_orders(demo, [order_row(demo, member, paid_at=NOW - timedelta(days=400), amount=1_000, province="310000")
                      for member in members])
    found = portrait(demo)
    assert "上海市" not in table(found.provinces)
    assert table(found.spend_bands)["No purchase"] == "6"  # the idle member and these five
