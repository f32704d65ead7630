"""The shopper's side of consent on H5: the sign-in page's required 「我已阅读并同意《隐私政策》」
and optional choices, the store's /privacy, and /me/privacy's one-tap switches and agreeing
again after a new version, in Chinese, with nothing crossing to another store."""
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from commerce.members.consent import consent_state, has_consent, publish_policy, record_consents
from commerce.members.models import Member, MemberConsent
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tests.commerce.members.test_wechat_login import (
    IN_WECHAT,
    log_in,
    members,
    start_login,
    wechat_login,  # noqa: F401  (the fixture)
)
from tests.conftest import csrf_from
from tests.factories import create_member, create_store

ZH = {**IN_WECHAT, "Accept-Language": "zh-CN,zh;q=0.9"}
ACCOUNT, MARKETING, PROFILING = MemberConsent.ACCOUNT, MemberConsent.MARKETING, MemberConsent.PROFILING


@pytest.fixture
def stores(app_ctx):
    """demo with 小明, tea with 小红: ``(demo, tea, demo member id, tea member id)``."""
    demo, tea = create_store("demo"), create_store("tea")
    demo_member, _ = create_member(demo, nickname="小明")
    tea_member, _ = create_member(tea, nickname="小红")
    return demo, tea, demo_member, tea_member


def signed_in(client, store, member_id):
    with client.session_transaction(base_url=f"http://{store.slug}.duoshop.test") as session:
        session["member_id"] = member_id
    return client


def publish(store, body):
    with tenant_context(store.id):
        owner = db.session.scalar(select(StaffUser).where(StaffUser.email == store.owner_email))
        policy = publish_policy("隐私政策", body, actor=owner)
        db.session.commit()
        return policy.version


def consent_rows(store):
    with tenant_context(store.id):
        return db.session.scalar(select(func.count()).select_from(MemberConsent))


@pytest.mark.usefixtures("wechat_login")
def test_sign_in_without_ticking_the_policy_is_refused_and_nothing_is_written(app_ctx, store_client):
    demo = create_store("demo")
    shopper = store_client("demo")
    answer = shopper.get("/login", headers=ZH)
    wechat = urlsplit(app_ctx.config["WECHAT_OPEN_BASE_URL"])
    assert f"{wechat.scheme}://{wechat.netloc}" in answer.headers["Content-Security-Policy"]  # the form goes there
    page = answer.get_data(as_text=True)
    assert "我已阅读并同意" in page and 'href="/privacy"' in page and "《隐私政策》" in page
    assert 'name="marketing" value="y">' in page and 'name="profiling" value="y">' in page  # optional, unticked
    refused = start_login(shopper, ZH, consents=("marketing", "profiling"))
    assert refused.status_code == 422
    assert "请先阅读并勾选同意《隐私政策》" in refused.get_data(as_text=True)
    assert members(demo) == [] and consent_rows(demo) == 0
    with shopper.session_transaction(base_url="http://demo.duoshop.test") as session:
        assert "wechat_login" not in session  # no sign-in under way


@pytest.mark.usefixtures("wechat_login")
def test_signing_in_records_the_account_and_the_ticked_choices_under_the_policy_shown(stores, store_client):
    demo, tea, *_ = stores
    version = publish(demo, "演示店的隐私政策")
    shopper = store_client("demo")
    landed = log_in(shopper, consents=("agree", "profiling"), nickname="新顾客")
    assert landed.status_code == 302
    member = next(found for found in members(demo) if found.nickname == "新顾客")
    with tenant_context(demo.id):
        rows = db.session.scalars(select(MemberConsent).where(MemberConsent.member_id == member.id)
                                  .order_by(MemberConsent.id)).all()
        assert [(row.purpose, row.granted, row.policy_version, row.channel) for row in rows] == [
            (ACCOUNT, True, version, "h5"), (PROFILING, True, version, "h5")]  # marketing unticked: no row
    assert consent_rows(tea) == 0


def test_the_store_privacy_page_shows_its_own_policy_or_the_platform_default(stores, store_client):
    demo, tea, *_ = stores
    default = store_client("tea").get("/privacy", headers=ZH).get_data(as_text=True)
    assert "平台通用版本" in default and "180 天" in default and "3 年" in default
    publish(demo, "第一段\n\n第二段第一行\n第二段第二行")
    page = store_client("demo").get("/privacy", headers=ZH).get_data(as_text=True)
    assert "第 1 版" in page and "<p>第一段</p>" in page and "第二段第一行<br>第二段第二行" in page
    assert "演示" not in store_client("tea").get("/privacy", headers=ZH).get_data(as_text=True)
    assert "第一段" not in store_client("tea").get("/privacy", headers=ZH).get_data(as_text=True)


