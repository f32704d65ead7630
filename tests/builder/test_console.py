"""The merchant console: sign-in, team management with roles, store settings."""
import pytest
from sqlalchemy import select

from core.audit import AuditLog
from core.extensions import db
from core.tenancy import tenant_context, unscoped
from tenants.models import Domain, MiniProgram, StaffUser, Tenant
from tests.conftest import csrf_from
from tests.factories import create_staff, create_store, login_staff

EN = {"Accept-Language": "en"}


@pytest.fixture
def demo(app_ctx):
    return create_store("demo", name="Demo Shop")


def post_form(client, page, action, **data):
    return client.post(action, data={"csrf_token": csrf_from(client, page), **data}, headers=EN)


def test_console_requires_sign_in(demo, platform_client):
    response = platform_client.get("/console/staff")
    assert response.status_code == 302 and "/console/login" in response.location


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(demo, platform_client):
    response = login_staff(platform_client, demo, password="not-the-password-1")
    assert response.status_code == 401
    assert "Store address, email or password is not correct." in response.get_data(as_text=True)


def test_owner_signs_in_and_sees_the_dashboard_with_store_urls(demo, platform_client):
    assert login_staff(platform_client, demo).status_code == 302
    page = platform_client.get("/console/", headers=EN).get_data(as_text=True)
    assert "Demo Shop" in page and "http://demo.duoshop.test/" in page


def test_sign_out_ends_the_session(demo, platform_client):
    login_staff(platform_client, demo)
    post_form(platform_client, "/console/", "/console/logout")
    assert platform_client.get("/console/").status_code == 302


def test_login_is_rate_limited(demo, platform_client):
    statuses = [login_staff(platform_client, demo, password="wrong-password-1").status_code for _ in range(6)]
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429


def test_invite_accept_and_sign_in_as_the_new_operator(demo, platform_client, app):
    login_staff(platform_client, demo)
    response = post_form(platform_client, "/console/staff", "/console/staff/invite",
                         email="li@demo-shop.com", role="operator")
    assert response.status_code == 302
    page = platform_client.get("/console/staff", headers=EN).get_data(as_text=True)
    assert "li@demo-shop.com" in page and "Invited" in page
    with tenant_context(demo.id):
        token = db.session.scalar(select(StaffUser.invite_token).where(StaffUser.email == "li@demo-shop.com"))
    invitee = app.test_client()
    link = f"/console/invite/{token}?store={demo.id}"
    accepted = invitee.post(link, data={"csrf_token": csrf_from(invitee, link), "password": "li-password-2026"})
    assert accepted.status_code == 302
    assert invitee.get("/console/").status_code == 200  # signed in by accepting
    fresh = app.test_client()
    assert login_staff(fresh, demo, email="li@demo-shop.com", password="li-password-2026").status_code == 302


def test_invite_link_of_one_store_does_not_work_with_another_store_id(demo, platform_client, app):
    tea = create_store("tea")
    login_staff(platform_client, demo)
    post_form(platform_client, "/console/staff", "/console/staff/invite", email="li@demo-shop.com", role="viewer")
    with tenant_context(demo.id):
        token = db.session.scalar(select(StaffUser.invite_token).where(StaffUser.email == "li@demo-shop.com"))
    assert app.test_client().get(f"/console/invite/{token}?store={tea.id}").status_code == 404


def test_inviting_an_existing_member_is_refused_clearly(demo, platform_client):
    login_staff(platform_client, demo)
    response = post_form(platform_client, "/console/staff", "/console/staff/invite",
                         email=demo.owner_email, role="viewer")
    assert response.status_code == 409
    assert "is already on the team" in response.get_data(as_text=True)


@pytest.mark.parametrize("role, can_invite", [("owner", True), ("admin", True), ("operator", False), ("viewer", False)])
def test_only_owner_and_admin_manage_staff(demo, platform_client, role, can_invite):
    email = demo.owner_email if role == "owner" else f"{role}@demo-shop.com"
    if role != "owner":
        create_staff(demo, email, role)
    login_staff(platform_client, demo, email=email)
    response = post_form(platform_client, "/console/staff", "/console/staff/invite", email="new@demo-shop.com",
                         role="viewer")
    assert (response.status_code == 302) is can_invite
    if not can_invite:
        assert response.status_code == 403
    with tenant_context(demo.id):
        invited = db.session.scalar(select(StaffUser).where(StaffUser.email == "new@demo-shop.com"))
    assert (invited is not None) is can_invite


