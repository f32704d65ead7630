"""Paying an order with stored value: the button only when the balance covers the total,
the same "pay" transition and follow-ups as WeChat Pay, a WeChat prepay closed so the order
cannot be paid twice, refunds (by staff, after-sales, a failed group buy) straight back to
the balance with no WeChat call, and a hundred racing payments from one balance."""
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from commerce.aftersales.service import approve_after_sale, request_after_sale
from commerce.catalog.models import Product
from commerce.marketing.group_buys.jobs import expire_team
from commerce.marketing.group_buys.models import GroupTeam
from commerce.members.ledger import NotEnough, ledger_sum
from commerce.members.models import Address, BalanceEntry, Member
from commerce.members.wallet import refund_to_balance
from commerce.orders.errors import OrderStateError
from commerce.orders.models import Fulfillment, Order, Refund
from commerce.orders.payments import pay_with_balance
from commerce.orders.refunds import refund_order
from commerce.orders.service import Wanted, place_order
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from tests.commerce.marketing.group_buys.test_group_buys import campaign, team_order  # noqa: F401  (the fixture)
from tests.commerce.members.test_top_ups import balance_of, signed_in
from tests.commerce.orders.test_checkout_and_pay import DESKTOP, add_to_cart, check_out, order_sent_to_wechat, the_order
from tests.conftest import csrf_from
from tests.factories import create_member, create_product, create_store, sku_of


def give_balance(store, member_id, fen):
    with tenant_context(store.id):
        refund_to_balance(db.session.get(Member, member_id), fen, order_id=None, ref=f"seed:{member_id}:{fen}")
        db.session.commit()


def ordered(shopper, store, product_id, sku_id, quantity=1):
    add_to_cart(shopper, product_id, sku_id, quantity=quantity)
    check_out(shopper)
    return the_order(store)


def pay_with_balance_button(shopper, number):
    token = csrf_from(shopper, f"/orders/{number}/pay")
    return shopper.post(f"/orders/{number}/pay-with-balance", data={"csrf_token": token}, headers=DESKTOP)


@pytest.fixture
def member(shop):
    """小明 of demo with ¥200 of stored value: his id."""
    demo = shop[0]
    member_id, _ = create_member(demo, nickname="小明")
    give_balance(demo, member_id, 20000)
    return member_id


def test_an_order_paid_with_the_balance_is_paid_once_and_its_refunds_come_back_at_once(shop, member, store_client):
    demo, _tea, product_id, sku_id = shop
    shopper = signed_in(store_client("demo"), member)
    order = ordered(shopper, demo, product_id, sku_id)
    page = shopper.get(f"/orders/{order.number}/pay", headers=DESKTOP).get_data(as_text=True)
    assert "Pay with balance (¥200.00 available)" in page
    token = csrf_from(shopper, f"/orders/{order.number}/pay")
    for _submit in range(2):  # a double submit: paid once
        response = shopper.post(f"/orders/{order.number}/pay-with-balance", data={"csrf_token": token})
        assert response.status_code == 302 and response.location.endswith(f"/orders/{order.number}")
    paid = the_order(demo)
    assert (paid.status, paid.paid_with, paid.paid_amount) == ("paid", "balance", 5000)
    assert balance_of(demo, member) == 15000
    with tenant_context(demo.id):
        assert db.session.get(Product, product_id).sold_count == 1  # the same follow-ups as a WeChat payment
        assert db.session.scalar(select(func.count()).select_from(Fulfillment)) == 1
        spent = db.session.scalars(select(BalanceEntry).where(BalanceEntry.order_id == paid.id)).all()
        assert [(e.reason, e.delta) for e in spent] == [(BalanceEntry.REDEEM, -5000)]
    assert "with your balance" in shopper.get(f"/orders/{order.number}", headers=DESKTOP).get_data(as_text=True)

    # No `wechat` fixture: a refund that asked WeChat would fail. It goes back to the balance, settled at once.
    with tenant_context(demo.id):
        refund_order(db.session.get(Order, paid.id), amount=2000, reason="少发", actor=None)
        db.session.commit()
    assert balance_of(demo, member) == 17000
    assert (the_order(demo).status, the_order(demo).refunded_amount) == ("paid", 2000)
    with tenant_context(demo.id):
        refund_order(db.session.get(Order, paid.id), amount=3000, reason="全退", actor=None)
        db.session.commit()
        assert db.session.scalars(select(Refund.status)).all() == ["succeeded", "succeeded"]
        assert ledger_sum(BalanceEntry, member) == 20000
    assert balance_of(demo, member) == 20000
    assert (the_order(demo).status, the_order(demo).refunded_amount) == ("refunded", 5000)


