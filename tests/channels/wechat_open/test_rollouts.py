"""A template version rolled out from /platform to every authorised store: progress shown,
WeChat's daily quota respected, and a rerun after a fault in the middle submits nothing twice."""
import re
from collections import Counter

import pytest
from sqlalchemy import select

from billing.platform import create_platform_admin
from channels.wechat_open.models import Release, Rollout
from core.extensions import db
from core.tenancy import unscoped
from tests.channels.wechat_open.conftest import authorise
from tests.conftest import csrf_from
from tests.factories import create_store, login_staff

ADMIN_EMAIL, ADMIN_PASSWORD = "ops@duoshop-platform.com", "platform-pass-2026"
EN = {"Accept-Language": "en"}
TEMPLATE = 2  # the sandbox's newest template, 1.1.0


@pytest.fixture
def authorised_stores(app, app_ctx, open_platform):
    """Three stores, each with its own test mini-program authorised; and a fourth that never authorised."""
    stores = [create_store(slug, name=name) for slug, name in
              (("demo", "Demo Shop"), ("tea", "Tea House"), ("cafe", "Corner Cafe"))]
    create_store("idle", name="Idle Store")
    for store, appid in zip(stores, open_platform.mini_programs, strict=True):
        client = app.test_client()
        login_staff(client, store)
        authorise(client, open_platform, appid)
    return stores


@pytest.fixture
def admin(app, app_ctx):
    create_platform_admin(email=ADMIN_EMAIL, password=ADMIN_PASSWORD)
    db.session.commit()
    client = app.test_client()
    token = csrf_from(client, "/platform/login")
    client.post("/platform/login", data={"csrf_token": token, "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    return client


def start_rollout(admin, jobs):
    response = admin.post("/platform/mini-programs/rollouts", headers=EN, data={
        "csrf_token": csrf_from(admin, "/platform/mini-programs"), "template_id": TEMPLATE})
    assert response.status_code == 302, response.get_data(as_text=True)
    jobs.drain()
    return response.headers["Location"]


def progress(admin, url):
    page = admin.get(url, headers=EN).get_data(as_text=True)
    released, total = map(int, re.search(r'data-progress="(\d+)/(\d+)"', page).groups())
    steps = Counter(re.findall(r'data-store-step="(\w+)"', page))
    return released, total, steps, page


def resume(admin, url, jobs):
    admin.post(f"{url}/resume", data={"csrf_token": csrf_from(admin, url)})
    jobs.drain()


def approve_all(open_platform, jobs):
    db.session.rollback()
    for _program, audit in open_platform.pending_audits():
        open_platform.decide(audit.auditid, approve=True)
    jobs.drain()


def submits_per_app(open_platform):
    return Counter(appid for appid, _auditid in open_platform.submitted)


def test_the_library_is_offered_and_a_rollout_releases_every_authorised_store(admin, authorised_stores,
                                                                              open_platform, jobs):
    page = admin.get("/platform/mini-programs", headers=EN).get_data(as_text=True)
    assert "1.1.0" in page and "商品详情页改版" in page
    url = start_rollout(admin, jobs)

    released, total, steps, page = progress(admin, url)
    assert (released, total) == (0, 3) and steps == {"auditing": 3}
    assert "Idle Store" not in page  # never authorised: not part of it
    assert submits_per_app(open_platform) == {appid: 1 for appid in open_platform.mini_programs}

    approve_all(open_platform, jobs)
    released, total, steps, page = progress(admin, url)
    assert (released, total) == (3, 3) and steps == {"released": 3}
    assert 'data-status="done"' in page
    names = {program.released["ext"]["ext"]["store_name"] for program in open_platform.mini_programs.values()}
    assert names == {"Demo Shop", "Tea House", "Corner Cafe"}
    assert {program.released["template_id"] for program in open_platform.mini_programs.values()} == {TEMPLATE}


def test_the_daily_quota_pauses_the_rollout_and_a_new_day_finishes_it(app, admin, authorised_stores, open_platform,
                                                                      jobs):
    open_platform.submit_quota = 2
    url = start_rollout(admin, jobs)
    released, total, steps, page = progress(admin, url)
    assert steps == {"auditing": 2, "uploaded": 1}
    assert "daily quota" in page
    assert db.session.scalar(select(Rollout.status)) == Rollout.WAITING_QUOTA

    resume(admin, url, jobs)  # still the same day: WeChat says no again, nothing else happens
    assert len(open_platform.submitted) == 2

    open_platform.new_day()
    resume(admin, url, jobs)
    approve_all(open_platform, jobs)
    released, total, steps, page = progress(admin, url)
    assert (released, total) == (3, 3)
    assert submits_per_app(open_platform) == {appid: 1 for appid in open_platform.mini_programs}


@pytest.mark.parametrize("fault", ["lose_answer", "fail"])
def test_a_rerun_after_a_fault_in_the_middle_submits_nothing_twice(app, admin, authorised_stores, open_platform,
                                                                   jobs, fault):
    """``lose_answer``: WeChat took the second store's submission but the answer was lost;
    ``fail``: the call never reached WeChat. Either way the rerun leaves one audit per app."""
    open_platform.faults[fault]["submit_audit"] = 1
    previous, app.config["WECHAT_OPEN_INTENT_SECONDS"] = app.config["WECHAT_OPEN_INTENT_SECONDS"], 0
    try:  # the failed run is over: its intents are abandoned at once
        url = start_rollout(admin, jobs)
        with unscoped():
            stuck = db.session.scalars(select(Release).where(Release.status == Release.UPLOADED)).all()
        assert len(stuck) == 1 and stuck[0].submit_requested_at is not None and stuck[0].last_error
        expected_before = 3 if fault == "lose_answer" else 2
        assert len(open_platform.submitted) == expected_before

        resume(admin, url, jobs)
        resume(admin, url, jobs)  # and again, for good measure
        assert submits_per_app(open_platform) == {appid: 1 for appid in open_platform.mini_programs}
        approve_all(open_platform, jobs)
        released, total, _steps, _page = progress(admin, url)
        assert (released, total) == (3, 3)
    finally:
        app.config["WECHAT_OPEN_INTENT_SECONDS"] = previous


def test_a_rejected_store_shows_its_reason_and_the_rest_are_released(admin, authorised_stores, open_platform, jobs):
    url = start_rollout(admin, jobs)
    pending = open_platform.pending_audits()
    open_platform.decide(pending[0][1].auditid, approve=False, reason="服务类目不符")
    approve_all(open_platform, jobs)
    released, total, steps, page = progress(admin, url)
    assert (released, total) == (2, 3) and steps == {"released": 2, "rejected": 1}
    assert "服务类目不符" in page and 'data-status="done"' in page


def test_merchants_cannot_reach_the_rollout_screens(app, authorised_stores):
    client = app.test_client()
    login_staff(client, authorised_stores[0])
    assert client.get("/platform/mini-programs").status_code == 403


def test_a_rollout_with_no_authorised_store_is_refused(admin, open_platform, jobs):
    response = admin.post("/platform/mini-programs/rollouts", headers=EN, data={
        "csrf_token": csrf_from(admin, "/platform/mini-programs"), "template_id": TEMPLATE}, follow_redirects=True)
    assert "No store has authorised its mini-program" in response.get_data(as_text=True)
    assert db.session.scalar(select(Rollout.id)) is None
