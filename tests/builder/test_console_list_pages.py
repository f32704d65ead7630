"""Console lists page with next/previous links and a count: orders, packing lists,
after-sales requests and invoices show the second page, and never another store's rows."""
import html
import re

import pytest
from sqlalchemy import update

from builder.views import aftersales as aftersales_views
from builder.views import fulfillment as fulfillment_views
from builder.views import orders as order_views
from commerce.aftersales.models import AfterSale
from commerce.catalog.models import Product
from core.extensions import db
from core.tenancy import tenant_context
from tests.builder.test_console_orders import place
from tests.commerce.orders.test_fulfillment import paid
from tests.factories import create_member, create_product, create_store, login_staff, sku_of

EN = {"Accept-Language": "en"}


@pytest.fixture
def stores(app_ctx):
    demo, tea = create_store("demo"), create_store("tea")
    return demo, tea, create_member(demo), create_member(tea)


@pytest.fixture
def console(platform_client, stores):
    login_staff(platform_client, stores[0])
    return platform_client


def page(client, path):
    response = client.get(path, headers=EN)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def next_page(body):
    found = re.search(r'rel="next" href="([^"]+)"', body)
    return html.unescape(found.group(1)) if found else None


def test_orders_page_two_with_a_count_keeps_the_filters_and_no_other_store(console, stores, monkeypatch):
    demo, tea, demo_member, tea_member = stores
    monkeypatch.setattr(order_views, "PAGE_SIZE", 2)
    kettle = sku_of(demo, create_product(demo, "水壶", stock=100))
    numbers = [place(demo, demo_member, [(kettle, 1)], paid=True) for _ in range(3)]
    place(demo, demo_member, [(kettle, 1)])  # unpaid: not under the "To ship" tab
    theirs = place(tea, tea_member, [(sku_of(tea, create_product(tea, "水壶", stock=9)), 1)], paid=True)
    first = page(console, "/console/orders?status=paid")
    assert numbers[2] in first and numbers[1] in first and numbers[0] not in first and "3 in all" in first
    assert 'rel="prev"' not in first
    second = page(console, next_page(first))
    assert "status=paid" in next_page(first)
    assert numbers[0] in second and numbers[1] not in second and theirs not in second
    assert next_page(second) is None and 'rel="prev"' in second


def test_a_forged_page_link_is_a_bad_request(console, stores):
    assert console.get("/console/orders?cursor=forged", headers=EN).status_code == 400


def test_packing_lists_page_two_shows_no_other_store(console, stores, monkeypatch):
    demo, tea, demo_member, tea_member = stores
    monkeypatch.setattr(fulfillment_views, "PAGE_SIZE", 1)
    cup, pot = create_product(demo, "茶杯", stock=9), create_product(demo, "茶壶", stock=9)
    with tenant_context(demo.id):  # two warehouses: one order, two packing lists
        db.session.execute(update(Product).where(Product.id == pot).values(warehouse="杭州仓"))
        db.session.commit()
    paid(demo, demo_member, (sku_of(demo, cup), 1), (sku_of(demo, pot), 1))
    paid(tea, tea_member, (sku_of(tea, create_product(tea, "茶盘", stock=9)), 1))
    first = page(console, "/console/packing")
    assert "茶杯" in first and "茶壶" not in first and "2 to send" in first
    second = page(console, next_page(first))
    assert "茶壶" in second and "茶杯" not in second and "茶盘" not in second and next_page(second) is None


def after_sale(store, member, order_id, description):
    with tenant_context(store.id):
        db.session.add(AfterSale(order_id=order_id, member_id=member[0], kind="refund_only", reason="other",
                                 description=description, amount=100))
        db.session.commit()


def test_after_sales_page_two_shows_no_other_store(console, stores, monkeypatch):
    demo, tea, demo_member, tea_member = stores
    monkeypatch.setattr(aftersales_views, "PAGE_SIZE", 1)
    cup = sku_of(demo, create_product(demo, "茶杯", stock=9))
    first_order, second_order = paid(demo, demo_member, (cup, 1)), paid(demo, demo_member, (cup, 1))
    tea_order = paid(tea, tea_member, (sku_of(tea, create_product(tea, "茶盘", stock=9)), 1))
    after_sale(demo, demo_member, first_order, "第一个请求")
    after_sale(demo, demo_member, second_order, "第二个请求")
    after_sale(tea, tea_member, tea_order, "别家的请求")
    first = page(console, "/console/after-sales")
    assert "第一个请求" in first and "第二个请求" not in first and "2 waiting" in first
    second = page(console, next_page(first))
    assert "第二个请求" in second and "别家的请求" not in second and next_page(second) is None