def test_without_enough_balance_there_is_no_button_and_paying_anyway_changes_nothing(shop, store_client):
    demo, _tea, product_id, sku_id = shop
    member_id, _ = create_member(demo)
    give_balance(demo, member_id, 4999)
    shopper = signed_in(store_client("demo"), member_id)
    order = ordered(shopper, demo, product_id, sku_id)
    assert "Pay with balance" not in shopper.get(f"/orders/{order.number}/pay", headers=DESKTOP).get_data(as_text=True)
    refused = pay_with_balance_button(shopper, order.number)
    assert refused.status_code == 409 and "Not enough balance." in refused.get_data(as_text=True)
    assert the_order(demo).status == "pending_payment" and balance_of(demo, member_id) == 4999


def test_a_wechat_prepay_made_before_is_closed_when_the_balance_pays(shop, member, store_client, wechat):
    demo, _tea, product_id, sku_id = shop
    shopper = signed_in(store_client("demo"), member)
    order = order_sent_to_wechat(shopper, demo, product_id, sku_id)
    def at_wechat():  # the sandbox serves the whole session: other tests' trades are there too
        return [t for t in wechat.ledger.pending()[0] if t.out_trade_no == order.number]

    assert len(at_wechat()) == 1
    assert pay_with_balance_button(shopper, order.number).status_code == 302
    assert the_order(demo).status == "paid" and at_wechat() == []  # closed: it cannot be paid again


def test_an_order_paid_at_wechat_meanwhile_is_not_paid_again_from_the_balance(shop, member, store_client, wechat):
    demo, _tea, product_id, sku_id = shop
    shopper = signed_in(store_client("demo"), member)
    order = order_sent_to_wechat(shopper, demo, product_id, sku_id)
    wechat.pay_transaction(order.number, send=False)  # paid there; the notification is on its way
    refused = pay_with_balance_button(shopper, order.number)
    assert refused.status_code == 409 and "paid with WeChat Pay already" in refused.get_data(as_text=True)
    assert balance_of(demo, member) == 20000 and the_order(demo).status == "pending_payment"


def test_an_after_sales_refund_of_a_balance_paid_order_goes_back_to_the_balance(shop, member, store_client):
    demo, _tea, product_id, sku_id = shop
    shopper = signed_in(store_client("demo"), member)
    order = ordered(shopper, demo, product_id, sku_id, quantity=2)
    pay_with_balance_button(shopper, order.number)
    assert balance_of(demo, member) == 10000
    with tenant_context(demo.id):
        paid = db.session.get(Order, order.id, populate_existing=True)
        asked = request_after_sale(paid, member, kind="return_and_refund", reason="damaged", description="破了",
                                   amount=5000, lines={paid.lines[0].id: 1})
        db.session.commit()
        approve_after_sale(asked, actor=None)
        db.session.commit()
    assert balance_of(demo, member) == 15000
    assert the_order(demo).refunded_amount == 5000


