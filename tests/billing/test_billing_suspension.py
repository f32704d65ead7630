"""A suspended store: its storefront and API answer "store closed" (403, problem+json on the
API), cached pages included; nothing is changed; its console still works so it can pay;
the other store is open throughout; resuming reopens it."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from billing.invoices import invoices_of
from billing.jobs import run_billing
from billing.metrics import billing_overview
from billing.platform import resume_store, suspend_store
from billing.subscriptions import subscription_of, transition
from commerce.catalog.models import Product
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from tenants.models import MiniProgram
from tests.factories import create_product, create_store, login_staff

EN = {"Accept-Language": "en"}
DEMO_APPID = "wx0123456789abcdef"


@pytest.fixture
def stores(app_ctx):
    demo, tea = create_store("demo"), create_store("tea")
    product_id = create_product(demo, "龙井", price=5000)
    with tenant_context(demo.id):
        db.session.add(MiniProgram(appid=DEMO_APPID))
        db.session.commit()
    return demo, tea, product_id


def move(store, event, reason=None):
    with tenant_context(store.id):
        assert transition(subscription_of(), event, reason=reason)
        db.session.commit()


@pytest.mark.parametrize("path", ["/", "/products", "/cart"])
def test_a_suspended_storefront_is_a_polite_closed_page(stores, store_client, path):
    demo, _tea, _product_id = stores
    move(demo, "suspend", "unpaid")
    response = store_client("demo").get(path, headers=EN)
    body = response.get_data(as_text=True)
    assert response.status_code == 403 and response.mimetype == "text/html"
    assert "Store closed" in body and "closed at the moment" in body
    assert "Retry-After" not in response.headers


def test_the_cached_home_page_is_not_served_once_the_store_is_suspended(stores, store_client):
    demo, _tea, _product_id = stores
    shopper = store_client("demo")
    assert shopper.get("/", headers=EN).status_code == 200
    assert shopper.get("/", headers=EN).status_code == 200  # now from the cache
    move(demo, "suspend", "unpaid")
    assert shopper.get("/", headers=EN).status_code == 403


def test_the_api_answers_a_store_closed_problem_by_host_and_by_appid(stores, store_client, platform_client):
    demo, _tea, product_id = stores
    move(demo, "suspend", "unpaid")
    for response in (store_client("demo").get(f"/api/v1/products/{product_id}", headers=EN),
                     platform_client.get("/api/v1/products", headers={"X-Duoshop-AppID": DEMO_APPID, **EN})):
        assert response.status_code == 403 and response.mimetype == "application/problem+json"
        assert response.json["code"] == "store_closed" and response.json["title"] == "Store closed"


def test_suspension_changes_no_data_and_the_console_stays_open_for_paying(stores, platform_client):
    demo, _tea, product_id = stores
    move(demo, "suspend", "unpaid")
    assert login_staff(platform_client, demo).status_code == 302
    billing = platform_client.get("/console/billing", headers=EN)
    assert billing.status_code == 200 and "suspended your store" in billing.get_data(as_text=True)
    assert platform_client.get("/console/products", headers=EN).status_code == 200
    with tenant_context(demo.id):
        assert db.session.scalar(select(func.count(Product.id))) == 1
        assert db.session.get(Product, product_id).title == "龙井"


def test_the_other_store_stays_open_and_resuming_reopens(stores, store_client):
    demo, _tea, product_id = stores
    move(demo, "suspend", "abuse report")
    assert store_client("tea").get("/", headers=EN).status_code == 200
    assert store_client("demo").get(f"/products/{product_id}", headers=EN).status_code == 403
    move(demo, "resume")
    assert store_client("demo").get(f"/products/{product_id}", headers=EN).status_code == 200


def test_a_cancelled_store_is_closed_too(stores, store_client):
    demo, _tea, _product_id = stores
    move(demo, "cancel", "merchant left")
    assert store_client("demo").get("/", headers=EN).status_code == 403


# -- resuming returns the store to the state it was suspended from (issue 14) -----------------

def resume_by_admin(store, now=None):
    with tenant_context(store.id):
        resume_store(subscription_of(), reason="checked", actor=None, now=now)
        db.session.commit()


def suspend_by_admin(store, now=None):
    with tenant_context(store.id):
        suspend_store(subscription_of(), reason="abuse report", actor=None, now=now)
        db.session.commit()


def test_a_resumed_trial_is_still_a_trial_with_the_same_end_and_no_mrr(stores, store_client):
    demo, _tea, product_id = stores
    trial_ends = subscription_of(demo.id).trial_ends_at
    suspend_by_admin(demo)
    resume_by_admin(demo)
    db.session.expire_all()
    subscription = subscription_of(demo.id)
    assert (subscription.status, subscription.trial_ends_at) == ("trialing", trial_ends)
    assert billing_overview(utcnow()).mrr == 0
    with tenant_context(demo.id):
        assert invoices_of(demo.id) == []
    assert store_client("demo").get(f"/products/{product_id}", headers=EN).status_code == 200


def test_a_resumed_past_due_store_is_past_due_with_its_invoice_still_open(stores, store_client):
    demo, _tea, product_id = stores
    trial_ends = subscription_of(demo.id).trial_ends_at
    run_billing(trial_ends + timedelta(hours=1))  # the trial ended unpaid: past due, renewal invoice open
    assert subscription_of(demo.id).status == "past_due"
    (invoice,) = invoices_of(demo.id)
    suspend_by_admin(demo, now=trial_ends + timedelta(days=2))
    resume_by_admin(demo, now=trial_ends + timedelta(days=3))
    db.session.expire_all()
    assert subscription_of(demo.id).status == "past_due"
    assert [(i.number, i.status) for i in invoices_of(demo.id)] == [(invoice.number, "open")]
    assert billing_overview(utcnow()).mrr == 0
    assert store_client("demo").get(f"/products/{product_id}", headers=EN).status_code == 200
    run_billing(trial_ends + timedelta(days=4))  # a new grace period from the resume: still open
    db.session.expire_all()
    assert subscription_of(demo.id).status == "past_due"


def test_a_trial_that_ended_while_suspended_is_past_due_on_resume_as_at_the_trials_end(stores):
    demo, _tea, _product_id = stores
    trial_ends = subscription_of(demo.id).trial_ends_at
    suspend_by_admin(demo, now=trial_ends - timedelta(days=10))
    resume_by_admin(demo, now=trial_ends + timedelta(days=20))
    db.session.expire_all()
    subscription = subscription_of(demo.id)
    assert subscription.status == "past_due"
    assert subscription.grace_ends_at > trial_ends + timedelta(days=20)  # not closed again at the next run
    (invoice,) = invoices_of(demo.id)
    assert invoice.status == "open" and invoice.period_start == trial_ends
    assert billing_overview(utcnow()).mrr == 0
