"""Platform admins: the per-account back-off inside the sign-in form, and 忘记密码 by real
e-mail (the SMTP server the tests start), a link that works once."""
import re
from email.header import decode_header, make_header

from sqlalchemy import select

from billing.platform import create_platform_admin
from core.audit import AuditLog
from core.extensions import db
from core.tenancy import tenant_context, unscoped
from tenants.models import StaffUser
from tenants.staff_login import password_reset_token
from tests.billing.test_platform import ADMIN_EMAIL, ADMIN_PASSWORD, EN
from tests.conftest import csrf_from
from tests.factories import create_store

LINK = re.compile(r"http://duoshop\.test(/platform/password/reset/[\w.\-]+)")


def sign_in(client, password, *, email=ADMIN_EMAIL, ip="127.0.0.1"):
    return client.post("/platform/login", headers=EN, environ_base={"REMOTE_ADDR": ip}, data={
        "csrf_token": csrf_from(client, "/platform/login"), "email": email, "password": password})


def make_admin():
    create_platform_admin(email=ADMIN_EMAIL, password=ADMIN_PASSWORD)
    db.session.commit()


def test_an_admin_account_is_blocked_after_failures_from_anywhere_and_told_in_the_form(app_ctx, platform_client):
    make_admin()
    assert [sign_in(platform_client, "wrong-pass-1", ip=f"10.1.0.{n}").status_code for n in range(5)] == [401] * 5
    assert "try again in 30 seconds" in sign_in(platform_client, "wrong-pass-1", ip="10.1.0.9").get_data(as_text=True)
    blocked = sign_in(platform_client, ADMIN_PASSWORD, ip="10.1.1.1")
    page = blocked.get_data(as_text=True)
    assert blocked.status_code == 429 and "try again in" in page and 'name="password"' in page


def test_the_ip_limit_shows_the_platform_form_too(app_ctx, platform_client):
    make_admin()
    for n in range(5):
        sign_in(platform_client, "wrong-pass-1", email=f"guess{n}@example.com", ip="10.1.2.1")
    tripped = sign_in(platform_client, ADMIN_PASSWORD, ip="10.1.2.1")
    assert tripped.status_code == 429 and 'name="password"' in tripped.get_data(as_text=True)


def ask_for_link(client, email):
    return client.post("/platform/password/forgot", headers=EN, data={
        "csrf_token": csrf_from(client, "/platform/password/forgot"), "email": email})


def test_a_forgotten_admin_password_is_reset_by_a_link_sent_over_smtp(app_ctx, platform_client, smtp_server, jobs):
    make_admin()
    assert "/platform/password/forgot" in platform_client.get("/platform/login").get_data(as_text=True)
    known, unknown = ask_for_link(platform_client, ADMIN_EMAIL), ask_for_link(platform_client, "x@example.com")
    assert known.status_code == unknown.status_code == 200
    assert (known.get_data(as_text=True).replace(ADMIN_EMAIL, "X")
            == unknown.get_data(as_text=True).replace("x@example.com", "X"))
    jobs.drain()
    (message,) = smtp_server.messages  # one e-mail, to the real address only
    assert message["To"] == ADMIN_EMAIL
    assert str(make_header(decode_header(message["Subject"])))
    link = LINK.search(message.get_payload(decode=True).decode("utf-8")).group(1)
    done = platform_client.post(link, headers=EN, data={"csrf_token": csrf_from(platform_client, link),
                                                        "password": "fresh-admin-pass-9"})
    assert done.status_code == 302 and done.location.endswith("/platform/login")
    assert sign_in(platform_client, "fresh-admin-pass-9").status_code == 302
    assert platform_client.get(link).status_code == 404  # used
    with unscoped():  # a platform row: only the platform's context reads it
        assert db.session.scalar(select(AuditLog).where(AuditLog.action == "platform.password_reset")) is not None


def test_a_store_staff_reset_link_does_not_open_the_platform(app_ctx, platform_client):
    make_admin()
    demo = create_store("demo")
    with tenant_context(demo.id):
        owner = db.session.scalar(select(StaffUser))
        token = password_reset_token(owner)
    assert platform_client.get(f"/console/password/reset/{token}").status_code == 200
    assert platform_client.get(f"/platform/password/reset/{token}").status_code == 404
