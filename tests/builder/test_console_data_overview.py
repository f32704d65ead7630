"""The console's 概况: today's and yesterday's figures with the change, the 待办 counts whose
links land on lists showing exactly those items, the 30-day chart and its JSON refresh — each
for the signed-in store only."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from billing.models import Invoice
from commerce.aftersales.models import AfterSale
from commerce.catalog.models import Product
from commerce.inventory.models import SafetyStockOverride
from commerce.orders.models import Order
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tests.builder.console_data_helpers import EN, ZH, daily, days_ago, today
from tests.builder.test_console_orders import place
from tests.factories import create_member, create_product, create_staff, create_store, login_staff, sku_of


@pytest.fixture
def stores(app_ctx):
    return create_store("demo"), create_store("tea")


@pytest.fixture
def console(platform_client, stores):
    login_staff(platform_client, stores[0])
    return platform_client


def figures(client):
    response = client.get("/console/overview.json", headers=EN)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def card(overview, key):
    return next(card for card in overview["cards"] if card["key"] == key)


def todo(overview, key):
    return next(item for item in overview["todos"] if item["key"] == key)


def test_today_and_yesterday_with_the_change(console, stores):
    demo, _tea = stores
    daily(demo, today(), visitors=200, buyers=10, paid_orders=12, gmv=360000)
    daily(demo, days_ago(1), visitors=100, buyers=8, paid_orders=8, gmv=240000)
    overview = figures(console)
    assert card(overview, "gmv") | {"label": None} == {
        "key": "gmv", "label": None, "value": "¥3,600.00", "yesterday": "¥2,400.00", "change": "+50.0%", "trend": "up"}
    assert card(overview, "paid_orders")["value"] == "12" and card(overview, "paid_orders")["change"] == "+50.0%"
    assert card(overview, "average_order_value")["value"] == "¥300.00"
    assert card(overview, "average_order_value")["change"] == "0%"
    assert card(overview, "visitors")["change"] == "+100.0%"
    conversion = card(overview, "conversion")
    assert (conversion["value"], conversion["yesterday"], conversion["trend"]) == ("5.0%", "8.0%", "down")
    assert conversion["change"] == "-37.5%"


def test_nothing_yesterday_shows_no_change_rather_than_infinity(console, stores):
    daily(stores[0], today(), visitors=5, buyers=0, paid_orders=0, gmv=0)
    overview = figures(console)
    assert card(overview, "visitors") | {"label": None} == {
        "key": "visitors", "label": None, "value": "5", "yesterday": "0", "change": "—", "trend": "up"}
    assert card(overview, "gmv")["change"] == "—" and card(overview, "gmv")["trend"] == "flat"


def test_the_page_shows_the_figures_big_in_chinese_and_loads_its_script(console, stores):
    daily(stores[0], today(), visitors=200, buyers=10, paid_orders=12, gmv=360000)
    page = console.get("/console/", headers=ZH).get_data(as_text=True)
    assert "支付金额" in page and "¥3,600.00" in page and "访客数" in page and "待办" in page
    assert "/console/overview.json" in page and "overview.js" in page and "/console/vendor/chart.js" in page
    assert "<script>" not in page  # CSP: script-src 'self', no inline code
    assert "http://demo.duoshop.test/" in page  # the addresses, plan and next steps stay below


def test_another_stores_figures_never_show(console, stores):
    demo, tea = stores
    daily(tea, today(), visitors=999, buyers=99, paid_orders=99, gmv=9_999_900)
    daily(tea, days_ago(3), visitors=999, buyers=99, paid_orders=99, gmv=9_999_900)
    overview = figures(console)
    assert card(overview, "visitors")["value"] == "0" and card(overview, "gmv")["value"] == "¥0.00"
    assert set(overview["chart"]["gmv"]) == {0} and set(overview["chart"]["orders"]) == {0}
    assert "99,999.00" not in console.get("/console/", headers=EN).get_data(as_text=True)


def test_the_chart_has_thirty_china_days_ending_today(console, stores):
    demo, _tea = stores
    daily(demo, days_ago(29), paid_orders=2, gmv=5000, visitors=3, buyers=2)
    daily(demo, days_ago(30), paid_orders=7, gmv=7000, visitors=9, buyers=7)  # outside the 30 days
    chart = figures(console)["chart"]
    assert len(chart["labels"]) == 30 and chart["labels"][-1] == today().strftime("%m-%d")
    assert chart["gmv"][0] == 50.0 and chart["orders"][0] == 2 and sum(chart["orders"]) == 2


def test_the_json_refresh_needs_a_signed_in_staff_member(platform_client, stores):
    response = platform_client.get("/console/overview.json")
    assert response.status_code == 302 and "/console/login" in response.location


# --- 待办 -------------------------------------------------------------------------------

def _row_links(page, pattern):
    return re.findall(pattern, page)


def test_to_dos_count_and_link_to_lists_showing_exactly_those_items(console, stores):
    demo, tea = stores
    member = create_member(demo)
    cup = sku_of(demo, create_product(demo, "茶杯", price=1000, stock=50))
    to_ship = [place(demo, member, [(cup, 1)], paid=True) for _ in range(2)]
    refunding = place(demo, member, [(cup, 1)], paid=True)
    unpaid = place(demo, member, [(cup, 1)])
    with tenant_context(demo.id):
        db.session.execute(update(Order).where(Order.number == refunding).values(status=Order.REFUNDING))
        order_id = db.session.scalar(db.select(Order.id).where(Order.number == to_ship[0]))
        db.session.add(AfterSale(order_id=order_id, member_id=member[0], kind=AfterSale.REFUND_ONLY, reason="other",
                                 amount=100, lines={}))
        db.session.commit()
    low = create_product(demo, "快卖完的茶", stock=3)
    shelved = create_product(demo, "下架的茶", stock=0, status=Product.OFF_SHELF)  # off the shelf: no warning
    plenty = create_product(demo, "库存充足", stock=11)  # no sales: a safety stock of 0
    low_sku, _, _ = (sku_of(demo, product_id) for product_id in (low, shelved, plenty))
    with tenant_context(demo.id):  # the merchant keeps 5 of it at least
        db.session.add(SafetyStockOverride(sku_id=low_sku, safety_stock=5))
        db.session.commit()
    _open_invoice(demo)
    # the tea store's own work never counts here
    tea_member = create_member(tea)
    tea_cup = sku_of(tea, create_product(tea, "杯", stock=2))  # low stock too, in the other store
    place(tea, tea_member, [(tea_cup, 1)], paid=True)

    overview = figures(console)
    counts = {item["key"]: item["count"] for item in overview["todos"]}
    # the cup's stock dropped to 47: above its safety stock (3 sold in 30 days); the tea store's
    # 杯 (1 left, 1 sold) is low there, not here
    assert counts == {"to_ship": 2, "after_sales": 1, "support_waiting": 0, "low_stock": 1, "refunding": 1,
                      "unpaid_invoices": 1}

    ship_page = console.get(todo(overview, "to_ship")["url"], headers=EN).get_data(as_text=True)
    assert sorted(set(re.findall(r"/console/orders/(\w+)\"", ship_page))) == sorted(to_ship)
    assert unpaid not in ship_page and refunding not in ship_page
    refund_page = console.get(todo(overview, "refunding")["url"], headers=EN).get_data(as_text=True)
    assert set(re.findall(r"/console/orders/(\w+)\"", refund_page)) == {refunding}
    after_sales_page = console.get(todo(overview, "after_sales")["url"], headers=EN).get_data(as_text=True)
    assert after_sales_page.count("/approve") == 1
    stock_page = console.get(todo(overview, "low_stock")["url"], headers=EN).get_data(as_text=True)
    assert set(re.findall(r"/console/inventory/skus/(\d+)\"", stock_page)) == {str(low_sku)}
    billing_page = console.get(todo(overview, "unpaid_invoices")["url"], headers=EN).get_data(as_text=True)
    assert billing_page.count("data-invoice=") == 1 and "DS-OPEN-1" in billing_page


def _open_invoice(store, *, status=Invoice.OPEN, number="DS-OPEN-1"):
    now = utcnow()
    with tenant_context(store.id):
        db.session.add(Invoice(number=number, out_trade_no=f"T{store.id}{number}"[-32:], kind=Invoice.MANUAL,
                               status=status, plan="pro", interval="month", period_start=now,
                               period_end=now + timedelta(days=30), subtotal=49900, total=49900, due_at=now))
        db.session.commit()


def test_paid_invoices_are_not_to_dos_and_the_filter_shows_only_unpaid(console, stores):
    demo, _tea = stores
    _open_invoice(demo, status=Invoice.PAID, number="DS-PAID-1")
    assert todo(figures(console), "unpaid_invoices")["count"] == 0
    page = console.get("/console/billing?invoices=unpaid", headers=EN).get_data(as_text=True)
    assert "DS-PAID-1" not in page and "No unpaid invoices." in page
    assert "DS-PAID-1" in console.get("/console/billing", headers=EN).get_data(as_text=True)


@pytest.mark.parametrize("role", StaffUser.ROLES)
def test_every_staff_role_sees_the_overview(platform_client, stores, role):
    demo, _tea = stores
    if role != StaffUser.OWNER:
        create_staff(demo, f"{role}@demo.example.com", role)
        login_staff(platform_client, demo, email=f"{role}@demo.example.com")
    else:
        login_staff(platform_client, demo)
    assert platform_client.get("/console/", headers=EN).status_code == 200
    assert platform_client.get("/console/overview.json", headers=EN).status_code == 200


def test_chart_js_is_served_from_npm_to_the_console(console):
    response = console.get("/console/vendor/chart.js")
    assert response.status_code == 200 and b"Chart" in response.data[:5000]
    response.close()
