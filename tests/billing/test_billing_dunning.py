"""The billing timeline with simulated time: trial → renewal invoice → reminders → past due →
suspended → paid in the WeChat Pay sandbox → active, each step idempotent; the invoice
notification applied exactly once; the other store untouched."""
import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from billing.errors import BillingError
from billing.invoices import (
    invoices_of,
    issue_reactivation_invoice,
    mark_invoice_paid,
    pay_invoice_natively,
    refund_invoice,
)
from billing.jobs import run_billing
from billing.models import OutboxEmail
from billing.subscriptions import apply_credit, cancel_subscription, credit_balance, subscription_of
from core.audit import AuditLog
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from tenants.models import Tenant
from tests.factories import create_store

EN = {"Accept-Language": "en"}
NOTIFY = "/billing/wechatpay/notify"


@pytest.fixture
def stores(app_ctx):
    """demo and tea; tea signed up a month later, so its trial is far from over meanwhile."""
    demo, tea = create_store("demo"), create_store("tea")
    with tenant_context(tea.id):
        subscription = subscription_of()
        subscription.trial_ends_at = subscription.current_period_end = subscription.trial_ends_at + timedelta(days=30)
        db.session.commit()
    return demo, tea


def emails(store):
    with tenant_context(store.id):
        return [row.subject for row in db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id))]


def state(store):
    db.session.expire_all()  # another request (the notification) changed the rows
    subscription = subscription_of(store.id)
    with tenant_context(store.id):
        return subscription.status, db.session.get(Tenant, store.id).status


def the_invoice(store):
    (invoice,) = invoices_of(store.id)
    return invoice


def pay_in_sandbox(wechat, platform_client, store):
    """Show the Native QR, pay it in the sandbox, deliver WeChat's notification."""
    with tenant_context(store.id):
        invoice = the_invoice(store)
        assert pay_invoice_natively(invoice).startswith("weixin://")
        db.session.commit()
        trade, _status = wechat.pay_transaction(invoice.out_trade_no, send=False)
    headers, body = wechat.payment_notification(trade)
    return trade, headers, body, platform_client.post(NOTIFY, data=body, headers=headers)


def test_trial_to_suspension_to_reactivation_by_paying_in_the_sandbox(stores, wechat, platform_client, store_client):
    demo, tea = stores
    trial_end = subscription_of(demo.id).current_period_end
    assert subscription_of(demo.id).status == "trialing" and trial_end > utcnow() + timedelta(days=13)

    run_billing(trial_end - timedelta(days=8))
    assert invoices_of(demo.id) == [] and emails(demo) == []

    for _twice in range(2):  # the job runs twice: one invoice, one email
        run_billing(trial_end - timedelta(days=7))
    invoice = the_invoice(demo)
    assert (invoice.kind, invoice.status, invoice.plan, invoice.total) == ("renewal", "open", "pro", 49900)
    assert (invoice.period_start, invoice.due_at) == (trial_end, trial_end)
    next_period_end = invoice.period_end
    assert len(emails(demo)) == 1

    run_billing(trial_end - timedelta(days=3))
    run_billing(trial_end - timedelta(days=2))  # between reminders: nothing new
    run_billing(trial_end - timedelta(hours=20))
    assert len(emails(demo)) == 3
    assert state(demo) == ("trialing", Tenant.ACTIVE)

    run_billing(trial_end + timedelta(minutes=1))
    assert state(demo) == ("past_due", Tenant.ACTIVE)
    subscription = subscription_of(demo.id)
    assert subscription.grace_ends_at == trial_end + timedelta(days=7)
    assert store_client("demo").get("/", headers=EN).status_code == 200  # open during the grace period

    for day in (1, 2, 3, 5, 5):
        run_billing(trial_end + timedelta(days=day, minutes=1))
    assert len(emails(demo)) == 4 + 3  # past due, then dunning on days 1, 3 and 5
    assert state(demo) == ("past_due", Tenant.ACTIVE)

    run_billing(trial_end + timedelta(days=7, minutes=1))
    run_billing(trial_end + timedelta(days=7, minutes=2))
    assert state(demo) == ("suspended", Tenant.SUSPENDED)
    assert subscription_of(demo.id).suspended_reason == "unpaid"
    closed = store_client("demo").get("/", headers=EN)
    assert closed.status_code == 403 and "Store closed" in closed.get_data(as_text=True)
    assert "closed" in emails(demo)[-1]

    trade, headers, body, response = pay_in_sandbox(wechat, platform_client, demo)
    assert response.status_code == 204
    assert state(demo) == ("active", Tenant.ACTIVE)
    paid = subscription_of(demo.id)
    assert (paid.current_period_start, paid.current_period_end) == (trial_end, next_period_end)
    with tenant_context(demo.id):
        invoice = the_invoice(demo)
        assert (invoice.status, invoice.transaction_id) == ("paid", trade.transaction_id)
    assert store_client("demo").get("/", headers=EN).status_code == 200

    # The same notification again (a retry, or a second WeChat server): acknowledged, nothing changes.
    receipts = len(emails(demo))
    assert platform_client.post(NOTIFY, data=body, headers=headers).status_code == 204
    with tenant_context(demo.id):
        assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "invoice.paid")) == 1
    assert len(emails(demo)) == receipts

    run_billing(trial_end + timedelta(days=8))  # nothing due until the next renewal
    assert state(demo) == ("active", Tenant.ACTIVE) and len(invoices_of(demo.id)) == 1

    # The other store went through none of it.
    assert state(tea) == ("trialing", Tenant.ACTIVE)
    assert invoices_of(tea.id) == [] and emails(tea) == []


