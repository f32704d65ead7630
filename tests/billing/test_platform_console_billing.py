"""The platform's billing overview (MRR, counts, churn and revenue per month, as charts and
a table) and refunding an invoice paid through the WeChat Pay sandbox."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from billing.invoices import issue_invoice, pay_invoice_natively
from billing.models import Invoice, Subscription
from core.audit import AuditLog
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context, unscoped
from tests.billing.test_platform import ADMIN_EMAIL, EN
from tests.billing.test_platform_console import post_action, set_subscription, sign_in_new_admin, subscription_of
from tests.conftest import csrf_from
from tests.factories import create_store


@pytest.fixture
def admin(app_ctx, platform_client):
    return sign_in_new_admin(platform_client)


@pytest.fixture
def paying_stores(app_ctx):
    """Demo pays Basic monthly (¥199.00), Tea Pro yearly (¥4,990.00 → ¥415.83 a month), both
    since long before this month; Cake is in its trial."""
    long_ago = utcnow() - timedelta(days=70)
    demo, tea, cake = create_store("demo", name="Demo Shop"), create_store("tea"), create_store("cake")
    set_subscription(demo, plan="basic", interval="month", status=Subscription.ACTIVE, created_at=long_ago)
    set_subscription(tea, plan="pro", interval="year", status=Subscription.ACTIVE, created_at=long_ago)
    return demo, tea, cake


def paid_invoice(store, wechat, platform_client, amount):
    """An invoice of ``amount`` fen, paid by WeChat Pay Native in the sandbox."""
    now = utcnow()
    with tenant_context(store.id):
        subscription = db.session.scalar(select(Subscription))
        invoice = issue_invoice(subscription, kind=Invoice.MANUAL, plan_code=subscription.plan,
                                interval=subscription.interval, period_start=now - timedelta(days=1),
                                period_end=now + timedelta(days=29), lines=[("Service", 1, amount)],
                                due_at=now + timedelta(days=7))
        pay_invoice_natively(invoice)
        db.session.commit()
        out_trade_no, invoice_id = invoice.out_trade_no, invoice.id
    trade, _status = wechat.pay_transaction(out_trade_no, send=False)
    headers, body = wechat.payment_notification(trade)
    assert platform_client.post("/billing/wechatpay/notify", data=body, headers=headers).status_code == 204
    return invoice_id


def this_month_row(html):
    return html.split("<tbody>", 1)[1].split("</tr>", 1)[0]


def test_overview_shows_mrr_counts_and_this_months_churn(admin, paying_stores):
    demo, _tea, _cake = paying_stores
    html = admin.get("/platform/billing", headers=EN).get_data(as_text=True)
    assert '<p class="figure" data-metric="mrr">¥614.83</p>' in html  # 199.00 + 4,990.00 / 12
    assert 'data-status="active">2<' in html and 'data-status="trialing">1<' in html
    assert 'data-status="past_due">0<' in html
    assert "0.0%" in this_month_row(html)

    assert post_action(admin, demo, "suspend", reason="Fraud").status_code == 302
    html = admin.get("/platform/billing", headers=EN).get_data(as_text=True)
    assert 'data-metric="mrr">¥415.83<' in html and 'data-status="suspended">1<' in html
    row = this_month_row(html)
    assert "2 active at start" in row and "1 closed" in row and "50.0%" in row


def test_overview_draws_charts_from_npm_chart_js_and_keeps_a_table(admin, paying_stores):
    html = admin.get("/platform/billing", headers=EN).get_data(as_text=True)
    assert '<script src="/platform/vendor/chart.js" defer></script>' in html and "data-chart=" in html
    assert html.count("<tr data-month=") == 12 and " style=" not in html and "<script>" not in html
    library = admin.get("/platform/vendor/chart.js")
    assert library.status_code == 200, "run `make assets` (npm ci) to install Chart.js"
    assert b"Chart" in library.data
    assert admin.get("/platform/static/billing-charts.js").status_code == 200


def test_a_paid_invoice_counts_as_revenue_and_its_refund_takes_it_back(admin, paying_stores, wechat,
                                                                        platform_client):
    demo, tea, _cake = paying_stores
    invoice_id = paid_invoice(demo, wechat, platform_client, 199_00)
    paid_invoice(tea, wechat, platform_client, 4990_00)
    html = admin.get("/platform/billing", headers=EN).get_data(as_text=True)
    assert 'data-revenue="518900"' in this_month_row(html)

    token = csrf_from(admin, f"/platform/tenants/{demo.id}")
    refused = admin.post(f"/platform/tenants/{demo.id}/invoices/{invoice_id}/refund",
                         data={"csrf_token": token, "reason": ""}, headers=EN)
    shown = refused.get_data(as_text=True)
    assert refused.status_code == 422 and shown.count("Give a reason") == 1
    assert 'class="flash flash-error" role="alert">Give a reason' in shown  # above the page, not under "Suspend"
    crafted = admin.post(f"/platform/tenants/{tea.id}/invoices/{invoice_id}/refund",
                         data={"csrf_token": token, "reason": "wrong store"})
    assert crafted.status_code == 404

    done = admin.post(f"/platform/tenants/{demo.id}/invoices/{invoice_id}/refund",
                      data={"csrf_token": token, "reason": "Charged twice"})
    assert done.status_code == 302
    with tenant_context(demo.id):
        assert db.session.get(Invoice, invoice_id).status == Invoice.REFUNDED
    with unscoped():
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "invoice.refunded"))
    assert (entry.actor_label, entry.tenant_id, entry.details["reason"]) == (ADMIN_EMAIL, demo.id, "Charged twice")
    html = admin.get("/platform/billing", headers=EN).get_data(as_text=True)
    assert 'data-revenue="499000"' in this_month_row(html)  # paid 199 + 4,990, refunded 199
    assert subscription_of(demo).status == Subscription.ACTIVE
