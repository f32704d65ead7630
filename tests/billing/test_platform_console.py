"""The platform console's store list, store page and its actions: who may reach them, what
the filters find, and that every action is audited with the admin and the store."""
import html
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from billing import queries
from billing.models import Credit, Invoice, Subscription
from billing.platform import create_platform_admin
from core.audit import AuditLog
from core.extensions import db
from core.money import format_money
from core.tenancy import tenant_context, unscoped
from tenants.models import Domain, MiniProgram, Tenant
from tests.billing.test_platform import ADMIN_EMAIL, ADMIN_PASSWORD, EN, login_admin
from tests.conftest import csrf_from
from tests.factories import create_store, login_staff

pytestmark = pytest.mark.usefixtures("app_ctx")


@pytest.fixture
def stores(app_ctx):
    """Demo pays for Basic monthly; Tea is in its Pro trial."""
    create_platform_admin(email=ADMIN_EMAIL, password=ADMIN_PASSWORD)
    db.session.commit()
    demo, tea = create_store("demo", name="Demo Shop"), create_store("tea", name="Tea House")
    set_subscription(demo, plan="basic", status=Subscription.ACTIVE)
    return demo, tea


@pytest.fixture
def admin(stores, platform_client):
    login_admin(platform_client)
    return platform_client


def sign_in_new_admin(client):
    """Make the platform admin and sign ``client`` in as it (for tests that bring their own stores)."""
    create_platform_admin(email=ADMIN_EMAIL, password=ADMIN_PASSWORD)
    db.session.commit()
    login_admin(client)
    return client


def set_subscription(store, **values):
    with tenant_context(store.id):
        subscription = db.session.scalar(select(Subscription))
        for name, value in values.items():
            setattr(subscription, name, value)
        db.session.commit()


def subscription_of(store):
    with tenant_context(store.id):
        return db.session.scalar(select(Subscription))


def audit_count():
    with unscoped():
        return db.session.scalar(select(db.func.count(AuditLog.id)))


def audit_rows(action):
    db.session.expire_all()
    with unscoped():
        return db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)).all()


def page(client, path):
    return client.get(path, headers=EN).get_data(as_text=True)


# ---------------------------------------------------------------- who may come in

PAGES = ["/platform/", "/platform/tenants/{demo}", "/platform/billing", "/platform/queues"]
ACTIONS = ["/platform/tenants/{demo}/plan", "/platform/tenants/{demo}/trial", "/platform/tenants/{demo}/credit",
           "/platform/tenants/{demo}/suspend", "/platform/tenants/{demo}/resume",
           "/platform/tenants/{demo}/invoices/1/refund", "/platform/queues/failed/retry-all",
           "/platform/queues/failed/some-job/retry"]


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_the_platform_sign_in(stores, platform_client, path):
    response = platform_client.get(path.format(demo=stores[0].id))
    assert response.status_code == 302 and "/platform/login" in response.location


@pytest.mark.parametrize("path", PAGES + ["/platform/vendor/chart.js"])
def test_a_merchant_owner_can_never_see_a_platform_page(stores, platform_client, path):
    demo, _tea = stores
    login_staff(platform_client, demo)
    assert platform_client.get(path.format(demo=demo.id)).status_code == 403


@pytest.mark.parametrize("path", ACTIONS)
def test_a_merchant_owner_can_never_act_on_the_platform(stores, platform_client, path):
    demo, _tea = stores
    login_staff(platform_client, demo)
    token = csrf_from(platform_client, "/console/")
    response = platform_client.post(path.format(demo=demo.id), data={
        "csrf_token": token, "plan": "flagship", "interval": "month", "days": "30", "amount": "1000",
        "note": "gift", "reason": "because"})
    assert response.status_code == 403
    assert subscription_of(demo).plan == "basic" and not audit_rows("billing.credit_applied")


# ---------------------------------------------------------------- the store list

def test_filters_find_stores_by_plan_status_and_owner_email(stores, admin):
    listing = page(admin, "/platform/")
    assert "Demo Shop" in listing and "Tea House" in listing
    assert "¥199.00" in listing  # Demo's MRR; Tea's trial brings ¥0.00
    assert all(f'<option value="{code}" >' in listing for code in ("basic", "pro", "flagship", "trialing", "past_due"))
    basic = page(admin, "/platform/?plan=basic")
    assert "Demo Shop" in basic and "Tea House" not in basic
    trials = page(admin, "/platform/?status=trialing")
    assert "Tea House" in trials and "Demo Shop" not in trials
    by_owner = page(admin, "/platform/?q=OWNER@TEA.example.com")
    assert "Tea House" in by_owner and "Demo Shop" not in by_owner
    both = page(admin, "/platform/?plan=pro&status=active")
    assert "No store matches." in both