def test_admin_cannot_make_another_admin(demo, platform_client):
    create_staff(demo, "admin@demo-shop.com", "admin")
    login_staff(platform_client, demo, email="admin@demo-shop.com")
    response = post_form(platform_client, "/console/staff", "/console/staff/invite", email="x@demo-shop.com", role="admin")
    assert response.status_code == 403


def test_owner_changes_a_role_and_it_is_audited(demo, platform_client):
    operator_id = create_staff(demo, "op@demo-shop.com", "operator")
    login_staff(platform_client, demo)
    response = post_form(platform_client, "/console/staff", f"/console/staff/{operator_id}/role", role="viewer")
    assert response.status_code == 302
    with tenant_context(demo.id):
        assert db.session.get(StaffUser, operator_id).role == "viewer"
    with unscoped():
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "staff.role_changed"))
    assert entry.tenant_id == demo.id and entry.actor_label == demo.owner_email
    assert entry.details == {"from": "operator", "to": "viewer"} and entry.ip == "127.0.0.1"


def test_store_settings_save_and_phone_is_encrypted_at_rest(demo, platform_client, owner_engine):
    login_staff(platform_client, demo)
    response = post_form(platform_client, "/console/settings", "/console/settings", name="Demo Shop 2",
                         contact_email="hi@demo-shop.com", contact_phone="13812345678", logo_url="https://img.test/l.png")
    assert response.status_code == 302
    db.session.expire_all()
    tenant = db.session.get(Tenant, demo.id)
    assert (tenant.name, tenant.contact_phone) == ("Demo Shop 2", "13812345678")
    with owner_engine.connect() as conn:
        raw = conn.exec_driver_sql(f"SELECT contact_phone FROM tenants WHERE id = {demo.id}").scalar()
    assert raw.startswith("v1:") and "13812345678" not in raw


def test_bad_settings_show_messages_and_write_nothing(demo, platform_client):
    login_staff(platform_client, demo)
    response = post_form(platform_client, "/console/settings", "/console/settings", name="",
                         contact_phone="call me", logo_url="javascript:alert(1)")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This field is required." in body and "Digits, spaces, + and - only." in body
    assert db.session.get(Tenant, demo.id).name == "Demo Shop"


def test_custom_domain_and_appid_are_added_and_refused_when_taken(demo, platform_client, app):
    tea = create_store("tea")
    with tenant_context(tea.id):
        db.session.add(MiniProgram(appid="wxfedcba9876543210"))
        db.session.commit()
    login_staff(platform_client, demo)
    ok = post_form(platform_client, "/console/settings", "/console/settings/domains", hostname="Shop.Demo.CN")
    assert ok.status_code == 302
    again = post_form(platform_client, "/console/settings", "/console/settings/domains", hostname="shop.demo.cn")
    assert again.status_code == 409 and "already added" in again.get_data(as_text=True)
    bad = post_form(platform_client, "/console/settings", "/console/settings/mini-programs", appid="12345")
    assert bad.status_code == 422 and "16 hexadecimal" in bad.get_data(as_text=True)
    taken = post_form(platform_client, "/console/settings", "/console/settings/mini-programs",
                      appid="wxfedcba9876543210")
    assert taken.status_code == 409 and "already bound" in taken.get_data(as_text=True)
    with unscoped():
        domain = db.session.scalar(select(Domain))
        assert (domain.hostname, domain.verified, domain.tenant_id) == ("shop.demo.cn", False, demo.id)
        assert db.session.scalar(select(MiniProgram.tenant_id).where(MiniProgram.appid == "wxfedcba9876543210")) == tea.id
    # Not verified yet: the domain does not serve the store.
    assert app.test_client(host="shop.demo.cn").get("/").status_code == 404
