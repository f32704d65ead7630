"""Refund races decided in code, proven with real threads on PostgreSQL against the real
sandbox: twenty clicks on "refund" give one refund and nineteen clear refusals (never a 500
from the CHECK constraint), for WeChat and balance payments alike; twenty after-sales
requests leave one open; twenty approvals make one refund."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from commerce.aftersales.models import AfterSale
from commerce.aftersales.service import InvalidAfterSale, approve_after_sale, request_after_sale
from commerce.members.models import Address, BalanceEntry, Member
from commerce.orders.models import Order, Refund
from commerce.orders.payments import pay_with_balance
from commerce.orders.service import Wanted, place_order
from core.extensions import db
from core.tenancy import tenant_context
from tests.commerce.members.test_top_ups import balance_of
from tests.commerce.orders.test_balance_payments import give_balance
from tests.commerce.orders.test_checkout_and_pay import paid_order, the_order
from tests.conftest import PLATFORM_HOST, csrf_from
from tests.factories import create_member, login_staff

pytestmark = pytest.mark.postgres

RACERS = 20
EN = {"Accept-Language": "en"}
REFUSED = ("Everything paid for this order has already been refunded.", "can still be refunded.",
           "Only a paid order can be refunded.")


def tabs_of(app, client, count):
    """``count`` clients sharing ``client``'s signed-in session: one merchant, many tabs."""
    session = client.get_cookie("session", domain=PLATFORM_HOST) or client.get_cookie("session")
    tabs = []
    for _ in range(count):
        tab = app.test_client(host=PLATFORM_HOST)
        tab.set_cookie("session", session.value, domain=session.domain or PLATFORM_HOST)
        tabs.append(tab)
    return tabs


def race(count, action, arguments):
    barrier = threading.Barrier(count, timeout=60)

    def run(argument):
        barrier.wait()
        return action(argument)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, arguments))


def refund_clicks(app, console, number, amount):
    token = csrf_from(console, f"/console/orders/{number}")
    return race(RACERS, lambda tab: tab.post(f"/console/orders/{number}/refund", headers=EN, data={
        "csrf_token": token, "amount": amount, "reason": "重复点击"}), tabs_of(app, console, RACERS))


def assert_one_refund_and_clear_refusals(responses):
    assert sorted(response.status_code for response in responses) == [302] + [422] * (RACERS - 1)
    for response in responses:
        if response.status_code == 422:
            assert any(message in response.get_data(as_text=True) for message in REFUSED)


def count(store, model, *where):
    with tenant_context(store.id):
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_twenty_simultaneous_console_refunds_of_a_wechat_order_make_one_refund(app, shop, store_client,
                                                                                platform_client, wechat):
    demo, _tea, product_id, sku_id = shop
    order, trade = paid_order(store_client("demo"), demo, product_id, sku_id, wechat, platform_client)
    login_staff(platform_client, demo)
    assert_one_refund_and_clear_refusals(refund_clicks(app, platform_client, order.number, "50"))
    assert count(demo, Refund) == 1
    assert trade.refunded == 5000 and len([r for r in wechat.ledger._refunds.values() if r.transaction is trade]) == 1
    with tenant_context(demo.id):
        assert db.session.get(Order, order.id, populate_existing=True).refund_reserved == 5000


def test_twenty_simultaneous_console_refunds_of_a_balance_paid_order_credit_the_balance_once(app, shop,
                                                                                            platform_client):
    demo, _tea, _product_id, sku_id = shop
    member_id, address_id = create_member(demo)
    give_balance(demo, member_id, 20000)
    with tenant_context(demo.id):
        order = place_order(member_id=member_id, wanted=[Wanted(sku_id, 2)], address=db.session.get(Address, address_id))
        pay_with_balance(order, db.session.get(Member, member_id))
        db.session.commit()
        number, order_id = order.number, order.id
    assert balance_of(demo, member_id) == 10000
    login_staff(platform_client, demo)
    assert_one_refund_and_clear_refusals(refund_clicks(app, platform_client, number, "100"))
    assert balance_of(demo, member_id) == 20000
    assert count(demo, Refund) == 1 == count(demo, BalanceEntry, BalanceEntry.reason == BalanceEntry.REFUND,
                                             BalanceEntry.order_id == order_id)
    assert (the_order(demo).status, the_order(demo).refunded_amount) == (Order.REFUNDED, 10000)


def test_twenty_simultaneous_after_sales_requests_leave_one_open(app, shop, store_client, platform_client, wechat):
    demo, _tea, product_id, sku_id = shop
    order, _trade = paid_order(store_client("demo"), demo, product_id, sku_id, wechat, platform_client)

    def ask(_):
        with app.app_context(), force_locale("en"), tenant_context(demo.id):
            mine = db.session.get(Order, order.id)
            db.session.commit()
            try:
                request_after_sale(mine, mine.member_id, kind="refund_only", reason="damaged", description=None,
                                   amount=1000, lines={})
                db.session.commit()
                return "asked"
            except InvalidAfterSale as refusal:
                db.session.rollback()
                return str(refusal.message)

    outcomes = race(RACERS, ask, range(RACERS))
    assert outcomes.count("asked") == 1
    assert set(outcomes) == {"asked", "This order already has a request waiting for the store."}
    assert count(demo, AfterSale) == 1


def test_twenty_simultaneous_approvals_of_one_request_make_one_refund(app, shop, store_client, platform_client,
                                                                      wechat):
    demo, _tea, product_id, sku_id = shop
    order, trade = paid_order(store_client("demo"), demo, product_id, sku_id, wechat, platform_client)
    with tenant_context(demo.id):
        mine = db.session.get(Order, order.id)
        request_id = request_after_sale(mine, mine.member_id, kind="refund_only", reason="damaged", description=None,
                                        amount=2000, lines={}).id
        db.session.commit()

    def approve(_):
        with app.app_context(), force_locale("en"), tenant_context(demo.id):
            request = db.session.get(AfterSale, request_id)
            db.session.commit()
            try:
                return approve_after_sale(request, actor=None).status
            except InvalidAfterSale as refusal:
                db.session.rollback()
                return str(refusal.message)

    outcomes = race(RACERS, approve, range(RACERS))
    assert outcomes.count("processing") == 1
    assert set(outcomes) == {"processing", "This request has already been decided."}
    assert count(demo, Refund) == 1 and trade.refunded == 2000
    assert the_order(demo).status == Order.REFUNDING
