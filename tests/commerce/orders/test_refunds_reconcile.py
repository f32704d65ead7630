"""Refunds never diverge from WeChat Pay: the refund is committed with its number before
WeChat is asked, a late or lost answer leaves it ``submitted``, and the reconciler (in the
sweep, and after each refund notification) settles it under the same number — against the
real sandbox, whose answers are delayed or dropped by its fault switches."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from commerce.aftersales.models import AfterSale
from commerce.aftersales.service import request_after_sale
from commerce.catalog.models import SKU
from commerce.marketing.group_buys.jobs import expire_team
from commerce.marketing.group_buys.models import GroupTeam, GroupTeamMember
from commerce.orders.jobs import sweep_store
from commerce.orders.models import Order, Refund
from commerce.orders.refunds import reconcile_refunds, refund_order, send_refund
from commerce.orders.service import cancel_order
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from tests.commerce.marketing.group_buys.test_group_buys import campaign, pay, team_order  # noqa: F401  (the fixture)
from tests.commerce.orders.test_checkout_and_pay import DESKTOP, order_sent_to_wechat, paid_order, the_order
from tests.conftest import csrf_from
from tests.factories import create_member, create_product, login_staff, sku_of

EN = {"Accept-Language": "en"}
PATIENCE = 0.5  # seconds the app waits for WeChat's answer in these tests


@pytest.fixture
def impatient(app, wechat, monkeypatch):
    """The sandbox, with the app giving up on an answer after ``PATIENCE`` seconds."""
    monkeypatch.setitem(app.config, "WECHATPAY_TIMEOUT", PATIENCE)
    yield wechat
    wechat.faults.reset()


def answers_late(wechat):
    wechat.faults.refund_answer_delay = PATIENCE * 3


def later():
    """A moment when every refund made in the test is old enough for the reconciler."""
    return utcnow() + timedelta(minutes=1)


def refunds_of(store):
    with tenant_context(store.id):
        return db.session.scalars(select(Refund).order_by(Refund.id).execution_options(populate_existing=True)).all()


def wechat_refunds(wechat, trade):
    """The sandbox ledger's refunds of ``trade``."""
    return [refund for refund in wechat.ledger._refunds.values() if refund.transaction is trade]


def console_refund(console, number, **form):
    token = csrf_from(console, f"/console/orders/{number}")
    return console.post(f"/console/orders/{number}/refund", data={"csrf_token": token, **form}, headers=EN)


def ask_for_refund(store, order, amount):
    """The shopper asks for ``amount`` fen back (refund only); returns the request's id."""
    with tenant_context(store.id):
        mine = db.session.get(Order, order.id)
        request = request_after_sale(mine, mine.member_id, kind="refund_only", reason="damaged", description=None,
                                     amount=amount, lines={})
        db.session.commit()
        return request.id


def approve(console, request_id):
    token = csrf_from(console, "/console/after-sales")
    return console.post(f"/console/after-sales/{request_id}/approve", data={"csrf_token": token}, headers=EN)


def settles_at_wechat(wechat, trade):
    for refund in wechat_refunds(wechat, trade):
        wechat.complete_refund(refund, send=False)


def test_a_refund_whose_answer_times_out_is_submitted_and_the_reconciler_settles_it_under_its_number(
        shop, store_client, platform_client, impatient):
    demo, _tea, product_id, sku_id = shop
    shopper = store_client("demo")
    order, trade = paid_order(shopper, demo, product_id, sku_id, impatient, platform_client)
    login_staff(platform_client, demo)
    answers_late(impatient)

    made = console_refund(platform_client, order.number, amount="50", reason="缺货")
    assert made.status_code == 302  # no error page: WeChat's silence is not a refusal
    page = platform_client.get(f"/console/orders/{order.number}", headers=EN).get_data(as_text=True)
    assert "Refund submitted to WeChat Pay, awaiting its confirmation." in page
    assert "Submitted to WeChat Pay, awaiting confirmation" in page
    assert "Refund submitted" in shopper.get(f"/orders/{order.number}", headers=DESKTOP).get_data(as_text=True)
    [refund] = refunds_of(demo)
    [at_wechat] = wechat_refunds(impatient, trade)
    assert (refund.status, refund.number) == ("submitted", at_wechat.out_refund_no)
    assert trade.trade_state == "REFUND" and the_order(demo).status == Order.REFUNDING  # no longer shippable

    impatient.faults.reset()
    with tenant_context(demo.id):
        assert reconcile_refunds(now=later()) == 0  # WeChat: accepted, still paying out
    assert refunds_of(demo)[0].status == "processing"
    settles_at_wechat(impatient, trade)
    with tenant_context(demo.id):
        assert reconcile_refunds(now=later()) == 1
        assert reconcile_refunds(now=later()) == 0  # settled once
    order = the_order(demo)
    assert (refunds_of(demo)[0].status, order.status) == ("succeeded", Order.REFUNDED)
    assert order.refunded_amount == trade.refunded == sum(r.refund for r in wechat_refunds(impatient, trade)) == 5000
    assert len(wechat_refunds(impatient, trade)) == 1


