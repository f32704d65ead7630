"""The mini-program's privacy endpoints: the store's policy, the member's consents, agreeing on
the first sign-in (``POST /session`` with ``consents``), switching the optional uses, a grant
on an outdated version refused (409), bad input as problem JSON, and nothing across stores."""
import pytest
from sqlalchemy import func, select

from commerce.members.consent import has_consent, publish_policy
from commerce.members.models import Member, MemberConsent
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tests.storefront.api.conftest import DEMO_APPID, TEA_APPID

ACCOUNT, MARKETING, PROFILING = MemberConsent.ACCOUNT, MemberConsent.MARKETING, MemberConsent.PROFILING


def publish(store, body="新版隐私政策"):
    with tenant_context(store.id):
        owner = db.session.scalar(select(StaffUser).where(StaffUser.email == store.owner_email))
        version = publish_policy("隐私政策", body, actor=owner).version
        db.session.commit()
        return version


def consent_rows(store):
    with tenant_context(store.id):
        return db.session.scalar(select(func.count()).select_from(MemberConsent))


def test_the_policy_is_the_stores_own_or_the_platform_default_and_never_cached(world, platform_client):
    default = platform_client.get("/api/v1/privacy-policy", headers={"X-Duoshop-AppID": world.tina.appid})
    assert default.status_code == 200 and "no-store" in default.headers["Cache-Control"]
    body = default.get_json()
    assert body["version"] == 0 and body["published_at"] is None and "180 天" in body["body"]
    assert body["paragraphs"][0].startswith("欢迎光临本店")
    publish(world.demo, "第一段\n\n第二段")
    own = platform_client.get("/api/v1/privacy-policy", headers={"X-Duoshop-AppID": world.alice.appid}).get_json()
    assert (own["version"], own["paragraphs"]) == (1, ["第一段", "第二段"]) and own["published_at"]
    assert platform_client.get("/api/v1/privacy-policy", headers={"X-Duoshop-AppID": world.tina.appid}
                               ).get_json()["version"] == 0


def test_a_member_reads_and_changes_their_consents(world, platform_client):
    alice = world.alice
    before = platform_client.get("/api/v1/me/consents", headers=alice.headers())
    assert before.status_code == 200 and "no-store" in before.headers["Cache-Control"]
    assert before.get_json()["consent_required"] is True and before.get_json()["agreed_version"] is None
    agreed = platform_client.put("/api/v1/me/consents", headers=alice.headers(),
                                 json={"policy_version": 0, "account": True, "profiling": True})
    assert agreed.status_code == 200, agreed.get_json()
    body = agreed.get_json()
    assert body["consent_required"] is False and body["agreed_version"] == 0
    assert {item["purpose"]: (item["granted"], item["required"]) for item in body["items"]} == {
        ACCOUNT: (True, True), MARKETING: (False, False), PROFILING: (True, False)}
    withdrawn = platform_client.put("/api/v1/me/consents", headers=alice.headers(),
                                    json={"policy_version": 0, "profiling": False})
    assert withdrawn.status_code == 200
    with tenant_context(world.demo.id):
        assert not has_consent(alice.member_id, PROFILING) and has_consent(alice.member_id, ACCOUNT)
        assert db.session.scalar(select(MemberConsent.channel).order_by(MemberConsent.id.desc()).limit(1)) == \
            MemberConsent.MINIPROGRAM
    assert consent_rows(world.tea) == 0


def test_a_grant_on_an_outdated_version_is_409_and_a_withdrawal_still_goes_through(world, platform_client):
    alice = world.alice
    platform_client.put("/api/v1/me/consents", headers=alice.headers(),
                        json={"policy_version": 0, "account": True, "marketing": True})
    version = publish(world.demo)
    assert platform_client.get("/api/v1/me/consents", headers=alice.headers()).get_json()["consent_required"]
    stale = platform_client.put("/api/v1/me/consents", headers=alice.headers(),
                                json={"policy_version": 0, "account": True})
    assert stale.status_code == 409 and stale.mimetype == "application/problem+json"
    assert stale.get_json()["code"] == "policy_changed" and stale.get_json()["policy_version"] == version
    assert consent_rows(world.demo) == 2
    withdrawal = platform_client.put("/api/v1/me/consents", headers=alice.headers(),
                                     json={"policy_version": 0, "marketing": False})
    assert withdrawal.status_code == 200
    again = platform_client.put("/api/v1/me/consents", headers=alice.headers(),
                                json={"policy_version": version, "account": True})
    assert again.get_json()["consent_required"] is False and again.get_json()["agreed_version"] == version


@pytest.mark.parametrize("body", [
    {},  # the version shown is required
    {"policy_version": -1, "account": True},
    {"policy_version": "0", "account": True},  # JSON's own types only
    {"policy_version": 0, "account": False},  # withdrawing the account's consent is closing the account
    {"policy_version": 0, "marketing": 1},
    {"policy_version": 0, "spam": True},
    [],
])
def test_bad_input_is_a_400_problem_naming_the_field_and_writes_nothing(world, platform_client, body):
    refused = platform_client.put("/api/v1/me/consents", headers=world.alice.headers(), json=body)
    assert refused.status_code == 400 and refused.mimetype == "application/problem+json"
    assert refused.get_json()["invalid_params"]
    assert consent_rows(world.demo) == 0


def test_consents_need_the_members_token_in_its_own_store(world, platform_client):
    assert platform_client.get("/api/v1/me/consents", headers={"X-Duoshop-AppID": world.alice.appid}
                               ).status_code == 401
    elsewhere = {**world.alice.headers(), "X-Duoshop-AppID": world.tina.appid}  # demo's token, tea's app
    assert platform_client.get("/api/v1/me/consents", headers=elsewhere).status_code == 401
    assert platform_client.put("/api/v1/me/consents", headers=elsewhere,
                               json={"policy_version": 0, "account": True}).status_code == 401
    assert consent_rows(world.tea) == 0 and consent_rows(world.demo) == 0


def test_the_first_sign_in_may_carry_the_consents(app, stores, wechat_login):
    demo, tea, _ = stores
    client = app.test_client()

    def session(appid, nickname, **body):
        user = wechat_login.create_user(nickname)
        code = wechat_login.issue_code(appid, user.id, "snsapi_base")
        return client.post("/api/v1/session", json={"code": code, **body}, headers={"X-Duoshop-AppID": appid})

    plain = session(DEMO_APPID, "老客户端")
    assert plain.status_code == 200 and plain.get_json()["consent_required"] is True
    agreed = session(DEMO_APPID, "新顾客", consents={"policy_version": 0, "profiling": True})
    assert agreed.status_code == 200 and agreed.get_json()["consent_required"] is False
    member_id = agreed.get_json()["member"]["id"]
    with tenant_context(demo.id):
        rows = db.session.scalars(select(MemberConsent).where(MemberConsent.member_id == member_id)).all()
        assert sorted((row.purpose, row.granted, row.channel) for row in rows) == [
            (ACCOUNT, True, "miniprogram"), (PROFILING, True, "miniprogram")]
    publish(demo)
    members_before = _members(demo)
    stale = session(DEMO_APPID, "慢一步", consents={"policy_version": 0})
    assert stale.status_code == 409 and stale.get_json()["code"] == "policy_changed"
    assert _members(demo) == members_before  # the sign-in is refused as a whole: no member without consent
    in_tea = session(TEA_APPID, "茶客", consents={"policy_version": 0, "marketing": True})
    assert in_tea.status_code == 200 and consent_rows(tea) == 2


def _members(store):
    with tenant_context(store.id):
        return db.session.scalar(select(func.count()).select_from(Member))
