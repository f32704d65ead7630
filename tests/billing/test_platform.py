"""The platform console: its own accounts, never reachable by merchants, every action audited."""
import pytest
from sqlalchemy import select

from billing.platform import create_platform_admin
from core.audit import AuditLog
from core.extensions import db
from core.tenancy import tenant_context, unscoped
from tenants.models import Domain
from tests.conftest import csrf_from
from tests.factories import create_store, login_staff

ADMIN_EMAIL, ADMIN_PASSWORD = "ops@duoshop-platform.com", "platform-pass-2026"
EN = {"Accept-Language": "en"}


@pytest.fixture
def stores(app_ctx):
    create_platform_admin(email=ADMIN_EMAIL, password=ADMIN_PASSWORD)
    db.session.commit()
    return create_store("demo", name="Demo Shop"), create_store("tea", name="Tea House")


def login_admin(client, email=ADMIN_EMAIL, password=ADMIN_PASSWORD):
    token = csrf_from(client, "/platform/login")
    return client.post("/platform/login", data={"csrf_token": token, "email": email, "password": password},
                       headers=EN)


def add_unverified_domain(store, hostname):
    with tenant_context(store.id):
        domain = Domain(hostname=hostname, verification_token="tok")
        db.session.add(domain)
        db.session.commit()
        return domain.id


@pytest.mark.parametrize("path", ["/platform/", "/platform/tenants/1"])
def test_platform_requires_an_admin_sign_in(stores, platform_client, path):
    response = platform_client.get(path)
    assert response.status_code == 302 and "/platform/login" in response.location


@pytest.mark.parametrize("path", ["/platform/", "/platform/tenants/1"])
def test_a_merchant_owner_can_never_reach_the_platform(stores, platform_client, path):
    demo, _tea = stores
    login_staff(platform_client, demo)
    assert platform_client.get(path).status_code == 403


def test_merchant_credentials_do_not_sign_in_to_the_platform(stores, platform_client):
    demo, _tea = stores
    assert login_admin(platform_client, email=demo.owner_email, password=demo.password).status_code == 401


def test_admin_sees_every_store_with_its_trial(stores, platform_client):
    login_admin(platform_client)
    page = platform_client.get("/platform/", headers=EN).get_data(as_text=True)
    assert "Demo Shop" in page and "Tea House" in page
    assert page.count("Professional · Trial") == 2


def test_store_list_search_and_status_filter(stores, platform_client):
    login_admin(platform_client)
    found = platform_client.get("/platform/?q=TEA").get_data(as_text=True)
    assert "Tea House" in found and "Demo Shop" not in found
    none = platform_client.get("/platform/?status=suspended", headers=EN).get_data(as_text=True)
    assert "No store matches." in none


def test_store_detail_shows_owner_and_audit_trail(stores, platform_client):
    demo, _tea = stores
    login_admin(platform_client)
    page = platform_client.get(f"/platform/tenants/{demo.id}", headers=EN).get_data(as_text=True)
    assert demo.owner_email in page and "store.signed_up" in page and "store.provisioned" in page


def test_admin_verifies_a_domain_and_it_starts_serving_the_store_and_is_audited(stores, platform_client, app):
    demo, _tea = stores
    domain_id = add_unverified_domain(demo, "shop.demo.cn")
    assert app.test_client(host="shop.demo.cn").get("/").status_code == 404
    login_admin(platform_client)
    token = csrf_from(platform_client, f"/platform/tenants/{demo.id}")
    response = platform_client.post(f"/platform/tenants/{demo.id}/domains/{domain_id}/verify",
                                    data={"csrf_token": token})
    assert response.status_code == 302
    assert app.test_client(host="shop.demo.cn").get("/").status_code == 200
    with unscoped():
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "domain.verified"))
    assert (entry.actor_type, entry.actor_label, entry.tenant_id) == ("platform_admin", ADMIN_EMAIL, demo.id)


def test_verifying_another_stores_domain_through_a_crafted_url_is_404(stores, platform_client):
    demo, tea = stores
    domain_id = add_unverified_domain(demo, "shop.demo.cn")
    login_admin(platform_client)
    token = csrf_from(platform_client, f"/platform/tenants/{tea.id}")
    response = platform_client.post(f"/platform/tenants/{tea.id}/domains/{domain_id}/verify",
                                    data={"csrf_token": token})
    assert response.status_code == 404


def test_create_admin_command(app, stores):
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["create-admin", "--email", "new@duoshop-platform.com", "--password", "short"])
    assert weak.exit_code != 0 and "Invalid value for --password" in weak.output
    ok = runner.invoke(args=["create-admin", "--email", "new@duoshop-platform.com", "--password", "long-enough-pass-1"])
    assert ok.exit_code == 0, ok.output
    client = app.test_client()
    assert login_admin(client, email="new@duoshop-platform.com", password="long-enough-pass-1").status_code == 302
