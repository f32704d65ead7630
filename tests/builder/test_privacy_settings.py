"""The console's privacy policy screen (设置 › 隐私政策): owners and admins publish versions
(audited), everyone reads them, a refused text writes nothing, and a member's page shows their
consents read-only; nothing from another store."""
import pytest
from sqlalchemy import func, select

from commerce.members.consent import current_policy, record_consents
from commerce.members.models import MemberConsent, PrivacyPolicy
from core.audit import AuditLog
from core.extensions import db
from core.tenancy import tenant_context
from tests.conftest import csrf_from
from tests.factories import create_member, create_staff, create_store, login_staff

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


@pytest.fixture
def stores(app_ctx):
    return create_store("demo"), create_store("tea")


def publish(client, **form):
    token = csrf_from(client, "/console/settings/privacy")
    return client.post("/console/settings/privacy", data={"csrf_token": token, **form}, headers=ZH)


def versions(store):
    with tenant_context(store.id):
        return db.session.scalars(select(PrivacyPolicy.version).order_by(PrivacyPolicy.version)).all()


def test_the_owner_starts_from_the_default_text_and_publishes_versions_audited(stores, platform_client):
    demo, tea = stores
    login_staff(platform_client, demo)
    page = platform_client.get("/console/settings/privacy", headers=ZH).get_data(as_text=True)
    assert "当前：平台通用版本" in page and "180 天" in page and "发布为新版本" in page
    assert 'href="/console/settings/privacy"' in platform_client.get("/console/settings", headers=ZH).get_data(
        as_text=True)
    answer = publish(platform_client, title="隐私政策", body="本店隐私政策第一版。\r\n\r\n第二段。")
    assert answer.status_code == 302
    assert "第 1 版隐私政策已发布" in platform_client.get(answer.location, headers=ZH).get_data(as_text=True)
    publish(platform_client, title="隐私政策（修订）", body="第二版。")
    assert versions(demo) == [1, 2] and versions(tea) == []
    page = platform_client.get("/console/settings/privacy", headers=ZH).get_data(as_text=True)
    assert "当前：第 2 版" in page and "第 1 版" in page and "本店隐私政策第一版。" in page
    with tenant_context(demo.id):
        audited = db.session.scalars(select(AuditLog).where(AuditLog.action == "privacy_policy.published").order_by(AuditLog.id)).all()
        assert [entry.details["version"] for entry in audited] == [1, 2]
    with tenant_context(tea.id):
        assert current_policy().version == 0


@pytest.mark.parametrize(("form", "message"), [
    ({"title": "", "body": "正文"}, "请填写政策标题"),
    ({"title": "隐私政策", "body": "   "}, "政策正文不能为空"),
    ({"title": "题" * 101, "body": "正文"}, "标题最多 100 个字"),
])
def test_a_policy_that_cannot_be_published_is_shown_again_with_the_reason(stores, platform_client, form, message):
    demo, _ = stores
    login_staff(platform_client, demo)
    answer = publish(platform_client, **form)
    assert answer.status_code == 422 and message in answer.get_data(as_text=True)
    assert versions(demo) == []


@pytest.mark.parametrize(("role", "may_publish"), [("admin", True), ("operator", False), ("viewer", False)])
def test_only_owners_and_admins_publish_and_everyone_reads(stores, platform_client, role, may_publish):
    demo, _ = stores
    create_staff(demo, f"{role}@demo.example.com", role)
    login_staff(platform_client, demo, email=f"{role}@demo.example.com")
    page = platform_client.get("/console/settings/privacy", headers=ZH)
    assert page.status_code == 200
    assert ("发布为新版本" in page.get_data(as_text=True)) is may_publish
    answer = publish(platform_client, title="隐私政策", body="正文")
    assert answer.status_code == (302 if may_publish else 403)
    assert versions(demo) == ([1] if may_publish else [])


def test_publishing_without_the_csrf_token_is_refused(stores, platform_client):
    demo, _ = stores
    login_staff(platform_client, demo)
    answer = platform_client.post("/console/settings/privacy", data={"title": "隐私政策", "body": "正文"}, headers=ZH)
    assert answer.status_code == 400 and versions(demo) == []


def test_the_member_page_shows_the_consents_read_only(stores, platform_client):
    demo, tea = stores
    member, _ = create_member(demo, nickname="小明")
    tea_member, _ = create_member(tea, nickname="小红")
    with tenant_context(demo.id):
        record_consents(member, {MemberConsent.ACCOUNT: True, MemberConsent.PROFILING: True}, channel="miniprogram")
        record_consents(member, {MemberConsent.PROFILING: False}, channel="h5")
        db.session.commit()
    login_staff(platform_client, demo)
    page = platform_client.get(f"/console/members/{member}", headers=ZH).get_data(as_text=True)
    assert "隐私授权" in page and "已同意" in page and "已撤回" in page and "小程序" in page and "H5 商城" in page
    assert "营销消息" in page and "未同意" in page
    assert platform_client.get(f"/console/members/{tea_member}", headers=ZH).status_code == 404
    with tenant_context(demo.id):
        assert db.session.scalar(select(func.count()).select_from(MemberConsent)) == 3  # rows only added
