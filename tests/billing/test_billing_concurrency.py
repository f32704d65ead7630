"""Billing under concurrency, with real threads against PostgreSQL: billing jobs running at
once issue one invoice and send each email once; deliveries of one payment notification
racing each other apply it once."""
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from billing.invoices import invoices_of, pay_invoice_natively
from billing.jobs import run_billing
from billing.models import Invoice, OutboxEmail
from billing.subscriptions import subscription_of
from core.audit import AuditLog
from core.extensions import db
from core.tenancy import tenant_context
from tests.conftest import PLATFORM_HOST
from tests.factories import create_store

pytestmark = pytest.mark.postgres
RUNS = 8


def _in_parallel(app, count, work):
    barrier = threading.Barrier(count, timeout=60)

    def run(_n):
        with app.app_context():
            barrier.wait()
            return work()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_billing_jobs_running_at_once_issue_one_invoice_and_one_email(app):
    with app.app_context():
        store = create_store("demo")
        due = subscription_of(store.id).current_period_end - timedelta(days=7)
    _in_parallel(app, RUNS, lambda: run_billing(due))
    with app.app_context(), tenant_context(store.id):
        assert db.session.scalar(select(func.count(Invoice.id))) == 1
        assert db.session.scalar(select(func.count(OutboxEmail.id))) == 1
        assert db.session.scalar(select(Invoice.number)).endswith("-0001")  # no number was burnt


def test_racing_deliveries_of_one_notification_apply_it_once(app, wechat):
    with app.app_context():
        store = create_store("demo")
        run_billing(subscription_of(store.id).current_period_end - timedelta(days=7))
        with tenant_context(store.id):
            (invoice,) = invoices_of(store.id)
            pay_invoice_natively(invoice)
            db.session.commit()
            trade, _status = wechat.pay_transaction(invoice.out_trade_no, send=False)
        headers, body = wechat.payment_notification(trade)

    def deliver():
        return app.test_client(host=PLATFORM_HOST).post("/billing/wechatpay/notify", data=body,
                                                        headers=headers).status_code

    assert _in_parallel(app, RUNS, deliver) == [204] * RUNS
    with app.app_context(), tenant_context(store.id):
        assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "invoice.paid")) == 1
        assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action == "subscription.pay")) == 1
        assert db.session.scalar(select(Invoice.status)) == "paid"
