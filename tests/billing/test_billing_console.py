"""/console/billing: plan, usage and invoices; an upgrade previewed with its proration,
confirmed, paid by Native QR in the sandbox; a downgrade scheduled for the period end;
viewers only look; another store's invoice is a 404."""
from datetime import timedelta

import pytest
from sqlalchemy import update

from billing.invoices import invoices_of
from billing.jobs import run_billing
from billing.models import Subscription
from billing.subscriptions import subscription_of
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tests.builder.test_console_orders import page, post
from tests.factories import create_staff, create_store, login_staff

EN = {"Accept-Language": "en"}


@pytest.fixture
def stores(app_ctx):
    return create_store("demo"), create_store("tea")


@pytest.fixture
def console(platform_client, stores):
    login_staff(platform_client, stores[0])
    return platform_client


def make_active(store, *, days_used=10, days_left=20):
    """Active on Pro monthly, ``days_left`` whole days (and an hour) left of a 30-day period."""
    now = utcnow()
    with tenant_context(store.id):
        db.session.execute(update(Subscription).values(
            status="active", plan="pro", interval="month", current_period_start=now - timedelta(days=days_used),
            current_period_end=now + timedelta(days=days_left, hours=1)))
        db.session.commit()


def fresh_subscription(store):
    db.session.expire_all()
    return subscription_of(store.id)


def test_the_billing_page_shows_plan_trial_usage_and_plans(console, stores):
    body = page(console, "/console/billing")
    assert "Pro plan" in body and "Trial" in body and "Free trial until" in body
    for name in ("Basic", "Pro", "Flagship"):
        assert f'data-plan="{name.lower()}"' in body
    assert "¥199.00 a month, or ¥1,990.00 a year" in body
    assert "Products" in body and "0 / 2000" in body and "1 / 10" in body  # no products; the owner's seat
    assert 'href="/console/billing"' in body  # the nav link


def test_an_upgrade_is_previewed_with_its_proration_then_invoiced_and_paid_by_qr(console, stores, wechat,
                                                                                  platform_client):
    demo, tea = stores
    make_active(demo)
    preview = page(console, "/console/billing/change?plan=flagship&interval=month")
    assert "You pay ¥533.33 now for the 20 days left" in preview  # 800.00 × 20 / 30, rounded half up
    assert fresh_subscription(demo).plan == "pro"  # a preview changes nothing

    confirmed = post(console, "/console/billing/change", "/console/billing/change?plan=flagship&interval=month",
                     plan="flagship", interval="month")
    assert confirmed.status_code == 302 and "/console/billing/invoices/" in confirmed.location
    (invoice,) = invoices_of(demo.id)
    assert (invoice.kind, invoice.total, invoice.status, invoice.plan) == ("upgrade", 53333, "open", "flagship")
    number, out_trade_no = invoice.number, invoice.out_trade_no
    assert fresh_subscription(demo).plan == "pro"  # until it is paid

    printable = page(console, f"/console/billing/invoices/{number}")
    assert number in printable and "¥533.33" in printable and "Pay with WeChat Pay" in printable
    shown = post(console, f"/console/billing/invoices/{number}/pay", f"/console/billing/invoices/{number}")
    assert shown.status_code == 200 and "<svg" in shown.get_data(as_text=True)  # the Native QR code

    trade, _status = wechat.pay_transaction(out_trade_no, send=False)
    headers, body = wechat.payment_notification(trade)
    assert platform_client.post("/billing/wechatpay/notify", data=body, headers=headers).status_code == 204
    assert fresh_subscription(demo).plan == "flagship"
    assert fresh_subscription(tea).plan == "pro" and invoices_of(tea.id) == []


def test_a_downgrade_waits_for_the_period_end_and_the_renewal_bills_the_new_plan(console, stores):
    demo, _tea = stores
    make_active(demo)
    preview = page(console, "/console/billing/change?plan=basic&interval=month")
    assert "takes effect on" in preview and "Nothing is refunded" in preview
    done = post(console, "/console/billing/change", "/console/billing/change?plan=basic&interval=month",
                plan="basic", interval="month")
    assert done.status_code == 302
    subscription = fresh_subscription(demo)
    assert (subscription.plan, subscription.pending_plan) == ("pro", "basic")
    run_billing(subscription.current_period_end - timedelta(days=6))
    (renewal,) = invoices_of(demo.id)
    assert (renewal.kind, renewal.plan, renewal.total) == ("renewal", "basic", 19900)
    shown = page(console, "/console/billing")
    assert f"Invoice {renewal.number} issued" in shown and "owner@demo.example.com" in shown  # the outbox


def test_changing_to_the_current_plan_is_refused_with_a_message(console, stores):
    response = post(console, "/console/billing/change", "/console/billing", plan="pro", interval="month")
    assert response.status_code == 409 and "already on this plan" in response.get_data(as_text=True)


def test_a_viewer_sees_billing_but_cannot_change_or_pay(platform_client, stores):
    demo, _tea = stores
    create_staff(demo, "viewer@example.com", StaffUser.VIEWER)
    login_staff(platform_client, demo, email="viewer@example.com")
    assert platform_client.get("/console/billing", headers=EN).status_code == 200
    assert platform_client.get("/console/billing/change?plan=basic&interval=month").status_code == 403
    response = post(platform_client, "/console/billing/change", "/console/billing", plan="basic", interval="month")
    assert response.status_code == 403
    assert fresh_subscription(demo).plan == "pro"


def test_another_stores_invoice_is_not_found(console, stores):
    demo, tea = stores
    run_billing(subscription_of(tea.id).current_period_end - timedelta(days=7))
    (theirs,) = invoices_of(tea.id)
    assert console.get(f"/console/billing/invoices/{theirs.number}", headers=EN).status_code == 404
    assert console.post(f"/console/billing/invoices/{theirs.number}/pay", headers=EN).status_code in (400, 404)