def test_a_retry_after_a_timeout_reuses_the_number_and_refunds_once(shop, store_client, platform_client, impatient):
    demo, _tea, product_id, sku_id = shop
    order, trade = paid_order(store_client("demo"), demo, product_id, sku_id, impatient, platform_client, quantity=2)
    answers_late(impatient)
    with tenant_context(demo.id):
        refund = refund_order(db.session.get(Order, order.id), amount=3000, reason=None, actor=None)
        number = refund.number
        assert refund.status == "submitted"
        impatient.faults.reset()
        assert send_refund(refund).status == "processing"  # a retry: WeChat knows this number
    assert [(r.out_refund_no, r.refund) for r in wechat_refunds(impatient, trade)] == [(number, 3000)]
    assert trade.refunded == 3000
    settles_at_wechat(impatient, trade)
    with tenant_context(demo.id):
        reconcile_refunds(now=later())
    order = the_order(demo)
    assert (order.refunded_amount, order.status) == (3000, Order.PAID)  # partly refunded: back to paid


def test_a_refund_wechat_never_received_is_sent_again_with_the_same_number(shop, store_client, platform_client,
                                                                           impatient):
    demo, _tea, product_id, sku_id = shop
    order, trade = paid_order(store_client("demo"), demo, product_id, sku_id, impatient, platform_client)
    impatient.faults.fail_next = {"refund": 1}  # WeChat answers 500 without making the refund
    with tenant_context(demo.id):
        refund = refund_order(db.session.get(Order, order.id), amount=5000, reason=None, actor=None)
        assert refund.status == "submitted" and wechat_refunds(impatient, trade) == []
        number = refund.number
    impatient.faults.fail_next = {"refund_query": 1}
    with tenant_context(demo.id):
        reconcile_refunds(now=later())  # WeChat cannot be asked: nothing changes, no error
    assert refunds_of(demo)[0].status == "submitted"
    with tenant_context(demo.id):
        reconcile_refunds(now=later())  # WeChat never heard of it: sent again
    assert [r.out_refund_no for r in wechat_refunds(impatient, trade)] == [number]
    settles_at_wechat(impatient, trade)
    with tenant_context(demo.id):
        reconcile_refunds(now=later())
    assert the_order(demo).refunded_amount == trade.refunded == 5000


