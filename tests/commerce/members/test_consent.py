"""A store's versioned privacy policy and its members' consents: append-only, only changes
written, withdrawal effective at the next query, and nothing crossing to another store."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from commerce.members.consent import (
    DEFAULT_BODY,
    ConsentRefused,
    PolicyInvalid,
    consent_state,
    consenting_member_ids,
    current_policy,
    erase_consents,
    export_consents,
    has_consent,
    needs_reconsent,
    policy_versions,
    publish_policy,
    record_consents,
    withdraw_consent,
)
from commerce.members.models import Member, MemberConsent, PrivacyPolicy
from core.audit import AuditLog
from core.extensions import db
from core.personal_data import personal_data_erasers, personal_data_exporters
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tests.factories import create_member, create_store

ACCOUNT, MARKETING, PROFILING = MemberConsent.ACCOUNT, MemberConsent.MARKETING, MemberConsent.PROFILING
H5, MINIPROGRAM = MemberConsent.H5, MemberConsent.MINIPROGRAM
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def stores(app_ctx):
    """demo and tea, one member each: ``(demo, tea, demo member id, tea member id)``."""
    demo, tea = create_store("demo"), create_store("tea")
    demo_member, _ = create_member(demo)
    tea_member, _ = create_member(tea)
    return demo, tea, demo_member, tea_member


def owner_of(store):
    return db.session.scalar(select(StaffUser).where(StaffUser.email == store.owner_email))


def consent_rows(store):
    with tenant_context(store.id):
        return db.session.scalar(select(func.count()).select_from(MemberConsent))


def test_a_store_without_a_policy_shows_the_platform_default_as_version_0(stores):
    demo, *_ = stores
    with tenant_context(demo.id):
        policy = current_policy()
    assert policy.version == 0 and policy.body == DEFAULT_BODY
    for must_name in ("180 天", "3 年", "导出", "注销", "用户画像", "营销"):
        assert must_name in DEFAULT_BODY


def test_publishing_makes_a_new_version_audited_and_only_in_that_store(stores):
    demo, tea, *_ = stores
    with tenant_context(demo.id):
        owner = owner_of(demo)
        first = publish_policy("隐私政策", "第一版", actor=owner, now=NOW)
        second = publish_policy(" 隐私政策（修订） ", "第二版\r\n\r\n第二段", actor=owner)
        db.session.commit()
        assert (first.version, second.version) == (1, 2)
        assert current_policy().body == "第二版\n\n第二段" and current_policy().title == "隐私政策（修订）"
        assert [p.version for p in policy_versions()] == [2, 1]
        audited = db.session.scalars(select(AuditLog).where(AuditLog.action == "privacy_policy.published")).all()
        assert [entry.details["version"] for entry in audited] == [1, 2]
        assert all(entry.actor_id == owner.id for entry in audited)
    with tenant_context(tea.id):
        assert current_policy().version == 0 and policy_versions() == []
        assert publish_policy("隐私政策", "茶店的", actor=owner_of(tea)).version == 1  # versions count per store


@pytest.mark.parametrize(("title", "body", "field"), [
    ("", "正文", "title"), ("   ", "正文", "title"), ("题" * 101, "正文", "title"),
    ("隐私政策", "", "body"), ("隐私政策", " \n ", "body"), ("隐私政策", "字" * 20_001, "body"),
])
def test_a_policy_without_title_or_text_or_too_long_is_refused_and_nothing_written(stores, title, body, field):
    demo, *_ = stores
    with tenant_context(demo.id):
        with pytest.raises(PolicyInvalid) as refused:
            publish_policy(title, body, actor=owner_of(demo))
        db.session.rollback()
        assert refused.value.field == field
        assert db.session.scalar(select(func.count()).select_from(PrivacyPolicy)) == 0


def test_only_changes_are_written_and_the_latest_row_is_the_state(stores):
    demo, _, member, _ = stores
    with tenant_context(demo.id):
        written = record_consents(member, {ACCOUNT: True, MARKETING: False, PROFILING: True}, channel=H5, now=NOW)
        assert [(row.purpose, row.granted, row.policy_version) for row in written] == [
            (ACCOUNT, True, 0), (PROFILING, True, 0)]  # a refusal of what was never granted writes nothing
        assert record_consents(member, {ACCOUNT: True, PROFILING: True}, channel=MINIPROGRAM) == []
        later = NOW + timedelta(days=1)
        assert withdraw_consent(member, PROFILING, channel=H5, now=later).granted is False
        assert withdraw_consent(member, PROFILING, channel=H5) is None
        db.session.commit()
        state = consent_state(member)
    assert list(state) == [ACCOUNT, MARKETING, PROFILING]
    assert (state[ACCOUNT].granted, state[ACCOUNT].policy_version, state[ACCOUNT].at) == (True, 0, NOW)
    assert (state[MARKETING].granted, state[MARKETING].at) == (False, None)
    assert (state[PROFILING].granted, state[PROFILING].at) == (False, later)
    assert consent_rows(demo) == 3


def test_withdrawal_stops_has_consent_and_the_subquery_at_once(stores):
    demo, _, member, _ = stores
    other, _ = create_member(demo, nickname="老客")
    with tenant_context(demo.id):
        record_consents(member, {ACCOUNT: True, MARKETING: True, PROFILING: True}, channel=H5)
        record_consents(other, {ACCOUNT: True, PROFILING: True}, channel=MINIPROGRAM)
        db.session.commit()
        profiled = select(Member.id).where(Member.id.in_(consenting_member_ids(PROFILING))).order_by(Member.id)
        assert has_consent(member, PROFILING) and db.session.scalars(profiled).all() == [member, other]
        withdraw_consent(member, PROFILING, channel=H5)
        db.session.commit()
        assert not has_consent(member, PROFILING)
        assert db.session.scalars(profiled).all() == [other]
        assert has_consent(member, MARKETING)  # the other purposes keep their state
        assert db.session.scalars(consenting_member_ids(MARKETING)).all() == [member]
        record_consents(member, {PROFILING: True}, channel=H5)  # granting again is one more row
        assert db.session.scalars(profiled).all() == [member, other]


def test_the_account_consent_cannot_be_withdrawn_by_a_switch(stores):
    demo, _, member, _ = stores
    with tenant_context(demo.id):
        record_consents(member, {ACCOUNT: True}, channel=H5)
        db.session.commit()
        with pytest.raises(ConsentRefused):
            withdraw_consent(member, ACCOUNT, channel=H5)
        with pytest.raises(ConsentRefused):
            record_consents(member, {ACCOUNT: False, MARKETING: True}, channel=H5)
        db.session.rollback()
    assert consent_rows(demo) == 1


def test_unknown_purposes_and_channels_are_programming_errors(stores):
    demo, _, member, _ = stores
    with tenant_context(demo.id):
        with pytest.raises(ValueError):
            record_consents(member, {"spam": True}, channel=H5)
        with pytest.raises(ValueError):
            record_consents(member, {MARKETING: True}, channel="sms")
        with pytest.raises(ValueError):
            has_consent(member, "spam")


def test_a_new_policy_version_asks_members_to_agree_again(stores):
    demo, _, member, _ = stores
    with tenant_context(demo.id):
        assert needs_reconsent(member)  # never agreed (a member from before consents were asked)
        record_consents(member, {ACCOUNT: True, PROFILING: True}, channel=H5)
        assert not needs_reconsent(member)
        publish_policy("隐私政策", "新版", actor=owner_of(demo))
        assert needs_reconsent(member)
        assert has_consent(member, PROFILING)  # agreed choices stay until withdrawn
        written = record_consents(member, {ACCOUNT: True, PROFILING: True}, channel=MINIPROGRAM)
        assert [(row.purpose, row.policy_version) for row in written] == [(ACCOUNT, 1), (PROFILING, 1)]
        assert not needs_reconsent(member)


def test_consents_never_cross_stores(stores):
    demo, tea, demo_member, tea_member = stores
    with tenant_context(demo.id):
        record_consents(demo_member, {ACCOUNT: True, MARKETING: True, PROFILING: True}, channel=H5)
        publish_policy("隐私政策", "演示店", actor=owner_of(demo))
        db.session.commit()
    with tenant_context(tea.id):
        assert not has_consent(demo_member, PROFILING)  # the id is demo's member: tea sees no row
        assert consent_state(demo_member)[ACCOUNT].granted is False
        assert db.session.scalars(consenting_member_ids(PROFILING)).all() == []
        assert export_consents(demo_member) == []
        record_consents(tea_member, {ACCOUNT: True}, channel=MINIPROGRAM)
        db.session.commit()
        assert current_policy().version == 0
    with tenant_context(demo.id):
        assert db.session.scalars(consenting_member_ids(ACCOUNT)).all() == [demo_member]
    assert (consent_rows(demo), consent_rows(tea)) == (3, 1)


def test_export_lists_every_row_and_erasure_keeps_them_with_a_final_withdrawal(stores):
    demo, tea, member, tea_member = stores
    assert "consents" in [holder.name for holder in personal_data_exporters()]
    assert "consents" in [holder.name for holder in personal_data_erasers()]
    with tenant_context(tea.id):
        record_consents(tea_member, {ACCOUNT: True, PROFILING: True}, channel=H5)
        db.session.commit()
    with tenant_context(demo.id):
        record_consents(member, {ACCOUNT: True, MARKETING: True}, channel=H5, now=NOW)
        withdraw_consent(member, MARKETING, channel=H5, now=NOW + timedelta(hours=1))
        exported = export_consents(member)
        assert [(row["purpose"], row["granted"], row["channel"]) for row in exported] == [
            (ACCOUNT, True, H5), (MARKETING, True, H5), (MARKETING, False, H5)]
        assert exported[0]["at"] == NOW.isoformat() and exported[0]["policy_version"] == 0
        erase_consents(member, now=NOW + timedelta(days=1))
        db.session.commit()
        assert [(row["purpose"], row["granted"], row["channel"]) for row in export_consents(member)][3:] == [
            (ACCOUNT, False, MemberConsent.SYSTEM)]
        assert not any(state.granted for state in consent_state(member).values())
    with tenant_context(tea.id):
        assert has_consent(tea_member, PROFILING)


def test_two_publishes_at_the_same_moment_make_one_version_and_a_409(stores, monkeypatch):
    demo, *_ = stores
    with tenant_context(demo.id):
        owner = owner_of(demo)
        publish_policy("隐私政策", "第一版", actor=owner)
        db.session.commit()
        real_scalar = db.session.scalar
        # The other publish read the same latest version: this one's max(version) is stale.
        monkeypatch.setattr(db.session, "scalar", lambda statement: 0 if "max" in str(statement) else
                            real_scalar(statement))
        with pytest.raises(PolicyInvalid) as refused:
            publish_policy("隐私政策", "同时发布", actor=owner)
        monkeypatch.undo()
        db.session.rollback()
        assert refused.value.status == 409
        assert [p.version for p in policy_versions()] == [1]
