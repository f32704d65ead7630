"""Provisioning a new store: a job that finishes what sign-up started, idempotently.

Sign-up announces the store (``announce_sign_up``, in its transaction); the job runs as the
subscriber of that event. Packages contribute steps with ``@provisioning_step`` (default pages, sample categories,
the trial subscription) so tenants does not import them. Every step checks what exists
before creating it; running the job twice changes nothing, and two runs at once take
turns (the store's row is locked first). A job that was never queued or died on the way
is made up for by ``provision_stuck_stores`` in ``flask sweep``.
"""
import logging
from datetime import timedelta

from sqlalchemy import select, update

from core.audit import record_audit
from core.extensions import db
from core.jobs import run_job
from core.models import utcnow
from core.outbox import publish, subscriber
from core.tenancy import unscoped
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
    """Job: run every provisioning step for the store and open it. Safe to run twice, or
    twice at once (the second waits for the first, then finds everything there)."""
    tenant = db.session.get(Tenant, tenant_id, with_for_update=True, populate_existing=True)
    if tenant is None:
        log.warning("provisioning skipped: tenant %s does not exist", tenant_id)
        return False
    if db.session.scalar(select(StaffUser).where(StaffUser.role == StaffUser.OWNER)) is None:
        raise RuntimeError(f"store {tenant.slug} has no owner; sign-up did not finish")
    for _, _, step in _steps:
        step(tenant)
    now = utcnow()
    opened = db.session.execute(
        update(Tenant).where(Tenant.id == tenant.id, Tenant.status == Tenant.PROVISIONING)
        .values(status=Tenant.ACTIVE, provisioned_at=now).execution_options(synchronize_session=False)).rowcount
    if opened:
        tenant.status, tenant.provisioned_at = Tenant.ACTIVE, now
        record_audit("store.provisioned", tenant_id=tenant.id, target=tenant)
    db.session.commit()
    return True


STUCK_AFTER = timedelta(minutes=1)


def provision_stuck_stores(now=None):
    """Sweep (platform-wide): provision again every store still ``provisioning`` a minute
    after sign-up, whose job was lost (never queued, or its worker died). A store signed
    up within the minute is left to its own job. Returns the ids of the stores opened."""
    cutoff = (now or utcnow()) - STUCK_AFTER
    with unscoped():  # deliberate: which stores are stuck, across the platform
        stuck = db.session.scalars(select(Tenant.id).where(Tenant.status == Tenant.PROVISIONING,
                                                           Tenant.created_at <= cutoff).order_by(Tenant.id)).all()
    opened = []
    for tenant_id in stuck:
        try:
            run_job(provision_store, tenant_id, (tenant_id,))  # in its own app context, as the lost job would
            opened.append(tenant_id)
        except Exception:
            log.exception("provisioning store %s again failed; the next sweep tries again", tenant_id)
    return opened


SIGNED_UP = "store.signed_up"


def announce_sign_up(tenant):
    """In the sign-up transaction: the event whose subscriber provisions the store."""
    publish(SIGNED_UP, tenant_id=tenant.id)


@subscriber(SIGNED_UP, queue="high")
def provision_signed_up_store(event):
    provision_store(event.tenant_id)
