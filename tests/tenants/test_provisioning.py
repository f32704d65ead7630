"""Provisioning is a job that can run any number of times with the same result."""
from sqlalchemy import func, select

from billing.models import Subscription
from commerce.catalog.models import Category
from core.extensions import db
from core.jobs import enqueue
from core.tenancy import current_tenant_id, tenant_context
from tenants.models import Tenant
from tenants.provisioning import provision_store
from tests.factories import create_store
from themes.models import Page


def snapshot(store):
    with tenant_context(store.id):
        return {
            "pages": sorted(db.session.scalars(select(Page.slug))),
            "categories": db.session.scalar(select(func.count(Category.id))),
            "subscriptions": db.session.scalar(select(func.count(Subscription.id))),
            "trial_ends": db.session.scalar(select(Subscription.trial_ends_at)),
            "status": db.session.get(Tenant, store.id).status,
        }


def test_running_provisioning_twice_changes_nothing(app_ctx):
    store = create_store("demo")
    first = snapshot(store)
    with tenant_context(store.id):
        assert provision_store(store.id) is True
    assert snapshot(store) == first
    assert first["pages"] == ["home", "product"] and first["categories"] == 3 and first["subscriptions"] == 1


def test_provisioning_keeps_what_the_merchant_already_changed(app_ctx):
    store = create_store("demo")
    with tenant_context(store.id):
        db.session.execute(db.delete(Category))
        db.session.add(Category(name="自定义"))
        db.session.commit()
        provision_store(store.id)
        assert db.session.scalars(select(Category.name)).all() == ["自定义"]


def test_provisioning_job_through_the_queue_opens_the_store(app_ctx, jobs):
    store = create_store("demo", provision=False)
    assert snapshot(store)["status"] == Tenant.PROVISIONING
    enqueue(provision_store, store.id, tenant_id=store.id, queue="high")
    enqueue(provision_store, store.id, tenant_id=store.id, queue="high")  # delivered twice
    jobs.drain()
    db.session.expire_all()
    state = snapshot(store)
    assert state["status"] == Tenant.ACTIVE and state["subscriptions"] == 1 and state["categories"] == 3


def record_tenant_seen(marker_name):
    """Job used by the test below: writes which tenant context it ran in."""
    with tenant_context(current_tenant_id()):
        db.session.add(Category(name=f"{marker_name}:{current_tenant_id()}"))
        db.session.commit()


def test_job_runs_inside_the_tenant_it_was_enqueued_for(app_ctx, jobs):
    demo, tea = create_store("demo"), create_store("tea")
    enqueue(record_tenant_seen, "seen", tenant_id=tea.id)
    jobs.drain()
    with tenant_context(tea.id):
        assert f"seen:{tea.id}" in db.session.scalars(select(Category.name)).all()
    with tenant_context(demo.id):
        assert not [n for n in db.session.scalars(select(Category.name)) if n.startswith("seen:")]
