"""Named reads of the current store's own rows for the console (the session scopes each select)."""
from sqlalchemy import select

from core.extensions import db
from core.pagination import Ordering, paginate
from tenants.models import Domain, MiniProgram, StaffUser, Tenant


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


def find_staff(user_id):
    """The current store's staff member, or None."""
    return db.session.scalar(select(StaffUser).where(StaffUser.id == user_id))


def invite_is_open(token):
    """Whether the current store has a pending invitation with ``token``."""
    return db.session.scalar(select(StaffUser.id).where(StaffUser.invite_token == token)) is not None


CONSOLE_STAFF = Ordering("console:staff", StaffUser.id)  # the owner first, then by joining


def console_staff(*, cursor=None, per_page=50):
    """A ``core.pagination.Page`` of the store's staff, oldest first, with the total count.

    :raise BadCursor: ``cursor`` is not from this list
    """
    return paginate(select(StaffUser), CONSOLE_STAFF, per_page=per_page, cursor=cursor, with_total=True)
