"""Authorisation and audit events are applied exactly once, and only to the store whose
mini-program they name."""
import pytest
from sqlalchemy import func, select

from channels.wechat_open.models import AppliedEvent, Authorization, Release
from core.audit import AuditLog
from core.extensions import db
from core.tenancy import tenant_context
from sandbox.wechat_open.crypto import cdata_xml, sealed_message
from tests.channels.wechat_open.conftest import authorise, press
from tests.factories import create_store, login_staff


@pytest.fixture
def stores(app_ctx):
    return create_store("demo", name="Demo Shop"), create_store("tea", name="Tea House")


@pytest.fixture
def owners(app, stores):
    clients = []
    for store in stores:
        client = app.test_client()
        login_staff(client, store)
        clients.append(client)
    return clients


@pytest.fixture
def recorded(open_platform):
    """Every message the sandbox pushes, kept for replaying as WeChat's retries would."""
    sent, deliver = [], open_platform.deliver

    def record(url, params, body):
        sent.append((url, params, body))
        return deliver(url, params, body)

    open_platform.deliver = record
    return sent


def replay(platform_client, message):
    url, params, body = message
    return platform_client.post(url.split("duoshop.test", 1)[1], query_string=params, data=body,
                                content_type="text/xml")


def authorization_of(store):
    db.session.rollback()
    with tenant_context(store.id):
        return db.session.scalar(select(Authorization))


def audit_count(store, action):
    with tenant_context(store.id):
        return db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == action))


def test_unauthorized_is_applied_once_and_a_replay_changes_nothing(owners, stores, open_platform, recorded,
                                                                   platform_client):
    appid = next(iter(open_platform.mini_programs))
    authorise(owners[0], open_platform, appid)
    open_platform.unauthorize(appid)
    unauthorized = recorded[-1]
    assert authorization_of(stores[0]).status == Authorization.REVOKED
    again = authorise(owners[0], open_platform, appid)  # the merchant thinks again
    assert again.status_code == 302
    assert "小程序已授权。" in owners[0].get(again.headers["Location"]).get_data(as_text=True)  # no refusal
    assert authorization_of(stores[0]).status == Authorization.AUTHORIZED

    answer = replay(platform_client, unauthorized)  # WeChat's retry of the old event
    assert answer.get_data(as_text=True) == "success"
    assert authorization_of(stores[0]).status == Authorization.AUTHORIZED
    assert audit_count(stores[0], "mini_program.unauthorized") == 1


def test_updateauthorized_is_applied_once(owners, stores, open_platform, recorded, platform_client):
    appid = next(iter(open_platform.mini_programs))
    authorise(owners[0], open_platform, appid)
    first_token = authorization_of(stores[0]).refresh_token
    open_platform.update_authorization(appid)
    updated = authorization_of(stores[0]).refresh_token
    assert updated != first_token and updated == open_platform.mini_programs[appid].refresh_token

    for _ in range(3):
        assert replay(platform_client, recorded[-1]).get_data(as_text=True) == "success"
    assert authorization_of(stores[0]).refresh_token == updated
    assert audit_count(stores[0], "mini_program.authorization_updated") == 1


def test_an_audit_result_replayed_moves_the_release_once(owners, stores, open_platform, recorded, platform_client):
    appid = next(iter(open_platform.mini_programs))
    authorise(owners[0], open_platform, appid)
    press(owners[0], "upload")
    press(owners[0], "submit")
    (_program, audit), = open_platform.pending_audits()
    open_platform.decide(audit.auditid, approve=False, reason="类目不符")
    rejection = recorded[-1]
    press(owners[0], "submit")  # fixed, submitted again: in review
    assert replay(platform_client, rejection).get_data(as_text=True) == "success"
    with tenant_context(stores[0].id):
        assert db.session.scalar(select(Release.status)) == Release.AUDITING
    assert db.session.scalar(select(func.count()).select_from(AppliedEvent)
                             .where(AppliedEvent.kind == "weapp_audit_fail")) == 1


def test_events_for_one_stores_appid_change_only_that_store(owners, stores, open_platform):
    first, second = list(open_platform.mini_programs)[:2]
    for client, appid in zip(owners, (first, second), strict=True):
        authorise(client, open_platform, appid)
        press(client, "upload")
        press(client, "submit")
    audits = {program.appid: audit for program, audit in open_platform.pending_audits()}
    open_platform.decide(audits[first].auditid, approve=True)
    open_platform.unauthorize(first)
    db.session.rollback()
    with tenant_context(stores[0].id):
        assert db.session.scalar(select(Release.status)) == Release.APPROVED
    with tenant_context(stores[1].id):
        assert db.session.scalar(select(Release.status)) == Release.AUDITING
    assert authorization_of(stores[0]).status == Authorization.REVOKED
    assert authorization_of(stores[1]).status == Authorization.AUTHORIZED


def test_a_result_for_one_mini_program_posted_to_anothers_url_moves_neither(owners, stores, open_platform,
                                                                            platform_client):
    """The AppID comes from the URL WeChat posts to (its ``$APPID$``) and the message names
    the mini-program by its original id: a genuine result for A re-posted to B's URL (say
    it was captured) must match neither A's URL nor B's original id, so nothing moves."""
    first, second = list(open_platform.mini_programs)[:2]
    for client, appid in zip(owners, (first, second), strict=True):
        authorise(client, open_platform, appid)
        press(client, "upload")
        press(client, "submit")
    program = open_platform.mini_programs[first]
    params, body = sealed_message(open_platform.token, open_platform.aes_key, open_platform.component_appid,
                                  cdata_xml({"ToUserName": program.original_id, "CreateTime": 1, "MsgType": "event",
                                             "Event": "weapp_audit_success", "SuccTime": 1}), to=program.original_id)
    answer = platform_client.post(f"/wechat/open/{second}/events", query_string=params, data=body,
                                  content_type="text/xml")
    assert answer.get_data(as_text=True) == "success"
    db.session.rollback()
    for store in stores:
        with tenant_context(store.id):
            assert db.session.scalar(select(Release.status)) == Release.AUDITING
