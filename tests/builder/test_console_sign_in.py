"""Console sign-in: by e-mail alone (a chooser when the address works for several stores),
a per-account back-off shown inside the form, and 忘记密码 links that work once for 30 minutes."""
import re
from datetime import timedelta

import itsdangerous.timed
import pytest
from sqlalchemy import select, update

from billing.models import OutboxEmail
from core.audit import AuditLog
from core.extensions import db
from core.login_throttle import LoginFailure, record_failure
from core.models import utcnow
from core.outbox import OutboxEvent
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tenants.staff_login import PASSWORD_RESET_WANTED
from tests.conftest import csrf_from
from tests.factories import create_staff, create_store

EN = {"Accept-Language": "en"}
LINK = re.compile(r"http://duoshop\.test(/console/password/reset/[\w.\-]+)")


def sign_in(client, email, password, *, slug="", ip="127.0.0.1"):
    """Sign in from ``ip`` (a session is bound to the address it signed in from)."""
    return client.post("/console/login", headers=EN, environ_base={"REMOTE_ADDR": ip}, data={
        "csrf_token": csrf_from(client, "/console/login"), "slug": slug, "email": email, "password": password})


def text(response):
    return response.get_data(as_text=True)


def signed_in_store(client):
    return client.get("/console/settings", headers=EN)


