"""Safety stock from sales velocity (with the hot-item buffer and the merchant's overrides),
the 概况's low-stock count, and days of inventory per SKU and category (the turnover report)."""
from datetime import timedelta

import pytest
from sqlalchemy import update

from commerce.catalog.models import SKU, Product
from commerce.inventory.errors import InvalidStockPlan
from commerce.inventory.planning import (
    NO_SALES_DAYS,
    category_turnover,
    low_stock_count,
    safety_page,
    save_settings,
    set_sku_plan,
    sku_plan,
    store_settings,
    turnover_page,
)
from commerce.orders.models import Order
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from tests.commerce.inventory.stock_helpers import paid_order, rich_member
from tests.factories import create_product, create_store, sku_of

DEFAULTS = {"window_days": 30, "lead_time_days": 7, "buffer_percent": 10, "hot_buffer_percent": 30,
            "hot_share_percent": 20, "turnover_target_days": 45}


def sell(store, member, sku_id, units):
    return paid_order(store, member, [(sku_id, units)])


@pytest.fixture
def selling(app_ctx):
    """demo: 红茶 sold 30 in the window (hot), 绿茶 15, 白茶 6, 黑茶 none (stock 40), 花茶 none and
    sold out; tea sells its own 红茶, 60 units."""
    demo, tea = create_store("demo"), create_store("tea")
    skus = {}
    for title, stock, category in (("红茶", 40, "茶叶"), ("绿茶", 19, "茶叶"), ("白茶", 100, "礼盒"),
                                   ("黑茶", 40, "礼盒"), ("花茶", 0, None)):
        skus[title] = sku_of(demo, create_product(demo, title, price=100, stock=stock, category_name=category))
    member = rich_member(demo)
    sell(demo, member, skus["红茶"], 30)
    sell(demo, member, skus["绿茶"], 15)
    sell(demo, member, skus["白茶"], 6)
    tea_sku = sku_of(tea, create_product(tea, "红茶", price=100, stock=100))
    sell(tea, rich_member(tea), tea_sku, 60)
    return demo, tea, skus


def plan_of(store, sku_id):
    with tenant_context(store.id):
        return sku_plan(db.session.get(SKU, sku_id))


def test_safety_stock_is_daily_sales_times_lead_time_plus_buffer_rounded_up_with_more_for_hot_items(selling):
    demo, _tea, skus = selling
    red, green, white, black = (plan_of(demo, skus[t]) for t in ("红茶", "绿茶", "白茶", "黑茶"))
    assert (red.sold, red.hot, red.safety) == (30, True, 10)  # 1/day × 7 × 1.3 = 9.1
    assert (green.sold, green.hot, green.safety) == (15, False, 4)  # 0.5/day × 7 × 1.1 = 3.85
    assert (white.sold, white.safety) == (6, 2)  # 0.2/day × 7 × 1.1 = 1.54
    assert (black.sold, black.safety) == (0, 0)


def test_sales_older_than_the_window_do_not_count(selling):
    demo, _tea, skus = selling
    with tenant_context(demo.id):
        db.session.execute(update(Order).values(paid_at=utcnow() - timedelta(days=31)))
        db.session.commit()
    assert plan_of(demo, skus["红茶"]).sold == 0


def test_a_products_lead_time_and_a_merchants_own_figure_replace_the_defaults(selling):
    demo, _tea, skus = selling
    with tenant_context(demo.id):
        set_sku_plan(db.session.get(SKU, skus["绿茶"]), safety_stock=None, lead_time_days=20, actor=None)
        set_sku_plan(db.session.get(SKU, skus["白茶"]), safety_stock=50, lead_time_days=None, actor=None)
        db.session.commit()
    assert plan_of(demo, skus["绿茶"]).safety == 11  # 0.5 × 20 × 1.1
    assert (plan_of(demo, skus["白茶"]).safety, plan_of(demo, skus["白茶"]).computed) == (50, 2)
    with tenant_context(demo.id):
        set_sku_plan(db.session.get(SKU, skus["白茶"]), safety_stock=None, lead_time_days=None, actor=None)
        db.session.commit()
    assert plan_of(demo, skus["白茶"]).safety == 2


def test_the_low_stock_to_do_counts_skus_on_sale_at_or_below_their_safety_stock_in_this_store_only(selling):
    demo, tea, skus = selling
    # 红茶 10 left ≤ 10, 绿茶 4 ≤ 4, 花茶 0 ≤ 0; 白茶 94 and 黑茶 40 are above
    with tenant_context(demo.id):
        assert low_stock_count() == 3
        assert {row.title for row in safety_page(low_only=True).items} == {"红茶", "绿茶", "花茶"}
        db.session.execute(update(Product).where(Product.title == "花茶").values(status=Product.OFF_SHELF))
        db.session.commit()
        assert low_stock_count() == 2
    with tenant_context(tea.id):
        assert low_stock_count() == 0  # 40 left, safety 2/day × 7 × 1.3 = 18.2 → 19
        assert [row.title for row in safety_page().items] == ["红茶"]


def test_days_of_inventory_are_stock_over_daily_sales_flagged_over_the_target(selling):
    demo, _tea, skus = selling
    with tenant_context(demo.id):
        _plan, page = turnover_page()
        rows = {row.title: row for row in page.items}
        assert [row.title for row in page.items] == ["黑茶", "白茶", "红茶", "绿茶"]  # slowest first; 花茶 has nothing
        assert rows["黑茶"].days == NO_SALES_DAYS and rows["黑茶"].over_target  # stock, no sales
        assert (rows["白茶"].days, rows["白茶"].over_target) == (470, True)  # 94 ÷ 0.2
        assert (rows["绿茶"].days, rows["绿茶"].over_target) == (8, False)  # 4 ÷ 0.5
        assert (rows["红茶"].days, rows["红茶"].over_target) == (10, False)
        _plan, over = turnover_page(over_only=True)
        assert {row.title for row in over.items} == {"黑茶", "白茶"}
        categories = {row["category"]: row for row in category_turnover()}
        assert set(categories) == {"茶叶", "礼盒"}  # tea's uncategorised 红茶 is not here
        assert categories["茶叶"] == {"category": "茶叶", "stock": 14, "sold": 45, "days": 9, "over": False}
        assert categories["礼盒"]["days"] == 134 * 30 // 6 and categories["礼盒"]["over"]


def test_turnover_pages_through_every_sku_once(selling):
    demo, _tea, _skus = selling
    with tenant_context(demo.id):
        _plan, first = turnover_page(per_page=3)
        _plan, second = turnover_page(per_page=3, cursor=first.next_cursor)
        titles = [row.title for row in first.items + second.items]
    assert titles == ["黑茶", "白茶", "红茶", "绿茶"] and not second.has_next


@pytest.mark.parametrize(("field", "value"), [("hot_buffer_percent", 19), ("window_days", 0), ("lead_time_days", 500)])
def test_settings_out_of_range_are_refused_naming_the_field(selling, field, value):
    demo, _tea, _skus = selling
    with tenant_context(demo.id), pytest.raises(InvalidStockPlan) as refused:
        save_settings({**DEFAULTS, field: value}, actor=None)
    assert refused.value.field == field


def test_saved_settings_change_the_plan_of_this_store_only(selling):
    demo, tea, skus = selling
    with tenant_context(demo.id):
        save_settings({**DEFAULTS, "lead_time_days": 14}, actor=None)
        db.session.commit()
    assert plan_of(demo, skus["红茶"]).safety == 19  # 1 × 14 × 1.3 = 18.2
    with tenant_context(tea.id):
        assert store_settings().lead_time_days == 7
