"""Merchant sign-up: a good sign-up opens a provisioned store; bad input writes nothing."""
import pytest
from sqlalchemy import func, select

from billing.models import Subscription
from commerce.catalog.models import Category
from core.audit import AuditLog
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import StaffUser, Tenant
from tests.conftest import csrf_from
from tests.factories import create_store
from themes.models import Page

GOOD = {"store_name": "小王的店", "slug": "xiaowang", "email": "Wang@Example.com", "password": "tea-and-cake-99"}


def post_signup(client, **changes):
    data = {**GOOD, **changes, "csrf_token": csrf_from(client, "/signup")}
    return client.post("/signup", data=data, headers={"Accept-Language": "en"})


def count(model):
    from core.tenancy import unscoped

    with unscoped():
        return db.session.scalar(select(func.count()).select_from(model))


def test_signup_creates_a_provisioned_store_and_signs_the_owner_in(app_ctx, platform_client, store_client, jobs):
    response = post_signup(platform_client)
    assert response.status_code == 302 and response.location.startswith("/console/")
    jobs.drain()
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "xiaowang"))
    assert tenant.status == Tenant.ACTIVE and tenant.name == "小王的店"
    with tenant_context(tenant):
        owner = db.session.scalar(select(StaffUser))
        assert (owner.email, owner.role) == ("wang@example.com", StaffUser.OWNER)
        assert db.session.scalar(select(Subscription)).status == Subscription.TRIALING
        assert {page.slug for page in db.session.scalars(select(Page))} == {"home", "product"}
        assert db.session.scalar(select(func.count(Category.id))) == 3
    dashboard = platform_client.get("/console/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "http://xiaowang.duoshop.test/" in dashboard
    assert store_client("xiaowang").get("/").status_code == 200


@pytest.mark.parametrize("changes, message", [
    ({"slug": "demo"}, "already taken"),
    ({"slug": "DEMO"}, "already taken"),
    ({"slug": "a"}, "Field must be between 3 and 32 characters long."),
    ({"slug": "bad_slug!"}, "lowercase letters, digits or hyphens"),
    ({"slug": "-start"}, "lowercase letters, digits or hyphens"),
    ({"slug": "console"}, "is reserved"),
    ({"slug": "www"}, "is reserved"),
    ({"password": "short1"}, "at least 10 characters"),
    ({"password": "onlyletterslong"}, "Mix letters with digits"),
    ({"password": "1234567890123"}, "Mix letters with digits"),
    ({"email": "not-an-email"}, "valid email address"),
    ({"store_name": ""}, "This field is required."),
])
def test_bad_signup_shows_a_clear_message_and_writes_nothing(app_ctx, platform_client, changes, message):
    create_store("demo")
    tenants_before, staff_before, audit_before = count(Tenant), count(StaffUser), count(AuditLog)
    response = post_signup(platform_client, **changes)
    assert response.status_code in (409, 422)
    assert message in response.get_data(as_text=True)
    assert (count(Tenant), count(StaffUser), count(AuditLog)) == (tenants_before, staff_before, audit_before)


def test_every_problem_is_shown_at_once(app_ctx, platform_client):
    body = post_signup(platform_client, slug="x", email="nope", password="short").get_data(as_text=True)
    assert "valid email address" in body and "at least 10 characters" in body and "between 3 and 32" in body
    assert 'placeholder="None"' not in body and 'autocomplete="None"' not in body


def test_signup_without_csrf_token_is_refused_and_writes_nothing(app_ctx, platform_client):
    response = platform_client.post("/signup", data=GOOD, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "did not come from this site" in response.get_data(as_text=True)
    assert count(Tenant) == 0


def test_signup_form_keeps_what_was_typed_except_the_password(app_ctx, platform_client):
    create_store("demo")
    body = post_signup(platform_client, slug="demo").get_data(as_text=True)
    assert 'value="小王的店"' in body and 'value="Wang@Example.com"' in body
    assert GOOD["password"] not in body


def test_merchant_text_is_escaped(app_ctx, platform_client, jobs):
    post_signup(platform_client, store_name="<script>alert(1)</script>")
    jobs.drain()
    body = platform_client.get("/console/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
