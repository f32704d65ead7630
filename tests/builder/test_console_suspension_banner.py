"""A suspended store's console says on every page why the store is closed and the one next
step: pay the open invoice (closed for non-payment), or contact support (closed by the
platform, with the reason the admin gave). The billing page claims no invoice that is not
there; an open store, and the other store, see no banner."""
from datetime import timedelta

import pytest

from billing.invoices import invoices_of
from billing.jobs import run_billing
from billing.platform import suspend_store
from billing.states import grace_days
from billing.subscriptions import subscription_of
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tests.factories import create_staff, create_store, login_staff

EN, ZH = {"Accept-Language": "en"}, {"Accept-Language": "zh-CN"}
CONSOLE_PAGES = ["/console/", "/console/billing", "/console/orders", "/console/products", "/console/settings",
                 "/console/pages"]


@pytest.fixture
def stores(app_ctx):
    return create_store("demo"), create_store("tea")


def suspend_for_non_payment(store):
    """Trial over unpaid, grace over: the billing run closes the store; its renewal invoice is open."""
    trial_ends = subscription_of(store.id).trial_ends_at
    run_billing(trial_ends + timedelta(hours=1))
    run_billing(trial_ends + timedelta(days=grace_days(), hours=2))
    db.session.expire_all()
    assert subscription_of(store.id).status == "suspended"
    (invoice,) = invoices_of(store.id)
    return invoice


def suspend_by_platform(store, reason):
    with tenant_context(store.id):
        suspend_store(subscription_of(), reason=reason, actor=None)
        db.session.commit()


def banner(page):
    start = page.find('id="suspension"')
    return page[start:page.find("</section>", start)] if start >= 0 else None


@pytest.mark.parametrize("path", CONSOLE_PAGES)
def test_every_console_page_of_an_unpaid_store_says_which_invoice_to_pay(stores, platform_client, path):
    demo, _tea = stores
    invoice = suspend_for_non_payment(demo)
    login_staff(platform_client, demo)
    notice = banner(platform_client.get(path, headers=EN).get_data(as_text=True))
    assert notice is not None and 'data-kind="unpaid"' in notice
    assert f"invoice {invoice.number} is unpaid" in notice
    assert f'href="/console/billing/invoices/{invoice.number}"' in notice and f"Pay invoice {invoice.number}" in notice
    assert "contact Duoshop support" not in notice


@pytest.mark.parametrize("path", CONSOLE_PAGES)
def test_every_console_page_of_a_store_the_platform_closed_gives_the_reason_and_support(stores, platform_client,
                                                                                        path):
    demo, _tea = stores
    suspend_by_platform(demo, "营业执照已过期")
    login_staff(platform_client, demo)
    notice = banner(platform_client.get(path, headers=EN).get_data(as_text=True))
    assert notice is not None and 'data-kind="platform"' in notice
    assert "The Duoshop platform team suspended your store" in notice and "Reason given: 营业执照已过期" in notice
    assert "contact Duoshop support" in notice and "Pay invoice" not in notice


def test_the_banner_speaks_chinese(stores, platform_client):
    demo, _tea = stores
    suspend_by_platform(demo, "营业执照已过期")
    login_staff(platform_client, demo)
    notice = banner(platform_client.get("/console/", headers=ZH).get_data(as_text=True))
    assert "Duoshop 平台已停用你的店铺" in notice and "停用原因：营业执照已过期" in notice and "联系 Duoshop 客服" in notice


def test_the_billing_page_of_a_store_the_platform_closed_claims_no_pending_invoice(stores, platform_client):
    demo, _tea = stores
    suspend_by_platform(demo, "abuse report")
    login_staff(platform_client, demo)
    page = platform_client.get("/console/billing", headers=EN).get_data(as_text=True)
    assert "open invoice" not in page and "Pay invoice" not in page and "Pay now" not in page
    zh = platform_client.get("/console/billing", headers=ZH).get_data(as_text=True)
    assert "待付款账单" not in zh


def test_the_admin_s_reason_is_shown_as_text(stores, platform_client):
    demo, _tea = stores
    suspend_by_platform(demo, "<script>alert(1)</script>")
    login_staff(platform_client, demo)
    notice = banner(platform_client.get("/console/", headers=EN).get_data(as_text=True))
    assert "<script>alert(1)" not in notice and "&lt;script&gt;alert(1)&lt;/script&gt;" in notice


def test_a_viewer_is_told_who_can_pay(stores, platform_client):
    demo, _tea = stores
    invoice = suspend_for_non_payment(demo)
    create_staff(demo, "viewer@demo.example.com", StaffUser.VIEWER)
    login_staff(platform_client, demo, email="viewer@demo.example.com")
    notice = banner(platform_client.get("/console/orders", headers=EN).get_data(as_text=True))
    assert f"Ask the store's owner or an admin to pay invoice {invoice.number}." in notice
    assert "Pay invoice" not in notice


def test_an_open_store_and_the_other_store_show_no_banner(stores, app, platform_client):
    demo, tea = stores
    login_staff(platform_client, tea)
    assert banner(platform_client.get("/console/", headers=EN).get_data(as_text=True)) is None
    suspend_by_platform(demo, "abuse report")
    assert banner(platform_client.get("/console/", headers=EN).get_data(as_text=True)) is None
    other = app.test_client(host="duoshop.test")
    login_staff(other, demo)
    assert banner(other.get("/console/", headers=EN).get_data(as_text=True)) is not None
