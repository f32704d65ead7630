"""Named reads of the current store's own rows for the console (the session scopes each select)."""
from sqlalchemy import select

from core.clock import to_china
from core.extensions import db
from core.models import utcnow
from core.outbox import OutboxEvent
from core.pagination import Ordering, paginate
from tenants.models import Domain, MiniProgram, StaffUser, Tenant
from tenants.provisioning import SIGNED_UP, STUCK_AFTER


def store_domains():
    return db.session.scalars(select(Domain).order_by(Domain.id)).all()


def store_domain(domain_id):
    """The current store's domain, or None."""
    return db.session.scalar(select(Domain).where(Domain.id == domain_id))


def store_mini_programs():
    return db.session.scalars(select(MiniProgram).order_by(MiniProgram.id)).all()


def find_store(tenant_id):
    """The store (tenant) row by id, or None; tenants are not scoped rows."""
    return db.session.get(Tenant, tenant_id) if tenant_id else None


SETTING_UP, READY, FAILED = "setting_up", "ready", "failed"


def provisioning_state(tenant, now=None):
    """How the store's set-up is going, for the page after sign-up: ``ready`` once it is
    provisioned (open, or closed since), ``failed`` when a provisioning run raised (the
    outbox retries it) or nothing finished it within ``STUCK_AFTER`` (the sweep retries it),
    else ``setting_up``."""
    if tenant.status != Tenant.PROVISIONING:
        return READY
    if (now or utcnow()) - to_china(tenant.created_at) > STUCK_AFTER:  # to_china: SQLite gives it naive
        return FAILED
    failed = db.session.scalar(select(OutboxEvent.id).where(
        OutboxEvent.tenant_id == tenant.id, OutboxEvent.topic == SIGNED_UP, OutboxEvent.done_at.is_(None),
        OutboxEvent.last_error.is_not(None)).limit(1))
    return FAILED if failed else SETTING_UP


def find_staff(user_id):
    """The current store's staff member, or None."""
    return db.session.scalar(select(StaffUser).where(StaffUser.id == user_id))


def active_staff():
    """The store's active staff, oldest first (owner first)."""
    return db.session.scalars(select(StaffUser).where(StaffUser.active.is_(True)).order_by(StaffUser.id)).all()


def invite_is_open(token):
    """Whether the current store has a pending invitation with ``token``."""
    return db.session.scalar(select(StaffUser.id).where(StaffUser.invite_token == token)) is not None


CONSOLE_STAFF = Ordering("console:staff", StaffUser.id)  # the owner first, then by joining


def console_staff(*, cursor=None, per_page=50):
    """A ``core.pagination.Page`` of the store's staff, oldest first, with the total count.

    :raise BadCursor: ``cursor`` is not from this list
    """
    return paginate(select(StaffUser), CONSOLE_STAFF, per_page=per_page, cursor=cursor, with_total=True)