def test_the_list_pages_through_older_stores_keeping_the_filters(stores, admin, monkeypatch):
    demo, tea = stores
    monkeypatch.setattr(queries, "STORE_PAGE_SIZE", 1)
    first = page(admin, "/platform/?q=example.com")
    assert "Tea House" in first and "Demo Shop" not in first and "2 in all" in first
    next_page = html.unescape(re.search(r'rel="next" href="([^"]+)"', first).group(1))
    link = urlsplit(next_page)
    assert link.path == "/platform/" and parse_qs(link.query)["q"] == ["example.com"]  # the filters stay
    assert parse_qs(link.query)["cursor"]
    second = page(admin, next_page)
    assert "Demo Shop" in second and "Tea House" not in second and "Next page" not in second


# ---------------------------------------------------------------- the store page

def test_store_page_shows_owner_domains_appids_usage_and_subscription(stores, admin):
    demo, tea = stores
    with tenant_context(demo.id):
        db.session.add(Domain(hostname="shop.demo.cn", verification_token="tok"))
        db.session.add(MiniProgram(appid="wxdemo000000000001"))
        db.session.commit()
    html = page(admin, f"/platform/tenants/{demo.id}")
    assert demo.owner_email in html and "shop.demo.cn" in html and "wxdemo000000000001" in html
    assert 'data-plan="basic"' in html and 'data-status="active"' in html
    assert "1 of 2" in html  # staff seats: the owner, of Basic's two
    assert 'data-usage="custom_domain"' in html and "not in the plan" in html  # Basic has no custom domain
    other = page(admin, f"/platform/tenants/{tea.id}")
    assert "shop.demo.cn" not in other and "wxdemo000000000001" not in other and 'data-status="trialing"' in other


def test_an_unknown_store_is_404(stores, admin):
    assert admin.get("/platform/tenants/999999").status_code == 404
    token = csrf_from(admin, f"/platform/tenants/{stores[0].id}")
    assert admin.post("/platform/tenants/999999/suspend", data={"csrf_token": token, "reason": "x"}).status_code == 404


# ---------------------------------------------------------------- actions, each audited

def post_action(client, store, action, **data):
    token = csrf_from(client, f"/platform/tenants/{store.id}")
    return client.post(f"/platform/tenants/{store.id}/{action}", data={"csrf_token": token, **data}, headers=EN)


def assert_audited(action, store, **details):
    rows = audit_rows(action)
    assert rows, f"no {action} audit row"
    entry = rows[-1]
    assert (entry.actor_type, entry.actor_label, entry.tenant_id) == ("platform_admin", ADMIN_EMAIL, store.id)
    for name, value in details.items():
        assert entry.details[name] == value
    return entry


def test_changing_a_trial_stores_plan_is_immediate_and_audited(stores, admin):
    _demo, tea = stores
    response = post_action(admin, tea, "plan", plan="flagship", interval="year")
    assert response.status_code == 302
    subscription = subscription_of(tea)
    assert (subscription.plan, subscription.interval, subscription.status) == ("flagship", "year", "trialing")
    assert_audited("subscription.plan_change", tea, to="flagship")
    assert "Plan change saved." in page(admin, f"/platform/tenants/{tea.id}")


def test_upgrading_a_paying_store_mid_period_issues_an_invoice_on_its_page(stores, admin):
    demo, _tea = stores
    assert "No invoices yet." in page(admin, f"/platform/tenants/{demo.id}")
    assert post_action(admin, demo, "plan", plan="pro", interval="month").status_code == 302
    with tenant_context(demo.id):
        invoice = db.session.scalar(select(Invoice))
    assert (invoice.kind, invoice.status, invoice.plan) == ("upgrade", "open", "pro") and invoice.total > 0
    html = page(admin, f"/platform/tenants/{demo.id}")
    assert f'data-invoice="{invoice.number}"' in html and format_money(invoice.total) in html
    assert_audited("subscription.plan_change", demo, to="pro")


def test_extending_a_trial_moves_its_end_and_is_audited(stores, admin):
    _demo, tea = stores
    before = subscription_of(tea).trial_ends_at
    assert post_action(admin, tea, "trial", days="10").status_code == 302
    assert subscription_of(tea).trial_ends_at - before == timedelta(days=10)
    assert_audited("subscription.extend_trial", tea, reason="+10 days")


