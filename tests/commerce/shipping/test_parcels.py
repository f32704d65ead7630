"""Shipping an order in parcels through the orders state machine, and the polling job
that follows each parcel on 快递100 (the local sandbox) until it is signed for."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from commerce.members.models import Address
from commerce.orders import states
from commerce.orders.errors import OrderStateError
from commerce.orders.models import Order, OrderLine
from commerce.orders.service import Wanted, place_order
from commerce.shipping.errors import InvalidParcel
from commerce.shipping.jobs import POLL_EVERY, poll_all_stores, poll_parcels
from commerce.shipping.models import Parcel
from commerce.shipping.parcels import ship_order, shipped_quantities
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from sandbox.kuaidi100 import Kuaidi100Sandbox, create_sandbox_app
from sandbox.wechatpay.testing import serving
from tests.factories import create_member, create_product, create_store, sku_of


@pytest.fixture
def shop(app_ctx):
    demo, tea = create_store("demo"), create_store("tea")
    tea_cup, pot = create_product(demo, "茶杯", price=1000, stock=20), create_product(demo, "茶壶", price=5000, stock=5)
    return demo, tea, [sku_of(demo, tea_cup), sku_of(demo, pot)], create_member(demo)


@pytest.fixture
def kuaidi100(app_ctx, monkeypatch):
    sandbox = Kuaidi100Sandbox()
    with serving(create_sandbox_app(sandbox)) as base_url:
        for name, value in (("KUAIDI100_URL", f"{base_url}/poll/query.do"), ("KUAIDI100_KEY", sandbox.key),
                            ("KUAIDI100_CUSTOMER", sandbox.customer)):
            monkeypatch.setitem(app_ctx.config, name, value)
        yield sandbox


def paid_order(store, member, sku_ids, quantities=(3, 1)):
    member_id, address_id = member
    with tenant_context(store.id):
        order = place_order(member_id=member_id, address=db.session.get(Address, address_id),
                            wanted=[Wanted(sku_id, quantity, None) for sku_id, quantity in zip(sku_ids, quantities, strict=True)])
        assert states.transition(order, "pay", transaction_id=f"T{order.id}", paid_amount=order.total)
        db.session.commit()
        return order.id


def line_ids(store, order_id):
    with tenant_context(store.id):
        return db.session.scalars(select(OrderLine.id).where(OrderLine.order_id == order_id)
                                  .order_by(OrderLine.id)).all()


def ship(store, order_id, parcels):
    with tenant_context(store.id):
        order = db.session.get(Order, order_id)
        created = ship_order(order, parcels, actor=None)
        db.session.commit()
        return order.status, [parcel.id for parcel in created]


def test_shipping_part_then_the_rest_moves_the_order_to_partly_shipped_then_shipped(shop):
    demo, _tea, skus, member = shop
    order_id = paid_order(demo, member, skus)
    cups, pot = line_ids(demo, order_id)
    status, _ = ship(demo, order_id, [("yuantong", "YT1000000001", [(cups, 2)])])
    assert status == Order.PARTIALLY_SHIPPED
    status, _ = ship(demo, order_id, [("yuantong", "YT1000000002", [(cups, 1)]),
                                      ("shunfeng", "SF1000000003", [(pot, 1)])])
    assert status == Order.SHIPPED
    with tenant_context(demo.id):
        order = db.session.get(Order, order_id)
        assert order.shipped_at is not None
        assert shipped_quantities(order) == {cups: 3, pot: 1}


def test_one_parcel_with_everything_ships_the_whole_order(shop):
    demo, _tea, skus, member = shop
    order_id = paid_order(demo, member, skus)
    cups, pot = line_ids(demo, order_id)
    status, parcel_ids = ship(demo, order_id, [("zhongtong", "ZT2000000001", [(cups, 3), (pot, 1)])])
    assert status == Order.SHIPPED and len(parcel_ids) == 1


@pytest.mark.parametrize("parcels, field", [
    ([], "parcels"),
    ([("nosuchcarrier", "YT1000000001", [("cups", 1)])], "parcel_0_carrier"),
    ([("yuantong", "12", [("cups", 1)])], "parcel_0_number"),
    ([("yuantong", "YT1000000001", [("cups", 4)])], "parcel_0_lines"),
    ([("yuantong", "YT1000000001", [("cups", 0)])], "parcel_0_lines"),
    ([("yuantong", "YT1000000001", [])], "parcel_0_lines"),
    ([("yuantong", "YT1000000001", [(999999, 1)])], "parcel_0_lines"),
    ([("yuantong", "YT1000000001", [("cups", 2)]), ("yuantong", "YT1000000001", [("cups", 1)])], "parcel_1_number"),
    ([("yuantong", "YT1000000001", [("cups", 2)]), ("shunfeng", "SF1000000001", [("cups", 2)])], "parcel_1_lines"),
])
def test_bad_parcels_are_refused_and_the_order_stays_paid(shop, parcels, field):
    demo, _tea, skus, member = shop
    order_id = paid_order(demo, member, skus)
    cups, _pot = line_ids(demo, order_id)
    parcels = [(carrier, number, [(cups if line == "cups" else line, n) for line, n in lines])
               for carrier, number, lines in parcels]
    with tenant_context(demo.id), pytest.raises(InvalidParcel) as refusal:
        ship_order(db.session.get(Order, order_id), parcels, actor=None)
    assert refusal.value.field == field
    db.session.rollback()
    with tenant_context(demo.id):
        assert db.session.get(Order, order_id).status == Order.PAID


def test_an_unpaid_order_cannot_be_shipped(shop):
    demo, _tea, skus, member = shop
    member_id, address_id = member
    with tenant_context(demo.id):
        order = place_order(member_id=member_id, address=db.session.get(Address, address_id),
                            wanted=[Wanted(skus[0], 1, None)])
        line_id = order.lines[0].id
        with pytest.raises(OrderStateError):
            ship_order(order, [("yuantong", "YT1000000001", [(line_id, 1)])], actor=None)


def test_another_stores_order_lines_cannot_be_put_in_a_parcel(shop):
    demo, tea, skus, member = shop
    order_id = paid_order(demo, member, skus)
    tea_product = create_product(tea, "红茶", price=1000, stock=5)
    tea_order = paid_order(tea, create_member(tea), [sku_of(tea, tea_product)], quantities=(1,))
    (tea_line,) = line_ids(tea, tea_order)
    with tenant_context(demo.id), pytest.raises(InvalidParcel):
        ship_order(db.session.get(Order, order_id), [("yuantong", "YT1000000001", [(tea_line, 1)])], actor=None)


def test_polling_follows_parcels_until_signed_for_and_a_second_run_asks_nothing(shop, kuaidi100, jobs):
    demo, _tea, skus, member = shop
    order_id = paid_order(demo, member, skus)
    cups, pot = line_ids(demo, order_id)
    _, (first, second) = ship(demo, order_id, [("yuantong", "YT3000000001", [(cups, 3)]),
                                               ("shunfeng", "SF3000000002", [(pot, 1)])])
    now = utcnow()
    assert poll_parcels(demo.id, now=now) == 2
    assert poll_parcels(demo.id, now=now + timedelta(minutes=5)) == 0  # not due again yet
    with tenant_context(demo.id):
        parcel = db.session.get(Parcel, first)
        assert parcel.is_in_transit() and parcel.tracking_state == "1" and "已揽收" in parcel.events[0]["context"]
    kuaidi100.deliver("yuantong", "YT3000000001")
    assert poll_parcels(demo.id, now=now + POLL_EVERY) == 2
    with tenant_context(demo.id):
        db.session.expire_all()
        delivered, moving = db.session.get(Parcel, first), db.session.get(Parcel, second)
        assert delivered.status == Parcel.DELIVERED and delivered.delivered_at is not None
        assert "已签收" in delivered.events[0]["context"]
        assert moving.is_in_transit() and len(moving.events) == 2
    assert poll_parcels(demo.id, now=now + 2 * POLL_EVERY) == 1  # the delivered one is not asked about again


def test_a_parcel_快递100_knows_nothing_of_is_tried_again_later(shop, kuaidi100):
    demo, _tea, skus, member = shop
    order_id = paid_order(demo, member, skus)
    cups, pot = line_ids(demo, order_id)
    _, (parcel_id,) = ship(demo, order_id, [("yuantong", "NOTFOUND0001", [(cups, 3), (pot, 1)])])
    now = utcnow()
    assert poll_parcels(demo.id, now=now) == 0
    with tenant_context(demo.id):
        parcel = db.session.get(Parcel, parcel_id)
        assert parcel.is_in_transit() and parcel.last_checked_at is not None and parcel.events == []


def test_polling_one_store_never_touches_another_stores_parcels(shop, kuaidi100):
    demo, tea, skus, member = shop
    order_id = paid_order(demo, member, skus)
    cups, pot = line_ids(demo, order_id)
    ship(demo, order_id, [("yuantong", "YT4000000001", [(cups, 3), (pot, 1)])])
    assert poll_parcels(tea.id) == 0
    with tenant_context(tea.id):
        assert db.session.scalars(select(Parcel)).all() == []


def test_the_reconciler_polls_every_store_with_parcels_on_their_way(shop, kuaidi100, jobs):
    demo, tea, skus, member = shop
    order_id = paid_order(demo, member, skus)
    cups, pot = line_ids(demo, order_id)
    _, (parcel_id,) = ship(demo, order_id, [("yuantong", "YT5000000001", [(cups, 3), (pot, 1)])])
    assert poll_all_stores() == [demo.id]
    jobs.drain()
    with tenant_context(demo.id):
        db.session.expire_all()
        assert db.session.get(Parcel, parcel_id).tracking_state == "1"
