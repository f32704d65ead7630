"""Shipping's background jobs: polling 快递100 for parcels still on their way."""
import logging
from datetime import timedelta

from sqlalchemy import or_, select

from commerce.shipping.models import Parcel
from commerce.shipping.tracking import TrackingUnavailable, poll, record_tracking
from core.extensions import db
from core.jobs import enqueue
from core.models import utcnow
from core.outbox import OutboxEvent, publish, subscriber
from core.tenancy import tenant_context, unscoped

log = logging.getLogger(__name__)

POLL_EVERY = timedelta(hours=2)  # 快递100 asks for no more than one query per parcel every half hour
BATCH = 200  # parcels per run; the rest wait for the next one


def poll_parcels(tenant_id, now=None):
    """Job: ask 快递100 about the store's parcels in transit not asked about for
    ``POLL_EVERY``, keep what it says, and come back later while any is still on its way.

    Idempotent: a second run within ``POLL_EVERY`` finds nothing due and asks nothing.
    Returns how many parcels were checked.
    """
    now = now or utcnow()
    with tenant_context(tenant_id):
        due = db.session.scalars(
            select(Parcel).where(Parcel.status == Parcel.IN_TRANSIT,
                                 or_(Parcel.last_checked_at.is_(None), Parcel.last_checked_at <= now - POLL_EVERY))
            .order_by(Parcel.last_checked_at.is_not(None), Parcel.last_checked_at, Parcel.id).limit(BATCH)).all()
        checked = 0
        for parcel in due:
            try:
                tracking = poll(parcel.carrier, parcel.tracking_number)
            except TrackingUnavailable as problem:
                log.info("parcel %s %s not tracked this time: %s", parcel.carrier, parcel.tracking_number, problem)
                parcel.last_checked_at = now
            else:
                record_tracking(parcel, tracking, now=now)
                checked += 1
            db.session.commit()
        if db.session.scalar(select(Parcel.id).where(Parcel.status == Parcel.IN_TRANSIT).limit(1)) is not None:
            schedule_parcel_polls(tenant_id)
            db.session.commit()
    return checked


POLL_DUE = "parcels.poll_due"


def schedule_parcel_polls(tenant_id):
    """In the current transaction: run ``poll_parcels`` for the store in ``POLL_EVERY``,
    unless a run is already waiting, so several shipments share one run."""
    waiting = db.session.scalar(select(OutboxEvent.id).where(
        OutboxEvent.topic == POLL_DUE, OutboxEvent.tenant_id == tenant_id, OutboxEvent.done_at.is_(None),
        OutboxEvent.sent_at.is_(None)).limit(1))  # not yet handed out (a running one is, and ends)
    if waiting is None:
        publish(POLL_DUE, tenant_id=tenant_id, available_at=utcnow() + POLL_EVERY)


@subscriber(POLL_DUE, queue="low")
def poll_parcels_when_due(event):
    poll_parcels(event.tenant_id)


def poll_all_stores():
    """Reconciler (platform-wide, from a scheduler such as cron): start ``poll_parcels`` for
    every store with parcels in transit, in case a store's chain of scheduled polls was lost
    (rq does not promise to run every scheduled job). Returns the stores' ids."""
    with unscoped():  # deliberate: only which stores have parcels on their way, no rows
        tenant_ids = db.session.scalars(
            select(Parcel.tenant_id).where(Parcel.status == Parcel.IN_TRANSIT).distinct()).all()
    for tenant_id in tenant_ids:
        enqueue(poll_parcels, tenant_id, tenant_id=tenant_id, queue="low")
    return sorted(tenant_ids)