def test_the_privacy_page_needs_a_signed_in_member(stores, store_client):
    answer = store_client("demo").get("/me/privacy", headers=ZH)
    assert answer.status_code == 302 and "/login?next=/me/privacy" in answer.location


def test_the_member_center_links_to_the_privacy_page_in_chinese(stores, store_client):
    demo, _, member, _ = stores
    shopper = signed_in(store_client("demo"), demo, member)
    me = shopper.get("/me", headers=ZH).get_data(as_text=True)
    assert 'href="/me/privacy"' in me and "隐私与数据" in me
    assert "请阅读并确认最新的《隐私政策》" in me  # a member from before consents were asked


def test_withdrawing_is_one_tap_and_stops_at_once(stores, store_client):
    demo, tea, member, tea_member = stores
    with tenant_context(demo.id):
        record_consents(member, {ACCOUNT: True, MARKETING: True, PROFILING: True}, channel="miniprogram")
        db.session.commit()
    shopper = signed_in(store_client("demo"), demo, member)
    page = shopper.get("/me/privacy", headers=ZH).get_data(as_text=True)
    assert "隐私与数据" in page and "平台通用版隐私政策" in page and "个性化推荐（用户画像）" in page
    assert page.count('aria-checked="true"') == 2 and "请阅读" not in page
    token = csrf_from(shopper, "/me/privacy")
    answer = shopper.post("/me/privacy/profiling", data={"csrf_token": token, "granted": "off"}, headers=ZH)
    assert answer.status_code == 302 and answer.location == "/me/privacy"
    with tenant_context(demo.id):
        assert not has_consent(member, PROFILING) and has_consent(member, MARKETING)
    after = shopper.get("/me/privacy", headers=ZH).get_data(as_text=True)
    assert "已关闭「个性化推荐（用户画像）」" in after and after.count('aria-checked="true"') == 1
    shopper.post("/me/privacy/profiling", data={"csrf_token": token, "granted": "on"}, headers=ZH)
    with tenant_context(demo.id):
        assert has_consent(member, PROFILING)
    with tenant_context(tea.id):
        assert consent_state(tea_member)[PROFILING].granted is False


@pytest.mark.parametrize(("path", "form", "status"), [
    ("/me/privacy/account", {"granted": "off"}, 404),  # the account's consent: close the account instead
    ("/me/privacy/spam", {"granted": "on"}, 404),
    ("/me/privacy/marketing", {"granted": "maybe"}, 302),  # refused with a message, nothing written
    ("/me/privacy/marketing", {}, 302),
])
def test_a_switch_that_cannot_be_read_writes_nothing(stores, store_client, path, form, status):
    demo, _, member, _ = stores
    shopper = signed_in(store_client("demo"), demo, member)
    token = csrf_from(shopper, "/me/privacy")
    assert shopper.post(path, data={"csrf_token": token, **form}, headers=ZH).status_code == status
    assert consent_rows(demo) == 0


def test_a_switch_without_the_csrf_token_is_refused(stores, store_client):
    demo, _, member, _ = stores
    shopper = signed_in(store_client("demo"), demo, member)
    assert shopper.post("/me/privacy/marketing", data={"granted": "on"}, headers=ZH).status_code == 400
    assert consent_rows(demo) == 0


def test_another_stores_member_id_in_the_session_finds_no_member(stores, store_client):
    demo, tea, _, tea_member = stores
    shopper = signed_in(store_client("demo"), demo, tea_member)  # tea's id, on demo's host
    assert shopper.get("/me/privacy", headers=ZH).status_code == 302


def test_a_new_policy_version_asks_to_agree_again_and_agreeing_records_it(stores, store_client):
    demo, tea, member, _ = stores
    with tenant_context(demo.id):
        record_consents(member, {ACCOUNT: True}, channel="h5")
        db.session.commit()
    shopper = signed_in(store_client("demo"), demo, member)
    assert "请阅读" not in shopper.get("/me", headers=ZH).get_data(as_text=True)
    version = publish(demo, "新版政策")
    page = shopper.get("/me/privacy", headers=ZH).get_data(as_text=True)
    assert "已更新，请阅读后确认同意" in page
    token = csrf_from(shopper, "/me/privacy")
    stale = shopper.post("/me/privacy/agree", data={"csrf_token": token, "version": "0"}, headers=ZH)
    assert stale.status_code == 302 and consent_rows(demo) == 1  # read an older text: asked again
    shopper.post("/me/privacy/agree", data={"csrf_token": token, "version": str(version)}, headers=ZH)
    with tenant_context(demo.id):
        assert consent_state(member)[ACCOUNT].policy_version == version
    page = shopper.get("/me/privacy", headers=ZH).get_data(as_text=True)
    assert "已更新" not in page and f"同意第 {version} 版隐私政策" in page
    with tenant_context(tea.id):
        assert db.session.scalar(select(func.count()).select_from(Member)) == 1
