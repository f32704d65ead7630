"""The audit log: who did what to which thing, in which store, when and from where.

``record_audit`` is the only writer. Rows are added to the caller's transaction, so an
action and its audit entry commit or roll back together. Entries are kept 180 days
(Cybersecurity Law art. 21), then deleted by the retention run (``purge_audit_log``).
"""
from datetime import datetime, timedelta

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, delete, select, text
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models import utcnow
from core.personal_data import exports_personal_data, retention_rule
from core.tenancy import current_tenant_id

AUDIT_RULE = "audit_log"


class AuditLog(db.Model):
    """Platform-owned: ``tenant_id`` is empty for platform-wide actions. On PostgreSQL a store
    reads only its own rows; platform rows only the platform role inside ``unscoped()``."""

    __tablename__ = "audit_log"
    # No INSERT … RETURNING: PostgreSQL would check the new row against the read policy, and
    # a store may write rows it cannot read back (the platform console's entries about it).
    __table_args__ = (Index("ix_audit_log_tenant_created", "tenant_id", "created_at"), {"implicit_returning": False})

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    actor_type: Mapped[str] = mapped_column(String(16), nullable=False)  # staff, platform_admin, system
    actor_id: Mapped[int | None]
    actor_label: Mapped[str | None] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    target_type: Mapped[str | None] = mapped_column(String(64))
    target_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict | None] = mapped_column(JSON)
    ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


def record_audit(action, *, actor=None, tenant_id=None, target=None, details=None):
    """Add an audit entry. ``actor`` is a StaffUser, a PlatformAdmin or None (the system).
    The entry's store: ``tenant_id``, else the actor's, else the store whose context this is
    (none: a platform row)."""
    actor_type = getattr(actor, "audit_actor_type", "staff") if actor is not None else "system"
    if tenant_id is None:
        tenant_id = getattr(actor, "tenant_id", None) or current_tenant_id()
    entry = AuditLog(
        tenant_id=tenant_id,
        actor_type=actor_type,
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None),
        action=action,
        target_type=type(target).__name__ if target is not None else None,
        target_id=str(target.id) if getattr(target, "id", None) is not None else None,
        details=details,
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry


@retention_rule(AUDIT_RULE, keep=timedelta(days=180), order=10,
                why=_l("Operation logs: at least six months (Cybersecurity Law art. 21), then deleted."))
def purge_audit_log(cutoff, *, now):
    """Delete the audit entries of the current store (outside any store: the platform's own
    entries) made before ``cutoff``. Returns how many."""
    tenant_id = current_tenant_id()
    if tenant_id is None and db.session.get_bind().dialect.name == "postgresql":
        # Only a session spanning stores sees platform rows: migration 0034's function does it.
        return db.session.scalar(text("SELECT duoshop_purge_platform_audit(:cutoff)"), {"cutoff": cutoff})
    owner = AuditLog.tenant_id.is_(None) if tenant_id is None else AuditLog.tenant_id == tenant_id
    return db.session.execute(delete(AuditLog).where(owner, AuditLog.created_at < cutoff)
                              .execution_options(synchronize_session=False)).rowcount


@exports_personal_data("audit_log", order=90)
def export_audit_entries(member_id):
    """What the store's staff did to the member's account (adjustments, exports, …)."""
    entries = db.session.scalars(select(AuditLog).where(AuditLog.tenant_id == current_tenant_id(),
                                                        AuditLog.target_type == "Member",
                                                        AuditLog.target_id == str(member_id))
                                 .order_by(AuditLog.id)).all()
    return [{"action": entry.action, "at": entry.created_at.isoformat(), "details": entry.details}
            for entry in entries]
