"""Placing orders: stock reserved with no oversell, prices re-checked, the state machine's
conditional transitions, the unpaid timeout, and a second store that never sees any of it."""
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from commerce.catalog.models import SKU, Product
from commerce.members.models import Address
from commerce.orders import states
from commerce.orders.errors import CheckoutProblem, OrderStateError, SoldOut
from commerce.orders.jobs import cancel_unpaid_order
from commerce.orders.models import Order, OrderLine
from commerce.orders.service import Wanted, cancel_by_shopper, find_member_order, place_order
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from tests.factories import create_member, create_product, create_store, sku_of


@pytest.fixture
def shop(app_ctx):
    demo, tea = create_store("demo"), create_store("tea")
    product = create_product(demo, "龙井", price=5000, stock=5)
    return demo, tea, product, sku_of(demo, product), create_member(demo)


def order_for(store, member, sku_id, quantity=1, seen_price=None, note=None):
    member_id, address_id = member
    with tenant_context(store.id):
        order = place_order(member_id=member_id, wanted=[Wanted(sku_id, quantity, seen_price)],
                            address=db.session.get(Address, address_id), note=note)
        db.session.commit()
        return order


def stock_of(store, sku_id):
    with tenant_context(store.id):
        return db.session.get(SKU, sku_id).stock, db.session.scalar(
            select(Product.stock).join(SKU, SKU.product_id == Product.id).where(SKU.id == sku_id))


def test_placing_an_order_reserves_stock_and_copies_the_lines(shop):
    demo, _tea, _product, sku_id, member = shop
    order = order_for(demo, member, sku_id, quantity=2, seen_price=5000, note="下午送")
    assert (order.status, order.subtotal, order.shipping_fee, order.total) == ("pending_payment", 10000, 0, 10000)
    assert order.ship_region == "浙江省 杭州市 西湖区" and order.shopper_note == "下午送"
    assert len(order.number) == 22 and order.number.isdigit()
    assert stock_of(demo, sku_id) == (3, 3)
    with tenant_context(demo.id):
        line = db.session.scalar(select(OrderLine).where(OrderLine.order_id == order.id))
        assert (line.title, line.price, line.quantity) == ("龙井", 5000, 2)


def test_more_than_in_stock_is_refused_and_nothing_is_written(shop):
    demo, _tea, _product, sku_id, member = shop
    with pytest.raises(SoldOut, match="sold out"):
        order_for(demo, member, sku_id, quantity=6)
    with tenant_context(demo.id):
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Order)) == 0
    assert stock_of(demo, sku_id) == (5, 5)


def test_a_price_change_since_the_cart_is_pointed_out(shop):
    demo, _tea, _product, sku_id, member = shop
    with pytest.raises(CheckoutProblem, match="changed from ¥40.00 to ¥50.00"):
        order_for(demo, member, sku_id, seen_price=4000)


def test_an_address_outside_the_delivery_area_is_refused(shop):
    demo, _tea, _product, sku_id, _member = shop
    hong_kong = create_member(demo, province_code="810000")
    with pytest.raises(CheckoutProblem) as refusal:
        order_for(demo, hong_kong, sku_id)
    assert refusal.value.field == "address"


def test_another_stores_sku_and_address_cannot_be_ordered(shop):
    demo, tea, _product, sku_id, member = shop
    tea_member = create_member(tea)
    with pytest.raises(CheckoutProblem):
        order_for(tea, tea_member, sku_id)  # demo's SKU id, asked for in tea
    with tenant_context(tea.id), pytest.raises(CheckoutProblem):
        place_order(member_id=tea_member[0], wanted=[Wanted(sku_id, 1)],
                    address=db.session.get(Address, member[1]))  # demo's address: invisible in tea


def test_cancelling_returns_the_stock_once(shop):
    demo, _tea, _product, sku_id, member = shop
    order = order_for(demo, member, sku_id, quantity=2)
    with tenant_context(demo.id):
        order = db.session.get(Order, order.id)
        cancel_by_shopper(order, member[0])
        db.session.commit()
        with pytest.raises(OrderStateError):
            cancel_by_shopper(order, member[0])
    assert stock_of(demo, sku_id) == (5, 5)


def test_a_transition_applies_only_from_its_allowed_states(shop):
    demo, _tea, _product, sku_id, member = shop
    order = order_for(demo, member, sku_id)
    with tenant_context(demo.id):
        order = db.session.get(Order, order.id)
        assert not states.transition(order, "complete")  # not shipped
        assert states.transition(order, "pay", transaction_id="T1", paid_amount=order.total)
        assert not states.transition(order, "pay", transaction_id="T2", paid_amount=order.total)
        assert not states.transition(order, "cancel")
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Order, order.id).transaction_id == "T1"