def test_a_failed_group_buy_refunds_balance_payers_to_their_balance(shop, campaign, app):  # noqa: F811
    demo, _tea, _product_id, _sku_id = shop
    member = create_member(demo, nickname="团长")
    give_balance(demo, member[0], 3000)
    opened, team_id = team_order(demo, member, campaign)
    with tenant_context(demo.id):
        pay_with_balance(db.session.get(Order, opened.id), db.session.get(Member, member[0]))
        db.session.commit()
    assert balance_of(demo, member[0]) == 0
    with tenant_context(demo.id):
        db.session.execute(update(GroupTeam).where(GroupTeam.id == team_id)
                           .values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert expire_team(team_id) == 1
        db.session.commit()
    assert balance_of(demo, member[0]) == 3000
    assert the_order(demo).status == Order.REFUNDED


def test_another_stores_shopper_cannot_pay_an_order_with_their_balance(shop, member, store_client):
    demo, tea, product_id, sku_id = shop
    order = ordered(signed_in(store_client("demo"), member), demo, product_id, sku_id)
    stranger_id, _ = create_member(tea)
    give_balance(tea, stranger_id, 20000)
    stranger = signed_in(store_client("tea"), stranger_id)
    token = csrf_from(stranger, "/me")
    assert stranger.post(f"/orders/{order.number}/pay-with-balance", data={"csrf_token": token}).status_code == 404
    with tenant_context(demo.id):  # not even through the service, with a member of the same store
        other_id, _ = create_member(demo, nickname="别人")
        give_balance(demo, other_id, 20000)
        with pytest.raises(OrderStateError):
            pay_with_balance(db.session.get(Order, order.id), db.session.get(Member, other_id))
        db.session.rollback()
    assert the_order(demo).status == "pending_payment" and balance_of(tea, stranger_id) == 20000


ORDERS, ATTEMPTS_PER_ORDER, AFFORDABLE = 50, 2, 10


@pytest.mark.postgres
def test_a_hundred_parallel_payments_from_one_balance_never_overdraw_it_and_pay_each_order_once(app):
    with app.app_context():
        store = create_store("demo")
        sku_id = sku_of(store, create_product(store, "茶包", price=300, stock=ORDERS))
        member_id, address_id = create_member(store)
        with tenant_context(store.id):
            order_ids = []
            for _ in range(ORDERS):
                order_ids.append(place_order(member_id=member_id, wanted=[Wanted(sku_id, 1)],
                                             address=db.session.get(Address, address_id)).id)
            db.session.commit()
            total = db.session.get(Order, order_ids[0]).total
        give_balance(store, member_id, total * AFFORDABLE + total // 2)
    barrier = threading.Barrier(ORDERS * ATTEMPTS_PER_ORDER, timeout=60)

    def pay(order_id):
        with app.app_context(), tenant_context(store.id):
            order, member = db.session.get(Order, order_id), db.session.get(Member, member_id)
            db.session.commit()  # read before the race: the payment must not trust what was read
            barrier.wait()
            try:
                pay_with_balance(order, member)
                db.session.commit()
                return "paid"
            except (NotEnough, OrderStateError):
                db.session.rollback()
                return "refused"

    with ThreadPoolExecutor(max_workers=ORDERS * ATTEMPTS_PER_ORDER) as pool:
        outcomes = list(pool.map(pay, order_ids * ATTEMPTS_PER_ORDER))
    assert outcomes.count("paid") == AFFORDABLE
    with app.app_context(), tenant_context(store.id):
        member = db.session.get(Member, member_id)
        assert member.balance == total // 2 == ledger_sum(BalanceEntry, member_id)
        assert db.session.scalar(select(func.count()).select_from(Order).where(Order.status == "paid")) == AFFORDABLE
        spends = db.session.execute(select(BalanceEntry.order_id, func.count()).where(
            BalanceEntry.reason == BalanceEntry.REDEEM).group_by(BalanceEntry.order_id)).all()
        assert len(spends) == AFFORDABLE and all(count == 1 for _order, count in spends)
        assert db.session.scalar(select(func.min(BalanceEntry.balance_after))) >= 0