def test_a_refusal_without_a_field_shows_on_the_console_page_and_gives_back_amount_and_stock(
        shop, store_client, platform_client, wechat):
    demo, _tea, product_id, sku_id = shop
    order, trade = paid_order(store_client("demo"), demo, product_id, sku_id, wechat, platform_client)
    with tenant_context(demo.id):
        line_id = db.session.get(Order, order.id).lines[0].id
    trade.refunded = trade.total  # refunded in WeChat's own merchant platform: WeChat will refuse ours
    login_staff(platform_client, demo)
    refused = console_refund(platform_client, order.number, amount="50", reason="", **{f"restock_{line_id}": "1"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "申请退款金额超过订单可退金额" in html and "¥50.00 can still be refunded." in html
    assert "Failed (WeChat Pay refused" in html
    [refund] = refunds_of(demo)
    assert refund.status == "failed" and "INVALID_REQUEST" in refund.failure
    with tenant_context(demo.id):
        assert db.session.get(SKU, sku_id, populate_existing=True).stock == 4  # the unit went back off sale
    assert (the_order(demo).status, the_order(demo).refunded_amount) == (Order.PAID, 0)


def test_a_group_buy_refund_that_times_out_ends_refunded_and_a_second_expiry_changes_nothing(
        shop, campaign, platform_client, impatient):  # noqa: F811
    demo, _tea, _product, _sku = shop
    opened, team_id = team_order(demo, create_member(demo), campaign)
    trade = pay(demo, opened, impatient, platform_client)
    answers_late(impatient)
    with tenant_context(demo.id):
        db.session.execute(update(GroupTeam).where(GroupTeam.id == team_id)
                           .values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert expire_team(team_id) == 1  # no error: the refund is submitted
        impatient.faults.reset()
        assert expire_team(team_id) == 0
    assert [r.status for r in refunds_of(demo)] == ["submitted"] and len(wechat_refunds(impatient, trade)) == 1
    settles_at_wechat(impatient, trade)
    with tenant_context(demo.id):
        assert reconcile_refunds(now=later()) == 1
        assert expire_team(team_id) == 0
        place = db.session.scalar(select(GroupTeamMember.status).where(GroupTeamMember.order_id == opened.id))
    order = the_order(demo)
    assert (order.status, order.refunded_amount, place) == (Order.REFUNDED, trade.refunded, "refunded")
    assert trade.refunded == 3000 and len(refunds_of(demo)) == 1


def test_the_sweep_settles_its_own_stores_refunds_and_leaves_another_stores_alone(shop, store_client,
                                                                                   platform_client, impatient):
    demo, tea, product_id, sku_id = shop
    tea_product = create_product(tea, "红茶", price=3000, stock=5)
    demo_order, demo_trade = paid_order(store_client("demo"), demo, product_id, sku_id, impatient, platform_client)
    tea_order, tea_trade = paid_order(store_client("tea"), tea, tea_product, sku_of(tea, tea_product), impatient,
                                      platform_client)
    answers_late(impatient)
    for store, order in ((demo, demo_order), (tea, tea_order)):
        with tenant_context(store.id):
            order = db.session.get(Order, order.id)
            refund_order(order, amount=order.paid_amount, reason=None, actor=None)
            db.session.execute(update(Refund).values(created_at=utcnow() - timedelta(minutes=5)))
            db.session.commit()
    settles_at_wechat(impatient, demo_trade)
    settles_at_wechat(impatient, tea_trade)
    with tenant_context(demo.id):
        sweep_store()
    assert [r.status for r in refunds_of(demo)] == ["succeeded"]
    assert [r.status for r in refunds_of(tea)] == ["submitted"]
    assert the_order(tea).refunded_amount == 0
    with tenant_context(tea.id):
        sweep_store()
    assert the_order(tea).refunded_amount == tea_trade.refunded == 3000
    assert the_order(demo).refunded_amount == demo_trade.refunded == 5000


def test_a_refund_notification_also_settles_the_orders_unanswered_refunds(shop, store_client, platform_client,
                                                                          impatient):
    demo, _tea, product_id, sku_id = shop
    order, trade = paid_order(store_client("demo"), demo, product_id, sku_id, impatient, platform_client, quantity=2)
    answers_late(impatient)
    with tenant_context(demo.id):
        lost = refund_order(db.session.get(Order, order.id), amount=3000, reason=None, actor=None)
        impatient.faults.reset()
        answered = refund_order(db.session.get(Order, order.id), amount=2000, reason=None, actor=None)
        assert (lost.status, answered.status) == ("submitted", "processing")
        number = answered.number
    settles_at_wechat(impatient, trade)
    [notified] = [r for r in wechat_refunds(impatient, trade) if r.out_refund_no == number]
    headers, body = impatient.refund_notification(notified)
    assert platform_client.post(f"/payments/wechatpay/notify/{demo.id}", data=body, headers=headers).status_code == 204
    assert [r.status for r in refunds_of(demo)] == ["succeeded", "succeeded"]
    assert the_order(demo).refunded_amount == trade.refunded == 5000
    with tenant_context(demo.id):
        assert db.session.scalar(select(func.count()).select_from(Refund)) == 2


def test_an_approval_wechat_refuses_puts_the_request_back_before_the_merchant(shop, store_client, platform_client,
                                                                             wechat):
    demo, _tea, product_id, sku_id = shop
    order, trade = paid_order(store_client("demo"), demo, product_id, sku_id, wechat, platform_client)
    request_id = ask_for_refund(demo, order, 2000)
    trade.refunded = trade.total  # WeChat will refuse: "exceeds the refundable amount"
    login_staff(platform_client, demo)
    approve(platform_client, request_id)
    listing = platform_client.get("/console/after-sales", headers=EN).get_data(as_text=True)
    assert "申请退款金额超过订单可退金额" in listing  # the reason, flashed
    with tenant_context(demo.id):
        request = db.session.get(AfterSale, request_id, populate_existing=True)
        assert (request.status, request.refund_id) == ("requested", None)  # waiting to be approved again
    assert [r.status for r in refunds_of(demo)] == ["failed"]
    assert (the_order(demo).status, the_order(demo).refund_reserved) == (Order.PAID, 0)


def test_a_late_payment_refund_whose_answer_times_out_is_settled_by_the_sweep(shop, store_client, platform_client,
                                                                              impatient, jobs):
    demo, _tea, product_id, sku_id = shop
    order = order_sent_to_wechat(store_client("demo"), demo, product_id, sku_id)
    trade, _status = impatient.pay_transaction(order.number, send=False)
    with tenant_context(demo.id):  # the shopper cancelled a second before WeChat's notification arrived
        cancel_order(db.session.get(Order, order.id), reason="shopper")
        db.session.commit()
    answers_late(impatient)
    headers, body = impatient.payment_notification(trade)
    assert platform_client.post(f"/payments/wechatpay/notify/{demo.id}", data=body, headers=headers).status_code == 204
    jobs.drain()
    impatient.faults.reset()
    assert [r.status for r in refunds_of(demo)] == ["submitted"] and trade.refunded == trade.total
    settles_at_wechat(impatient, trade)
    with tenant_context(demo.id):
        db.session.execute(update(Refund).values(created_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
        sweep_store()
    late = the_order(demo)
    assert (late.status, late.refunded_amount) == (Order.CANCELLED, trade.refunded)
    assert len(wechat_refunds(impatient, trade)) == 1


def test_an_approved_request_whose_refund_wechat_closes_goes_back_before_the_merchant(
        shop, store_client, platform_client, wechat, jobs):
    """WeChat accepts the refund, then closes it without paying out (REFUND.CLOSED): the money
    never left, so the request waits for the merchant again instead of saying approved."""
    demo, _tea, product_id, sku_id = shop
    order, trade = paid_order(store_client("demo"), demo, product_id, sku_id, wechat, platform_client)
    request_id = ask_for_refund(demo, order, 2000)
    login_staff(platform_client, demo)
    approve(platform_client, request_id)
    with tenant_context(demo.id):
        assert db.session.get(AfterSale, request_id, populate_existing=True).status == "approved"
    [made] = wechat_refunds(wechat, trade)
    wechat.complete_refund(made, send=False, outcome="CLOSED")
    headers, body = wechat.refund_notification(made)  # REFUND.CLOSED, delivered to the store
    assert platform_client.post(f"/payments/wechatpay/notify/{demo.id}", data=body, headers=headers).status_code == 204
    jobs.drain()
    with tenant_context(demo.id):
        request = db.session.get(AfterSale, request_id, populate_existing=True)
        assert (request.status, request.refund_id) == ("requested", None)
    assert [r.status for r in refunds_of(demo)] == ["failed"]
    assert (the_order(demo).refunded_amount, the_order(demo).refund_reserved) == (0, 0)
    listing = platform_client.get("/console/after-sales", headers=EN).get_data(as_text=True)
    assert "damaged" in listing.lower() or "Arrived damaged" in listing  # back in the merchant's queue


def test_a_refund_wechat_could_not_pay_out_stays_open_and_tells_the_merchant_to_handle_it_at_wechat(
        shop, store_client, platform_client, wechat, jobs):
    """ABNORMAL (the shopper's card was closed) is not a failure: the money is still WeChat's to
    pay once the merchant handles it there, so the amount stays claimed and the request approved."""
    demo, _tea, product_id, sku_id = shop
    order, trade = paid_order(store_client("demo"), demo, product_id, sku_id, wechat, platform_client)
    login_staff(platform_client, demo)
    assert console_refund(platform_client, order.number, amount="20", reason="缺货").status_code == 302
    [made] = wechat_refunds(wechat, trade)
    wechat.complete_refund(made, send=False, outcome="ABNORMAL")
    headers, body = wechat.refund_notification(made)
    assert platform_client.post(f"/payments/wechatpay/notify/{demo.id}", data=body, headers=headers).status_code == 204
    jobs.drain()
    [refund] = refunds_of(demo)
    assert (refund.status, refund.failure) == ("processing", "退款异常：请在微信支付商户平台处理")
    assert the_order(demo).refund_reserved == 2000 and the_order(demo).refunded_amount == 0
    page = platform_client.get(f"/console/orders/{order.number}", headers=EN).get_data(as_text=True)
    assert "退款异常：请在微信支付商户平台处理" in page
    with tenant_context(demo.id):  # the sweep asks WeChat again: still abnormal, still open
        reconcile_refunds(now=later())
    assert [r.status for r in refunds_of(demo)] == ["processing"] and the_order(demo).refund_reserved == 2000
