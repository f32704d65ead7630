"""Provisioning a new store: a job that finishes what sign-up started, idempotently.

Sign-up announces the store (``announce_sign_up``, in its transaction); the job runs as the
subscriber of that event. Packages contribute steps with ``@provisioning_step`` (default pages, sample categories,
the trial subscription) so tenants does not import them. Every step checks what exists
before creating it; running the job twice changes nothing.
"""
import logging

from sqlalchemy import select

from core.audit import record_audit
from core.extensions import db
from core.models import utcnow
from core.outbox import publish, subscriber
from tenants.models import StaffUser, Tenant

log = logging.getLogger(__name__)

_steps = []


def provisioning_step(order):
    """Register ``step(tenant)``; it runs inside the tenant's context, lowest order first."""

    def register(step):
        _steps.append((order, step.__module__ + "." + step.__qualname__, step))
        _steps.sort(key=lambda entry: (entry[0], entry[1]))
        return step

    return register


def provision_store(tenant_id):
    """Job: run every provisioning step for the store and open it. Safe to run twice."""
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        log.warning("provisioning skipped: tenant %s does not exist", tenant_id)
        return False
    if db.session.scalar(select(StaffUser).where(StaffUser.role == StaffUser.OWNER)) is None:
        raise RuntimeError(f"store {tenant.slug} has no owner; sign-up did not finish")
    for _, _, step in _steps:
        step(tenant)
    if tenant.status == Tenant.PROVISIONING:
        tenant.status = Tenant.ACTIVE
        tenant.provisioned_at = utcnow()
        record_audit("store.provisioned", tenant_id=tenant.id, target=tenant)
    db.session.commit()
    return True


SIGNED_UP = "store.signed_up"


def announce_sign_up(tenant):
    """In the sign-up transaction: the event whose subscriber provisions the store."""
    publish(SIGNED_UP, tenant_id=tenant.id)


@subscriber(SIGNED_UP, queue="high")
def provision_signed_up_store(event):
    provision_store(event.tenant_id)
