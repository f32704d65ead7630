"""What Duoshop keeps as a WeChat third-party platform: its own credentials (platform-wide),
the events it applied, each store's authorisation of its mini-program, each store's
release of a template version, and the platform's rollouts of a template to every store."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.crypto import EncryptedText
from core.extensions import db
from core.models import Timestamped, UtcDateTime, utcnow
from tenants.scoping import TenantScoped, tenant_foreign_key


class ComponentCredential(Timestamped, db.Model):
    """The platform's component_verify_ticket and component_access_token: one row per
    component AppID. Refreshing the token locks this row (``SELECT … FOR UPDATE``), so
    however many processes find the token stale, one of them asks WeChat."""

    __tablename__ = "wechat_component_credentials"

    component_appid: Mapped[str] = mapped_column(String(32), primary_key=True)
    verify_ticket: Mapped[str | None] = mapped_column(EncryptedText)
    verify_ticket_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    access_token: Mapped[str | None] = mapped_column(EncryptedText)
    access_token_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    refreshes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # how often WeChat was asked


class AppliedEvent(db.Model):
    """An authorisation or audit event already applied: its fixed id (a digest of where it
    came to and its decrypted XML, which WeChat's retries repeat) can be inserted once."""

    __tablename__ = "wechat_open_events"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    appid: Mapped[str | None] = mapped_column(String(32))
    applied_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)


class Authorization(TenantScoped, Timestamped, db.Model):
    """A store's mini-program authorised to the platform. The AppID is the mini-program
    row's (it routes /api/v1); the refresh token — the power to act for the merchant — is
    stored encrypted, as is the short-lived access token."""

    __tablename__ = "mini_program_authorizations"
    __tenant_table_args__ = (
        tenant_foreign_key("mini_program_id", "mini_programs", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "mini_program_id"),
    )

    AUTHORIZED = "authorized"  # the platform may manage its code
    REVOKED = "revoked"  # the merchant took the authorisation back (unauthorized event)

    mini_program_id: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=AUTHORIZED)
    refresh_token: Mapped[str | None] = mapped_column(EncryptedText)
    access_token: Mapped[str | None] = mapped_column(EncryptedText)
    access_token_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The mini-program's original id (gh_…): the ToUserName of every message WeChat pushes about it.
    original_id: Mapped[str | None] = mapped_column(String(32))
    func_scopes: Mapped[str | None] = mapped_column(String(255))  # the permission sets granted, comma-separated
    authorized_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    def is_active(self):
        return self.status == self.AUTHORIZED and bool(self.refresh_token)


class Rollout(Timestamped, db.Model):
    """A template version rolled out to every authorised store by a platform admin."""

    __tablename__ = "wechat_open_rollouts"

    RUNNING = "running"  # the job is working through the stores
    WAITING_QUOTA = "waiting_quota"  # WeChat's daily quota is spent: resumes at resume_at
    WAITING_AUDIT = "waiting_audit"  # everything submitted; audits still out
    DONE = "done"  # every store released (or rejected, with the reason shown)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(Integer, nullable=False)
    user_version: Mapped[str] = mapped_column(String(32), nullable=False)
    user_desc: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=RUNNING)
    resume_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    started_by: Mapped[str | None] = mapped_column(String(255))


class Release(TenantScoped, Timestamped, db.Model):
    """One template version on its way to a store's mini-program. Each WeChat call that
    must not be repeated has its intent column (``*_requested_at``), set by a conditional
    UPDATE and committed BEFORE the call: (store, template, step) is its fixed id, so a rerun
    that finds the intent asks WeChat what happened instead of calling again."""

    __tablename__ = "mini_program_releases"
    __tenant_table_args__ = (
        tenant_foreign_key("mini_program_id", "mini_programs", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "mini_program_id", "template_id"),
        Index("ix_mini_program_releases_rollout", "rollout_id"),  # the platform's progress spans stores
    )

    UPLOADED = "uploaded"  # 已上传: committed with the store's ext.json; the 体验版 QR works
    AUDITING = "auditing"  # 审核中
    APPROVED = "approved"  # 审核通过: may be released
    REJECTED = "rejected"  # 审核驳回: ``reason`` says why
    RELEASED = "released"  # 已发布: shoppers get this version
    STATUSES = (UPLOADED, AUDITING, APPROVED, REJECTED, RELEASED)

    mini_program_id: Mapped[int] = mapped_column(Integer, nullable=False)
    rollout_id: Mapped[int | None] = mapped_column(ForeignKey("wechat_open_rollouts.id", ondelete="SET NULL"))
    template_id: Mapped[int] = mapped_column(Integer, nullable=False)
    user_version: Mapped[str] = mapped_column(String(32), nullable=False)
    status: Mapped[str | None] = mapped_column(String(16))  # None: nothing uploaded yet
    auditid: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)  # why WeChat's review rejected it
    last_error: Mapped[str | None] = mapped_column(String(255))
    committed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    submit_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    audit_submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    audited_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    release_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    def can_submit(self):
        return self.status in (self.UPLOADED, self.REJECTED)

    def can_release(self):
        return self.status == self.APPROVED