@pytest.mark.parametrize("event, sources", sorted(
    (event, sources) for event, (sources, _target) in states.TRANSITIONS.items()))
def test_every_event_is_refused_from_every_state_it_does_not_start_from(shop, event, sources):
    demo, _tea, _product, sku_id, member = shop
    order = order_for(demo, member, sku_id)
    with tenant_context(demo.id):
        for status in Order.STATUSES:
            db.session.execute(Order.__table__.update().where(Order.__table__.c.id == order.id).values(status=status))
            current = db.session.get(Order, order.id)
            db.session.refresh(current)
            assert states.transition(current, event) is (status in sources), (event, status)
        db.session.rollback()


def test_the_timeout_job_cancels_an_unpaid_order_and_a_second_run_changes_nothing(shop, jobs):
    demo, _tea, _product, sku_id, member = shop
    order = order_for(demo, member, sku_id, quantity=3)
    with tenant_context(demo.id):
        early = cancel_unpaid_order(order.id)
        db.session.execute(Order.__table__.update().where(Order.__table__.c.id == order.id)
                           .values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        db.session.expire_all()
        assert early == "not yet"
        assert cancel_unpaid_order(order.id) == "cancelled"
        assert cancel_unpaid_order(order.id) == "nothing to do"
        assert db.session.get(Order, order.id).cancel_reason == "timeout"
    assert stock_of(demo, sku_id) == (5, 5)


def test_a_member_finds_only_their_own_orders(shop):
    demo, _tea, _product, sku_id, member = shop
    other = create_member(demo, nickname="李四")
    order = order_for(demo, member, sku_id)
    with tenant_context(demo.id):
        assert find_member_order(member[0], order.number).id == order.id
        assert find_member_order(other[0], order.number) is None


@pytest.mark.postgres
def test_two_hundred_buyers_of_the_last_fifty_units_make_exactly_fifty_orders(app):
    with app.app_context():
        store = create_store("rush")
        product = create_product(store, "限量礼盒", price=9900, stock=50)
        sku_id = sku_of(store, product)
        buyers = [create_member(store, nickname=f"买家{i}") for i in range(200)]
    barrier = threading.Barrier(20, timeout=60)

    def buy(buyer):
        with app.app_context(), tenant_context(store.id):
            if buyer[0] % 10 == 0:
                barrier.wait(timeout=30)  # a burst of 20 at the same instant, the rest streaming in
            try:
                place_order(member_id=buyer[0], wanted=[Wanted(sku_id, 1)],
                            address=db.session.get(Address, buyer[1]))
                db.session.commit()
                return "ordered"
            except SoldOut:
                db.session.rollback()
                return "sold out"

    with ThreadPoolExecutor(max_workers=40) as pool:
        outcomes = list(pool.map(buy, buyers))
    assert outcomes.count("ordered") == 50 and outcomes.count("sold out") == 150
    with app.app_context(), tenant_context(store.id):
        assert db.session.scalar(select(func.count()).select_from(Order)) == 50
        assert db.session.get(SKU, sku_id).stock == 0
        assert db.session.get(Product, product).stock == 0


def test_the_sweep_cancels_overdue_orders_and_completes_long_shipped_ones_in_every_store(shop, app, jobs):
    from commerce.orders.jobs import sweep_store

    demo, tea, _product, sku_id, member = shop
    tea_sku = sku_of(tea, create_product(tea, "红茶", price=100, stock=5))
    overdue = order_for(demo, member, sku_id, quantity=2)
    shipped = order_for(demo, member, sku_id)
    tea_order = order_for(tea, create_member(tea), tea_sku)
    with tenant_context(demo.id):
        db.session.execute(Order.__table__.update().where(Order.__table__.c.id == overdue.id)
                           .values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.execute(Order.__table__.update().where(Order.__table__.c.id == shipped.id)
                           .values(status=Order.SHIPPED, shipped_at=utcnow() - timedelta(days=11)))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["sweep"])
    assert result.exit_code == 0 and "swept 2 stores" in result.output
    jobs.drain()
    with tenant_context(demo.id):
        db.session.expire_all()
        assert db.session.get(Order, overdue.id).status == Order.CANCELLED
        assert db.session.get(Order, shipped.id).status == Order.COMPLETED
        again = sweep_store()
        assert again["cancelled"] == again["completed"] == 0 and not any(again.values())  # nothing left
    with tenant_context(tea.id):
        assert db.session.get(Order, tea_order.id).status == Order.PENDING_PAYMENT
    assert stock_of(demo, sku_id) == (4, 4)
