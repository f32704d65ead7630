"""The page after sign-up shows the store's set-up as it goes and moves on by itself: a small
status endpoint it polls (JavaScript), a refresh without JavaScript, the dashboard once the
store is ready, and a clear message with what happens next when provisioning failed."""
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import utcnow
from core.outbox import OutboxEvent
from core.tenancy import tenant_context, unscoped
from tenants.models import Tenant
from tenants.provisioning import SIGNED_UP, STUCK_AFTER, provision_store
from tenants.queries import FAILED, READY, SETTING_UP, provisioning_state
from tests.conftest import csrf_from
from tests.factories import create_store, login_staff

EN, ZH = {"Accept-Language": "en"}, {"Accept-Language": "zh-CN"}


@pytest.fixture
def new_store(app_ctx):
    """Signed up, its provisioning not run yet (the job is still on its way)."""
    return create_store("green-leaf", name="绿叶茶铺", provision=False)


@pytest.fixture
def merchant(platform_client, new_store):
    login_staff(platform_client, new_store)
    return platform_client


def failed_provisioning(store):
    """What the outbox keeps when the provisioning job raised: the error, a retry later."""
    db.session.add(OutboxEvent(id=str(uuid.uuid4()), tenant_id=store.id, topic=SIGNED_UP,
                               payload={"tenant_id": store.id}, available_at=utcnow() + timedelta(minutes=5),
                               attempts=1, last_error="tenants.provisioning: RuntimeError('boom')"))
    db.session.commit()


def tenant_of(store):
    with unscoped():
        return db.session.get(Tenant, store.id)


def test_sign_up_goes_to_the_set_up_page_which_moves_on_to_the_open_store(app_ctx, platform_client, jobs):
    data = {"store_name": "小王的店", "slug": "xiaowang", "email": "wang@example.com", "password": "tea-and-cake-99",
            "csrf_token": csrf_from(platform_client, "/signup")}
    response = platform_client.post("/signup", data=data, headers=EN)
    assert response.status_code == 302 and response.location == "/console/setting-up"
    jobs.drain()
    moved = platform_client.get("/console/setting-up", headers=EN)
    assert moved.status_code == 302 and moved.location == "/console/?welcome=1"
    assert "Welcome! Your store is open." in platform_client.get(moved.location, headers=EN).get_data(as_text=True)
    assert "欢迎！你的店铺已开业。" in platform_client.get(moved.location, headers=ZH).get_data(as_text=True)


def test_while_setting_up_the_page_shows_progress_and_refreshes_itself(new_store, merchant):
    page = merchant.get("/console/setting-up", headers=EN)
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-state="setting_up"' in body
    assert "<progress" in body and "moves on by itself" in body and "did not finish" not in body
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in body
    assert 'src="/static/js/setting-up.js"' in body and 'data-status-url="/console/setting-up/status"' in body
    assert "正在创建「绿叶茶铺」" in merchant.get("/console/setting-up", headers=ZH).get_data(as_text=True)


def test_the_status_endpoint_says_when_the_store_is_ready_and_where_to_go(new_store, merchant):
    answer = merchant.get("/console/setting-up/status")
    assert answer.status_code == 200 and answer.json == {"state": SETTING_UP, "next": None}
    assert answer.headers["Cache-Control"] == "no-store"
    with tenant_context(new_store.id):
        provision_store(new_store.id)
    answer = merchant.get("/console/setting-up/status")
    assert answer.json == {"state": READY, "next": "/console/?welcome=1"}
    moved = merchant.get("/console/setting-up")
    assert moved.status_code == 302 and moved.location == "/console/?welcome=1"


def test_a_failed_provisioning_is_said_with_what_happens_next(new_store, merchant):
    failed_provisioning(new_store)
    assert merchant.get("/console/setting-up/status").json == {"state": FAILED, "next": None}
    body = merchant.get("/console/setting-up", headers=EN).get_data(as_text=True)
    assert 'data-state="failed"' in body and "Setting up your store did not finish." in body
    assert "we try again automatically" in body and "Contact Duoshop support" in body
    assert "<progress" not in body and '<meta http-equiv="refresh" content="30">' in body
    zh = merchant.get("/console/setting-up", headers=ZH).get_data(as_text=True)
    assert "店铺创建没有完成" in zh and "请联系 Duoshop 客服" in zh


def test_provisioning_that_has_not_finished_after_a_minute_counts_as_failed(new_store):
    tenant = tenant_of(new_store)
    created = tenant.created_at
    assert provisioning_state(tenant, now=utcnow()) == SETTING_UP
    later = (created if created.tzinfo else created.replace(tzinfo=utcnow().tzinfo)) + STUCK_AFTER
    assert provisioning_state(tenant, now=later + timedelta(seconds=1)) == FAILED


def test_another_store_s_failure_is_not_this_store_s(new_store, merchant):
    other = create_store("tea", provision=False)
    failed_provisioning(other)
    assert merchant.get("/console/setting-up/status").json["state"] == SETTING_UP


def test_the_dashboard_of_a_store_being_set_up_links_to_its_progress(new_store, merchant):
    body = merchant.get("/console/", headers=EN).get_data(as_text=True)
    assert "Your store is still being set up." in body and 'href="/console/setting-up"' in body
    assert "Welcome! Your store is open." not in merchant.get("/console/?welcome=1", headers=EN).get_data(as_text=True)


def test_the_set_up_pages_need_a_signed_in_merchant(new_store, platform_client):
    assert "/console/login" in platform_client.get("/console/setting-up/status").location
    assert "/console/login" in platform_client.get("/console/setting-up").location
    with unscoped():
        assert db.session.scalar(select(Tenant.status).where(Tenant.id == new_store.id)) == Tenant.PROVISIONING
