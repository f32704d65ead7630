"""Console lists page with next/previous links and a count: orders, packing lists,
after-sales requests and invoices show the second page, and never another store's rows."""
import html
import re

import pytest
from sqlalchemy import func, select, update

from builder.views import aftersales as aftersales_views
from builder.views import fulfillment as fulfillment_views
from builder.views import orders as order_views
from commerce.aftersales.models import AfterSale
from commerce.catalog.models import Product
from commerce.orders.models import Fulfillment, Order
from commerce.shipping.models import Parcel
from core.extensions import db
from core.tenancy import tenant_context
from tests.builder.test_console_orders import place
from tests.commerce.orders.test_fulfillment import paid
from tests.conftest import csrf_from
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


ZH = {"Accept-Language": "zh-CN"}


def ship_from_order_page(client, store, order_id, tracking_number):
    with tenant_context(store.id):
        order = db.session.get(Order, order_id)
        number, contents = order.number, {f"ship_{line.id}": str(line.quantity) for line in order.lines}
    token = csrf_from(client, f"/console/orders/{number}")
    return client.post(f"/console/orders/{number}/ship", headers=ZH, data={
        "csrf_token": token, "carrier": "shunfeng", "tracking_number": tracking_number, **contents})


def ship_packing_list(client, packing_id, tracking_number):
    token = csrf_from(client, "/console/packing")
    return client.post(f"/console/packing/{packing_id}/ship", headers=ZH, follow_redirects=True, data={
        "csrf_token": token, "carrier": "shunfeng", "tracking_number": tracking_number}).get_data(as_text=True)


def parcel_count(store):
    with tenant_context(store.id):
        return db.session.scalar(select(func.count(Parcel.id)))


def test_an_order_shipped_from_its_page_leaves_the_packing_list(console, stores):
    demo, _tea, demo_member, _tea_member = stores
    order_id = paid(demo, demo_member, (sku_of(demo, create_product(demo, "茶杯", stock=9)), 1))
    with tenant_context(demo.id):
        packing_id = db.session.scalar(select(Fulfillment.id))
    assert "1 单待发货" in console.get("/console/packing", headers=ZH).get_data(as_text=True)
    assert ship_from_order_page(console, demo, order_id, "SF1234567890").status_code == 302
    listed = console.get("/console/packing", headers=ZH).get_data(as_text=True)
    assert "0 单待发货" in listed and "没有待发货的发货单。" in listed and "茶杯" not in listed
    again = ship_packing_list(console, packing_id, "SF0000000002")
    assert "这张发货单已经发出。" in again and "已退款或已取消" not in again and "发货单已发出。" not in again
    assert parcel_count(demo) == 1


def test_a_merged_list_sends_only_the_order_not_yet_shipped_from_its_page(console, stores):
    demo, _tea, demo_member, _tea_member = stores
    cup = sku_of(demo, create_product(demo, "茶杯", stock=9))
    first, second = paid(demo, demo_member, (cup, 1)), paid(demo, demo_member, (cup, 2))
    with tenant_context(demo.id):
        packing_id = db.session.scalar(select(Fulfillment.id))
    assert ship_from_order_page(console, demo, first, "SF1234567890").status_code == 302
    assert "1 单待发货" in console.get("/console/packing", headers=ZH).get_data(as_text=True)
    sent = ship_packing_list(console, packing_id, "SF0000000002")
    assert "发货单已发出。" in sent and "没有待发货的发货单。" in sent
    with tenant_context(demo.id):
        assert [(p.order_id, p.tracking_number) for p in db.session.scalars(select(Parcel).order_by(Parcel.id))] == [
            (first, "SF1234567890"), (second, "SF0000000002")]
        assert db.session.get(Order, second).status == Order.SHIPPED
    again = ship_packing_list(console, packing_id, "SF0000000003")
    assert "这张发货单已经发出。" in again and parcel_count(demo) == 2


def test_shipping_a_packing_list_twice_says_it_is_already_sent(console, stores):
    demo, _tea, demo_member, _tea_member = stores
    paid(demo, demo_member, (sku_of(demo, create_product(demo, "茶杯", stock=9)), 1))
    with tenant_context(demo.id):
        packing_id = db.session.scalar(select(Fulfillment.id))
    sent = ship_packing_list(console, packing_id, "SF1234567890")
    assert "发货单已发出。" in sent and "0 单待发货" in sent and "茶杯" not in sent
    again = ship_packing_list(console, packing_id, "SF0000000002")
    assert "这张发货单已经发出。" in again and "已退款或已取消" not in again and parcel_count(demo) == 1


def test_a_list_partly_shipped_from_the_order_page_sends_only_what_is_left(console, stores):
    demo, _tea, demo_member, _tea_member = stores
    cup = sku_of(demo, create_product(demo, "茶杯", stock=9))
    order_id = paid(demo, demo_member, (cup, 3))
    with tenant_context(demo.id):
        packing_id = db.session.scalar(select(Fulfillment.id))
        number, line_id = db.session.get(Order, order_id).number, db.session.get(Order, order_id).lines[0].id
    token = csrf_from(console, f"/console/orders/{number}")
    assert console.post(f"/console/orders/{number}/ship", headers=ZH, data={
        "csrf_token": token, "carrier": "shunfeng", "tracking_number": "SF1234567890",
        f"ship_{line_id}": "1"}).status_code == 302
    listed = console.get("/console/packing", headers=ZH).get_data(as_text=True)
    assert "1 单待发货" in listed and "还有 2 件待发" in listed
    sent = ship_packing_list(console, packing_id, "SF0000000002")
    assert "发货单已发出。" in sent and "没有待发货的发货单。" in sent
    with tenant_context(demo.id):
        assert [p.lines[0]["quantity"] for p in db.session.scalars(select(Parcel).order_by(Parcel.id))] == [1, 2]
        assert db.session.get(Order, order_id).status == Order.SHIPPED
