"""Every form with an e-mail field follows the one rule (core.emails): sign-up, the team
invite and the store settings take the demo's @demo.test addresses in development and tests,
and refuse them in production with a message on the field, writing nothing."""
import pytest
from sqlalchemy import select

from core.extensions import db
from core.tenancy import tenant_context, unscoped
from tenants.models import StaffUser, Tenant
from tests.conftest import csrf_from
from tests.factories import create_store, login_staff

EN = {"Accept-Language": "en"}
RESERVED = "reserved for testing"


@pytest.fixture
def production_rule(app, monkeypatch):
    """The app as production checks addresses: not testing, not debug, no flag."""
    monkeypatch.setitem(app.config, "TESTING", False)
    monkeypatch.setitem(app.config, "ALLOW_TEST_EMAIL_DOMAINS", False)


@pytest.fixture
def demo(app_ctx):
    """The seeded demo store: its owner (and so its contact address) is owner@demo.test."""
    return create_store("demo", name="Duoshop 演示店", email="owner@demo.test")


def post_form(client, page, action, **data):
    return client.post(action, data={"csrf_token": csrf_from(client, page), **data}, headers=EN)


def signup(client, email):
    return post_form(client, "/signup", "/signup", store_name="测试店", slug="shop-test", email=email,
                     password="tea-and-cake-99")


def store_named(slug):
    with unscoped():
        return db.session.scalar(select(Tenant).where(Tenant.slug == slug))


def test_signup_takes_a_test_domain_address_in_tests(app_ctx, platform_client, jobs):
    response = signup(platform_client, "Owner@Shop.Test")
    assert response.status_code == 302
    tenant = store_named("shop-test")
    with tenant_context(tenant):
        assert db.session.scalar(select(StaffUser.email)) == "owner@shop.test"


def test_signup_refuses_a_test_domain_address_in_production(app_ctx, platform_client, production_rule):
    response = signup(platform_client, "owner@shop.test")
    assert response.status_code == 422
    assert RESERVED in response.get_data(as_text=True)
    assert store_named("shop-test") is None


def test_signup_refuses_what_is_not_an_address(app_ctx, platform_client):
    response = signup(platform_client, "owner@shop..cn")
    assert response.status_code == 422 and "Enter a valid email address." in response.get_data(as_text=True)
    assert store_named("shop-test") is None


def test_the_demo_owner_saves_settings_with_its_own_address(demo, platform_client):
    login_staff(platform_client, demo, email="owner@demo.test")
    page = platform_client.get("/console/settings", headers=EN).get_data(as_text=True)
    assert 'value="owner@demo.test"' in page
    response = post_form(platform_client, "/console/settings", "/console/settings", name="演示店 2",
                         contact_email="owner@demo.test", contact_phone="", logo_url="")
    assert response.status_code == 302
    db.session.expire_all()
    assert (db.session.get(Tenant, demo.id).name, db.session.get(Tenant, demo.id).contact_email) == \
        ("演示店 2", "owner@demo.test")


def test_settings_refuse_a_test_domain_address_in_production(demo, platform_client, production_rule):
    login_staff(platform_client, demo, email="owner@demo.test")
    response = post_form(platform_client, "/console/settings", "/console/settings", name="演示店 2",
                         contact_email="hello@shop.example", contact_phone="", logo_url="")
    assert response.status_code == 422 and RESERVED in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Tenant, demo.id).name == "Duoshop 演示店"


def test_settings_refuse_what_is_not_an_address(demo, platform_client):
    login_staff(platform_client, demo, email="owner@demo.test")
    response = post_form(platform_client, "/console/settings", "/console/settings", name="演示店 2",
                         contact_email="hello at shop", contact_phone="", logo_url="")
    assert response.status_code == 422 and "Enter a valid email address." in response.get_data(as_text=True)


@pytest.mark.parametrize("address, allowed", [("li@demo.test", True), ("li@shop.cn", True), ("li@", False)])
def test_the_team_invite_follows_the_same_rule(demo, platform_client, address, allowed):
    login_staff(platform_client, demo, email="owner@demo.test")
    response = post_form(platform_client, "/console/staff", "/console/staff/invite", email=address, role="viewer")
    with tenant_context(demo):
        invited = db.session.scalar(select(StaffUser).where(StaffUser.email == address))
    assert (invited is not None) is allowed
    if not allowed:
        assert "Enter a valid email address." in response.get_data(as_text=True)


def test_the_team_invite_refuses_a_test_domain_in_production(demo, platform_client, production_rule):
    login_staff(platform_client, demo, email="owner@demo.test")
    response = post_form(platform_client, "/console/staff", "/console/staff/invite", email="li@demo.test",
                         role="viewer")
    assert RESERVED in response.get_data(as_text=True)
    with tenant_context(demo):
        assert db.session.scalar(select(StaffUser).where(StaffUser.email == "li@demo.test")) is None