def test_credit_is_read_in_yuan_and_audited(stores, admin):
    demo, _tea = stores
    assert post_action(admin, demo, "credit", amount="50.5", note="Sorry for the outage").status_code == 302
    with tenant_context(demo.id):
        credit = db.session.scalar(select(Credit))
    assert (credit.amount, credit.remaining, credit.granted_by) == (5050, 5050, ADMIN_EMAIL)
    assert_audited("billing.credit_applied", demo, amount=5050)
    assert 'data-credit="5050"' in page(admin, f"/platform/tenants/{demo.id}")


def test_suspend_with_a_reason_closes_the_store_and_resume_reopens_it(stores, admin, store_client):
    demo, tea = stores
    assert store_client("demo").get("/").status_code == 200
    assert post_action(admin, demo, "suspend", reason="Chargeback fraud").status_code == 302
    assert store_client("demo").get("/").status_code == 403  # "store closed" (billing.errors.StoreClosed)
    assert store_client("tea").get("/").status_code == 200
    subscription = subscription_of(demo)
    assert (subscription.status, subscription.suspended_reason) == ("suspended", "Chargeback fraud")
    assert db.session.get(Tenant, demo.id).status == Tenant.SUSPENDED
    assert db.session.get(Tenant, tea.id).status == Tenant.ACTIVE
    assert_audited("subscription.suspend", demo, reason="Chargeback fraud")
    assert "Chargeback fraud" in page(admin, f"/platform/tenants/{demo.id}")
    assert "Demo Shop" in page(admin, "/platform/?status=suspended")

    assert post_action(admin, demo, "resume", reason="Bank confirmed").status_code == 302
    db.session.expire_all()
    assert subscription_of(demo).status == "active" and db.session.get(Tenant, demo.id).status == Tenant.ACTIVE
    assert store_client("demo").get("/").status_code == 200
    assert_audited("subscription.resume", demo, reason="Bank confirmed")


@pytest.mark.parametrize(("action", "data", "message"), [
    ("suspend", {"reason": "  "}, "Give a reason"),
    ("resume", {"reason": "not suspended"}, "Only a suspended store can be resumed."),
    ("trial", {"days": "ten"}, "Enter the number of days"),
    ("trial", {"days": "400"}, "Extend a trial by 1 to 365 days."),
    ("credit", {"amount": "-5", "note": "x"}, "Enter the credit in yuan"),
    ("credit", {"amount": "1.234", "note": "x"}, "Enter the credit in yuan"),
    ("credit", {"amount": "100000.01", "note": "x"}, "A credit can be at most ¥100,000.00."),
    ("credit", {"amount": "20", "note": " "}, "Say why the credit is given."),
    ("plan", {"plan": "gold", "interval": "month"}, "There is no plan gold."),
    ("plan", {"plan": "pro", "interval": "weekly"}, "Choose monthly or yearly billing."),
])
def test_bad_input_is_refused_with_a_message_and_writes_nothing(stores, admin, action, data, message):
    demo, _tea = stores
    before = audit_count()
    response = post_action(admin, demo, action, **data)
    assert 400 <= response.status_code < 500 and message in response.get_data(as_text=True)
    db.session.expire_all()
    assert audit_count() == before
    subscription = subscription_of(demo)
    assert (subscription.plan, subscription.status) == ("basic", "active")
    with tenant_context(demo.id):
        assert db.session.scalar(select(Credit)) is None


def test_an_action_names_only_its_own_store(stores, admin):
    demo, tea = stores
    post_action(admin, tea, "credit", amount="10", note="welcome")
    rows = audit_rows("billing.credit_applied")
    assert [row.tenant_id for row in rows] == [tea.id]
    with tenant_context(demo.id):
        assert db.session.scalar(select(Credit)) is None


def test_the_audit_trail_pages_and_shows_only_its_store(stores, admin, monkeypatch):
    demo, tea = stores
    monkeypatch.setattr(queries, "AUDIT_PAGE_SIZE", 1)
    post_action(admin, demo, "credit", amount="10", note="first gesture")
    post_action(admin, demo, "credit", amount="20", note="second gesture")
    post_action(admin, tea, "credit", amount="30", note="tea gesture")
    first = page(admin, f"/platform/tenants/{demo.id}")
    assert "in all" in first
    pages, link = [first], re.search(r'rel="next" href="([^"]+)"', first)
    while link:
        pages.append(page(admin, html.unescape(link.group(1))))
        link = re.search(r'rel="next" href="([^"]+)"', pages[-1])
    trail = [re.search(r"<h2>Audit trail</h2>.*", body, re.S).group(0) for body in pages]
    assert sum("billing.credit_applied" in body for body in trail) == 2 and len(pages) >= 2
    assert not any("tea gesture" in body for body in trail)