def end_backoff(email):
    """The back-off is over: move its end into the past (as time passing would)."""
    db.session.execute(update(LoginFailure).values(blocked_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()


# --- by e-mail alone -------------------------------------------------------------------------

def test_an_address_with_one_store_signs_in_without_the_store_address(app_ctx, platform_client):
    demo = create_store("demo")
    response = sign_in(platform_client, demo.owner_email, demo.password)
    assert response.status_code == 302 and response.location == "/console/"
    assert signed_in_store(platform_client).status_code == 200


def test_an_address_with_several_stores_chooses_one_and_only_those_it_proved(app_ctx, platform_client):
    demo = create_store("demo", name="龙井茶庄", email="boss@example.com")
    tea = create_store("tea", name="碧螺春", email="boss@example.com")
    other = create_store("other")
    chooser = sign_in(platform_client, "boss@example.com", demo.password)
    page = text(chooser)
    assert chooser.status_code == 200 and "龙井茶庄" in page and "碧螺春" in page
    assert other.slug not in page
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    refused = platform_client.post("/console/login/store", data={"csrf_token": token, "tenant": other.id})
    assert refused.status_code == 302 and refused.location.endswith("/console/login")
    assert signed_in_store(platform_client).status_code == 302  # still signed out
    chosen = platform_client.post("/console/login/store", data={"csrf_token": token, "tenant": tea.id})
    assert chosen.status_code == 302 and chosen.location == "/console/"
    assert "碧螺春" in text(signed_in_store(platform_client))
    again = platform_client.post("/console/login/store", data={"csrf_token": token, "tenant": demo.id})
    assert again.status_code == 302 and again.location.endswith("/console/login")  # the choice is spent


def test_only_the_stores_where_the_password_is_right_are_offered(app_ctx, platform_client):
    demo = create_store("demo", email="boss@example.com")
    tea = create_store("tea")
    create_staff(tea, "boss@example.com", StaffUser.OPERATOR, password="another-pass-2026")
    assert sign_in(platform_client, "boss@example.com", "another-pass-2026").location == "/console/"
    with tenant_context(tea.id):
        assert db.session.scalar(select(StaffUser.last_login_at).where(StaffUser.email == "boss@example.com"))
    with tenant_context(demo.id):
        assert db.session.scalar(select(StaffUser.last_login_at).where(StaffUser.email == "boss@example.com")) is None


def test_a_wrong_password_without_the_store_address_names_no_part(app_ctx, platform_client):
    demo = create_store("demo")
    known = sign_in(platform_client, demo.owner_email, "wrong-password-1")
    unknown = sign_in(platform_client, "nobody@example.com", "wrong-password-1", ip="10.0.0.2")
    assert known.status_code == unknown.status_code == 401
    assert "Email or password is not correct." in text(known) and "Email or password is not correct." in text(unknown)


# --- the per-account back-off ----------------------------------------------------------------

def test_failures_from_many_addresses_block_the_account_and_the_form_says_how_long(app_ctx, platform_client):
    demo = create_store("demo")
    statuses = [sign_in(platform_client, demo.owner_email, "wrong-password-1", ip=f"10.0.1.{n}").status_code
                for n in range(5)]
    assert statuses == [401] * 5  # five free tries, each from another IP: the IP limit never trips
    sixth = sign_in(platform_client, demo.owner_email, "wrong-password-1", ip="10.0.1.9")
    assert sixth.status_code == 401 and "try again in 30 seconds" in text(sixth)
    right = sign_in(platform_client, demo.owner_email, demo.password, ip="10.0.2.1")
    page = text(right)
    assert right.status_code == 429 and "try again in" in page
    assert '<form method="post"' in page and 'name="email"' in page  # the form, not a bare error page
    assert signed_in_store(platform_client).status_code == 302
    end_backoff(demo.owner_email)
    assert sign_in(platform_client, demo.owner_email, demo.password, ip="10.0.2.2").status_code == 302
    assert db.session.scalar(select(LoginFailure)) is None  # a success forgets the failures


def test_tries_while_blocked_never_lengthen_the_wait(app_ctx, platform_client):
    demo = create_store("demo")
    for n in range(6):
        sign_in(platform_client, demo.owner_email, "wrong-password-1", ip=f"10.0.3.{n}")
    db.session.expire_all()
    before = db.session.scalar(select(LoginFailure))
    failures, until = before.failures, before.blocked_until
    for n in range(5):
        assert sign_in(platform_client, demo.owner_email, "wrong-password-1", ip=f"10.0.4.{n}").status_code == 429
    db.session.expire_all()
    after = db.session.scalar(select(LoginFailure))
    assert (after.failures, after.blocked_until) == (failures, until)


def test_the_back_off_doubles_and_stops_at_fifteen_minutes(app_ctx):
    now = utcnow()
    waits = [record_failure("console", "x@example.com", now=now) for _ in range(12)]
    assert waits[:5] == [0] * 5
    assert waits[5:10] == [30, 60, 120, 240, 480]
    assert waits[10:] == [900, 900]


def test_quiet_for_an_hour_forgets_old_failures(app_ctx):
    start = utcnow()
    for _ in range(5):
        record_failure("console", "x@example.com", now=start)
    assert record_failure("console", "x@example.com", now=start + timedelta(hours=2)) == 0


def test_an_unknown_address_is_blocked_like_a_real_one(app_ctx, platform_client):
    create_store("demo")
    answers = [sign_in(platform_client, "nobody@example.com", "wrong-password-1", ip=f"10.0.5.{n}")
               for n in range(7)]
    assert [a.status_code for a in answers] == [401] * 6 + [429]


def test_one_account_blocked_leaves_another_store_and_address_alone(app_ctx, platform_client):
    demo, tea = create_store("demo"), create_store("tea")
    for n in range(6):
        sign_in(platform_client, demo.owner_email, "wrong-password-1", ip=f"10.0.6.{n}")
    assert sign_in(platform_client, tea.owner_email, tea.password, slug="tea", ip="10.0.7.1").status_code == 302


def test_the_ip_limit_answers_with_the_form_and_counts_only_failures(app_ctx, platform_client, app):
    demo = create_store("demo")
    for _ in range(6):  # successes are not counted (LOGIN_RATE_LIMIT is 5 per minute in tests)
        assert sign_in(platform_client, demo.owner_email, demo.password, ip="10.0.8.1").status_code == 302
    for n in range(5):  # five different accounts: no account is blocked
        assert sign_in(platform_client, f"guess{n}@example.com", "wrong-password-1", ip="10.0.8.1").status_code == 401
    tripped = sign_in(platform_client, demo.owner_email, demo.password, ip="10.0.8.1")
    page = text(tripped)
    assert tripped.status_code == 429 and "Too many failed sign-ins" in page and "try again in" in page
    assert 'name="password"' in page and "demo" not in tripped.headers.get("Location", "")


# --- 忘记密码 ----------------------------------------------------------------------------------

def ask_for_link(client, email):
    return client.post("/console/password/forgot", headers=EN, data={
        "csrf_token": csrf_from(client, "/console/password/forgot"), "email": email})


def outbox_links(store):
    with tenant_context(store.id):
        bodies = db.session.scalars(select(OutboxEmail.body).order_by(OutboxEmail.id)).all()
    return [LINK.search(body).group(1) for body in bodies]


def test_the_forgot_link_is_on_the_sign_in_page(app_ctx, platform_client):
    page = text(platform_client.get("/console/login"))
    assert "/console/password/forgot" in page
    assert "忘记密码" in text(platform_client.get("/console/login", headers={"Accept-Language": "zh-CN"}))


def test_a_reset_link_is_mailed_through_an_outbox_event_and_the_answer_never_says_who_exists(
        app_ctx, platform_client, jobs):
    demo, tea = create_store("demo"), create_store("tea")
    known = ask_for_link(platform_client, demo.owner_email)
    unknown = ask_for_link(platform_client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    assert text(known).replace(demo.owner_email, "X") == text(unknown).replace("nobody@example.com", "X")
    events = db.session.scalars(select(OutboxEvent).where(OutboxEvent.topic == PASSWORD_RESET_WANTED)).all()
    assert [(e.tenant_id, set(e.payload)) for e in events] == [(demo.id, {"staff_id"})]  # ids only, no token
    jobs.drain()
    assert len(outbox_links(demo)) == 1 and outbox_links(tea) == []


def test_the_link_sets_a_new_password_once(app_ctx, platform_client, jobs):
    demo = create_store("demo")
    ask_for_link(platform_client, demo.owner_email)
    jobs.drain()
    (link,) = outbox_links(demo)
    form = platform_client.get(link, headers=EN)
    assert form.status_code == 200 and 'name="password"' in text(form)
    weak = platform_client.post(link, headers=EN, data={"csrf_token": csrf_from(platform_client, link),
                                                        "password": "short"})
    assert weak.status_code == 422 and "at least" in text(weak).lower()
    done = platform_client.post(link, headers=EN, data={"csrf_token": csrf_from(platform_client, link),
                                                        "password": "brand-new-pass-7"})
    assert done.status_code == 302 and done.location.endswith("/console/login")
    assert sign_in(platform_client, demo.owner_email, demo.password).status_code == 401
    assert sign_in(platform_client, demo.owner_email, "brand-new-pass-7", ip="10.0.9.2").status_code == 302
    spent = platform_client.get(link, headers=EN)
    assert spent.status_code == 404 and "expired or was used already" in text(spent)
    with tenant_context(demo.id):
        assert db.session.scalar(select(AuditLog.action).where(AuditLog.action == "staff.password_reset"))


def test_a_link_older_than_thirty_minutes_is_refused(app_ctx, platform_client, jobs, monkeypatch):
    demo = create_store("demo")
    real_time = itsdangerous.timed.time.time
    with monkeypatch.context() as patched:
        patched.setattr(itsdangerous.timed.time, "time", lambda: real_time() - 31 * 60)
        ask_for_link(platform_client, demo.owner_email)
        jobs.drain()
    (link,) = outbox_links(demo)
    assert platform_client.get(link, headers=EN).status_code == 404


def test_a_new_password_lifts_the_back_off_at_once(app_ctx, platform_client, jobs):
    demo = create_store("demo")
    for n in range(6):
        sign_in(platform_client, demo.owner_email, "wrong-password-1", ip=f"10.0.10.{n}")
    ask_for_link(platform_client, demo.owner_email)
    jobs.drain()
    (link,) = outbox_links(demo)
    platform_client.post(link, data={"csrf_token": csrf_from(platform_client, link), "password": "brand-new-pass-7"})
    assert sign_in(platform_client, demo.owner_email, "brand-new-pass-7", ip="10.0.11.1").status_code == 302


def test_an_address_in_two_stores_gets_a_link_for_each_in_its_own_store(app_ctx, platform_client, jobs):
    demo = create_store("demo", email="boss@example.com")
    tea = create_store("tea", email="boss@example.com")
    ask_for_link(platform_client, "boss@example.com")
    jobs.drain()
    (demo_link,), (tea_link,) = outbox_links(demo), outbox_links(tea)
    assert demo_link != tea_link
    platform_client.post(tea_link, data={"csrf_token": csrf_from(platform_client, tea_link),
                                         "password": "brand-new-pass-7"})
    assert sign_in(platform_client, "boss@example.com", "brand-new-pass-7", slug="tea").status_code == 302
    assert sign_in(platform_client, "boss@example.com", demo.password, slug="demo", ip="10.0.12.1").status_code == 302
    assert platform_client.get(demo_link).status_code == 200  # the other store's link is still good


@pytest.mark.parametrize("token", ["nonsense", "eyJhIjoxfQ.abc.def", ""])
def test_a_forged_link_finds_nothing(app_ctx, platform_client, token):
    assert platform_client.get(f"/console/password/reset/{token}x").status_code == 404
