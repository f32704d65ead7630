"""Packing lists: paid orders split by warehouse, a member's orders to one address merged,
one parcel for a whole list, and nothing shared between stores."""
import pytest
from sqlalchemy import select, update

from commerce.catalog.models import Product
from commerce.members.models import Address
from commerce.orders.errors import OrderStateError
from commerce.orders.fulfillment import fulfillment_orders, ship_fulfillment
from commerce.orders.models import Order
from commerce.orders.payments import record_payment
from commerce.orders.queries import open_packing_page
from commerce.orders.service import Wanted, place_order
from commerce.shipping.models import Parcel
from core.extensions import db
from core.tenancy import tenant_context
from tests.factories import create_member, create_product, create_store, sku_of


@pytest.fixture
def shop(app_ctx):
    demo, tea = create_store("demo"), create_store("tea")
    tea_cup = create_product(demo, "茶杯", price=3000, stock=20)
    tea_leaf = create_product(demo, "龙井", price=5000, stock=20)
    with tenant_context(demo.id):
        db.session.execute(update(Product).where(Product.id == tea_cup).values(warehouse="景德镇仓"))
        db.session.execute(update(Product).where(Product.id == tea_leaf).values(warehouse="杭州仓"))
        db.session.commit()
    return demo, tea, sku_of(demo, tea_cup), sku_of(demo, tea_leaf)


def paid(store, member, *lines, address_id=None):
    member_id, default_address = member
    with tenant_context(store.id):
        order = place_order(member_id=member_id, wanted=[Wanted(sku, quantity) for sku, quantity in lines],
                            address=db.session.get(Address, address_id or default_address))
        record_payment(order, f"T{order.id}", None, source="test")
        db.session.commit()
        return order.id


def lists(store):
    with tenant_context(store.id):
        return [(f.warehouse, sorted({line.order_id for line in f.lines}), sum(line.quantity for line in f.lines))
                for f in open_packing_page(per_page=100).items]


def test_an_order_from_two_warehouses_is_split_into_two_packing_lists(shop):
    demo, _tea, cup, leaf = shop
    member = create_member(demo)
    order = paid(demo, member, (cup, 2), (leaf, 1))
    assert sorted(lists(demo)) == [("景德镇仓", [order], 2), ("杭州仓", [order], 1)]


def test_a_members_orders_to_the_same_address_are_merged_until_sent(shop):
    demo, _tea, cup, leaf = shop
    member = create_member(demo)
    first = paid(demo, member, (leaf, 1))
    second = paid(demo, member, (leaf, 2))
    other_member = create_member(demo, nickname="李四")
    third = paid(demo, other_member, (leaf, 1))
    assert sorted(lists(demo)) == [("杭州仓", [first, second], 3), ("杭州仓", [third], 1)]


def test_another_address_gets_its_own_packing_list(shop):
    demo, _tea, _cup, leaf = shop
    member = create_member(demo)
    with tenant_context(demo.id):
        office = Address(member_id=member[0], name="张三", phone="13812345678", province_code="310000", city="上海市",
                         detail="南京西路 1 号")
        db.session.add(office)
        db.session.commit()
        office_id = office.id
    home_order = paid(demo, member, (leaf, 1))
    office_order = paid(demo, member, (leaf, 1), address_id=office_id)
    assert sorted(order for _w, orders, _q in lists(demo) for order in orders) == sorted([home_order, office_order])
    assert len(lists(demo)) == 2


def test_shipping_a_merged_list_ships_every_order_in_it_once(shop):
    demo, tea, _cup, leaf = shop
    member = create_member(demo)
    first, second = paid(demo, member, (leaf, 1)), paid(demo, member, (leaf, 2))
    with tenant_context(demo.id):
        packing = open_packing_page(per_page=100).items[0]
        ship_fulfillment(packing, carrier="shunfeng", tracking_number="SF1234567890", actor=None)
        db.session.commit()
        assert [o.status for o in fulfillment_orders(packing)] == [Order.SHIPPED, Order.SHIPPED]
        parcels = db.session.scalars(select(Parcel).order_by(Parcel.order_id)).all()
        assert [(p.order_id, p.tracking_number) for p in parcels] == [(first, "SF1234567890"),
                                                                      (second, "SF1234567890")]
        with pytest.raises(OrderStateError, match="already been sent"):
            ship_fulfillment(packing, carrier="shunfeng", tracking_number="SF1234567890", actor=None)
        db.session.rollback()
    assert lists(demo) == []
    assert lists(tea) == []


def test_the_console_sends_a_packing_list_and_refuses_viewers_and_other_stores(shop, platform_client):
    from tests.conftest import csrf_from
    from tests.factories import create_staff, login_staff

    demo, tea, _cup, leaf = shop
    paid(demo, create_member(demo), (leaf, 1))
    with tenant_context(demo.id):
        packing_id = open_packing_page(per_page=100).items[0].id
    login_staff(platform_client, tea)
    token = csrf_from(platform_client, "/console/packing")
    assert platform_client.post(f"/console/packing/{packing_id}/ship", data={
        "csrf_token": token, "carrier": "shunfeng", "tracking_number": "SF1234567890"}).status_code == 404
    create_staff(demo, "viewer@demo.example.com", "viewer")
    login_staff(platform_client, demo, email="viewer@demo.example.com")
    token = csrf_from(platform_client, "/console/packing")
    assert platform_client.post(f"/console/packing/{packing_id}/ship", data={
        "csrf_token": token, "carrier": "shunfeng", "tracking_number": "SF1234567890"}).status_code == 403
    login_staff(platform_client, demo)
    token = csrf_from(platform_client, "/console/packing")
    page = platform_client.get("/console/packing").get_data(as_text=True)
    assert "杭州仓" in page and "138****5678" in page and "13812345678" not in page
    refused = platform_client.post(f"/console/packing/{packing_id}/ship", data={
        "csrf_token": token, "carrier": "shunfeng", "tracking_number": "?"}, follow_redirects=True,
        headers={"Accept-Language": "en"})
    assert "is not a tracking number" in refused.get_data(as_text=True) and len(lists(demo)) == 1
    platform_client.post(f"/console/packing/{packing_id}/ship", data={
        "csrf_token": token, "carrier": "shunfeng", "tracking_number": "SF1234567890"})
    assert lists(demo) == []


def test_the_shopper_sees_the_parcel_and_its_track_on_the_order_page(shop, store_client):
    from commerce.members.models import Member
    from commerce.shipping.tracking import Tracking, record_tracking

    demo, _tea, _cup, leaf = shop
    member = create_member(demo)
    order_id = paid(demo, member, (leaf, 1))
    with tenant_context(demo.id):
        ship_fulfillment(open_packing_page(per_page=100).items[0], carrier="shunfeng", tracking_number="SF1234567890", actor=None)
        parcel = db.session.scalar(select(Parcel))
        record_tracking(parcel, Tracking(state="0", events=[
            {"time": "2026-11-25 10:00:00", "context": "【杭州】快件已揽收", "location": "杭州"}]))
        db.session.commit()
        number = db.session.get(Order, order_id).number
        assert db.session.get(Member, member[0]) is not None
    shopper = store_client("demo")
    with shopper.session_transaction(base_url="http://demo.duoshop.test") as session:
        session["member_id"] = member[0]
    response = shopper.get(f"/orders/{number}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[-600:]
    assert "顺丰速运 SF1234567890" in page and "【杭州】快件已揽收" in page