def test_a_renewal_paid_early_starts_the_next_period_at_the_period_end(stores, wechat, platform_client):
    demo, _tea = stores
    trial_end = subscription_of(demo.id).current_period_end
    run_billing(trial_end - timedelta(days=7))
    _trade, _headers, _body, response = pay_in_sandbox(wechat, platform_client, demo)
    assert response.status_code == 204
    assert subscription_of(demo.id).status == "active"
    assert subscription_of(demo.id).current_period_end == trial_end  # the trial runs out first
    run_billing(trial_end + timedelta(minutes=1))
    subscription = subscription_of(demo.id)
    assert (subscription.status, subscription.current_period_start) == ("active", trial_end)
    assert subscription.current_period_end > trial_end + timedelta(days=27)


@pytest.mark.parametrize("tamper", ["signature", "amount", "unknown"])
def test_a_forged_or_mismatched_invoice_notification_is_refused(stores, wechat, platform_client, tamper):
    demo, _tea = stores
    run_billing(subscription_of(demo.id).current_period_end - timedelta(days=7))
    with tenant_context(demo.id):
        invoice = the_invoice(demo)
        pay_invoice_natively(invoice)
        db.session.commit()
        trade, _status = wechat.pay_transaction(invoice.out_trade_no, send=False)
    if tamper == "amount":
        trade = dataclasses.replace(trade, total=trade.total - 1)
    headers, body = wechat.payment_notification(trade)
    if tamper == "signature":
        signature = headers["Wechatpay-Signature"]  # one character changed: "A" itself 1 time in 64
        headers = {**headers, "Wechatpay-Signature": ("B" if signature[0] == "A" else "A") + signature[1:]}
    elif tamper == "unknown":
        with tenant_context(demo.id):
            the_invoice(demo).out_trade_no = "B0000000000000000000000"
            db.session.commit()
    assert platform_client.post(NOTIFY, data=body, headers=headers).status_code == 401
    with tenant_context(demo.id):
        assert the_invoice(demo).status == "open"


def test_credit_is_taken_off_the_next_invoice_and_a_fully_covered_one_is_paid(stores):
    demo, tea = stores
    apply_credit(demo.id, 60000, actor=None, note="apology for downtime")
    db.session.commit()
    run_billing(subscription_of(demo.id).current_period_end - timedelta(days=7))
    with tenant_context(demo.id):
        invoice = the_invoice(demo)
        assert (invoice.subtotal, invoice.credit_applied, invoice.total, invoice.status) == (49900, 49900, 0, "paid")
    assert subscription_of(demo.id).status == "active"
    assert credit_balance(demo.id) == 10100
    assert credit_balance(tea.id) == 0


def test_a_cancelled_store_comes_back_only_by_paying_a_new_invoice(stores):
    demo, _tea = stores
    now = utcnow()
    run_billing(subscription_of(demo.id).current_period_end - timedelta(days=7))
    with tenant_context(demo.id):
        assert cancel_subscription(subscription_of(), actor=None, reason="merchant left", now=now)
        db.session.commit()
        (old,) = invoices_of(demo.id)
        assert old.status == "void"  # the open renewal can no longer be paid
        assert not mark_invoice_paid(old, "4200000000000000000000000001", paid_at=now)
    assert state(demo) == ("cancelled", Tenant.SUSPENDED)

    with tenant_context(demo.id):
        invoice = issue_reactivation_invoice(subscription_of(), plan_code="basic", interval="year", actor=None,
                                             now=now)
        assert invoice.total == 199000
        assert mark_invoice_paid(invoice, "4200000000000000000000000002", paid_at=now + timedelta(hours=1))
        db.session.commit()
    assert state(demo) == ("active", Tenant.ACTIVE)
    subscription = subscription_of(demo.id)
    assert (subscription.plan, subscription.interval, subscription.current_period_start) == ("basic", "year", now)


def test_flask_sweep_bills_every_store(stores, app, jobs):
    demo, tea = stores
    with tenant_context(demo.id):
        subscription = subscription_of()
        subscription.trial_ends_at = subscription.current_period_end = utcnow() + timedelta(days=3)
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["sweep"])
    assert result.exit_code == 0 and "billing run for 2 stores" in result.output
    jobs.drain()
    db.session.expire_all()
    assert [invoice.kind for invoice in invoices_of(demo.id)] == ["renewal"]
    assert invoices_of(tea.id) == []  # tea's trial ends in a month: nothing due yet


def test_a_paid_invoice_is_refunded_once_through_the_gateway(stores, wechat, platform_client):
    demo, _tea = stores
    run_billing(subscription_of(demo.id).current_period_end - timedelta(days=7))
    _trade, _headers, _body, response = pay_in_sandbox(wechat, platform_client, demo)
    assert response.status_code == 204
    with tenant_context(demo.id):
        invoice = the_invoice(demo)
        with pytest.raises(BillingError):
            refund_invoice(invoice, actor=None, reason="  ")
        refund_invoice(invoice, actor=None, reason="charged twice by mistake")
        db.session.commit()
        assert (the_invoice(demo).status, the_invoice(demo).note) == ("refunded", "charged twice by mistake")
        with pytest.raises(BillingError):
            refund_invoice(the_invoice(demo), actor=None, reason="again")
        out_trade_no = invoice.out_trade_no
    refunds = [r.refund for r in wechat.ledger.pending()[1] if r.transaction.out_trade_no == out_trade_no]
    assert refunds == [49900]  # WeChat Pay was asked once, for the whole invoice
