"""Electronic waybills (电子面单) for packing lists: the store's sender settings, getting a
waybill from the carrier and sending the packing list under its number in one step, several
lists at once, and cancelling an unused waybill.

The outside call is made safe to repeat: the waybill row, with a fixed ``request_id``, is
committed before the carrier is asked, and every later attempt for the same packing list
asks again under that id (the carrier answers a repeated orderId with the waybill it already
made). So a request that timed out after the carrier made the waybill finds that waybill
again, and a packing list never gets two. The answer is committed before the list is sent,
so a number the carrier gave is never lost; ``reconcile_waybills`` (a sweep step) asks again
for requests whose answer was lost. This module sits above the orders (``tools/import_graph``):
it sends packing lists through ``commerce.orders.fulfillment``.
"""
import logging
import uuid
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from commerce.orders.errors import OrderStateError
from commerce.orders.fulfillment import fulfillment_orders, ship_fulfillment
from commerce.orders.models import Fulfillment, OrderLine
from commerce.shipping.errors import InvalidWaybillSettings, WaybillFailed
from commerce.shipping.tracking import CARRIERS
from commerce.shipping.waybill_api import (
    Party,
    WaybillRefused,
    WaybillUnavailable,
    cancel_waybill,
    request_waybill,
)
from commerce.shipping.waybill_models import Waybill, WaybillSettings
from core.audit import record_audit
from core.errors import DomainError
from core.extensions import db
from core.models import utcnow
from core.sweep_steps import sweep_step

log = logging.getLogger(__name__)

LOST_ANSWER_AFTER = timedelta(minutes=5)  # a request still unanswered this long is asked again by the sweep
RECONCILE_BATCH = 50


# --- settings ---------------------------------------------------------------------------

def waybill_settings():
    """The current store's sender and carrier account, or None before they are set."""
    return db.session.scalar(select(WaybillSettings).limit(1))


def save_waybill_settings(*, carrier, partner_id, partner_key, sender_name, sender_phone, sender_region,
                          sender_detail, actor):
    """Set the store's waybill carrier and sender. An empty ``partner_key`` keeps the one stored.

    :raise InvalidWaybillSettings: an unknown carrier or a missing part of the sender
    """
    if carrier not in CARRIERS:
        raise InvalidWaybillSettings(_("Choose a carrier."), field="carrier")
    values = {"sender_name": sender_name, "sender_phone": sender_phone, "sender_region": sender_region,
              "sender_detail": sender_detail}
    for name, value in values.items():
        if not (value or "").strip():
            raise InvalidWaybillSettings(_("This field is required."), field=name)
    settings = waybill_settings() or WaybillSettings()
    settings.carrier, settings.partner_id = carrier, (partner_id or "").strip() or None
    if partner_key:
        settings.partner_key = partner_key
    for name, value in values.items():
        setattr(settings, name, value.strip())
    db.session.add(settings)
    db.session.flush()
    record_audit("waybill.settings", actor=actor, tenant_id=settings.tenant_id,
                 details={"carrier": carrier, "partner_id": settings.partner_id,
                          "partner_key_changed": bool(partner_key)})
    return settings


# --- getting a waybill ------------------------------------------------------------------

def live_waybill(fulfillment_id):
    """The packing list's waybill that is not cancelled, or None."""
    return db.session.scalar(select(Waybill).where(Waybill.fulfillment_id == fulfillment_id,
                                                   Waybill.status != Waybill.CANCELLED))


def _intent(fulfillment, settings, actor):
    """The packing list's live waybill, or a new one in ``requested`` with a fresh request
    id — committed, so the id is on record before the carrier is asked."""
    waybill = live_waybill(fulfillment.id)
    if waybill is not None:
        return waybill
    waybill = Waybill(fulfillment_id=fulfillment.id, request_id=uuid.uuid4().hex, carrier=settings.carrier,
                      status=Waybill.REQUESTED, staff_id=getattr(actor, "id", None))
    db.session.add(waybill)
    try:
        db.session.commit()
    except IntegrityError:  # another click made it first: use that one
        db.session.rollback()
        return live_waybill(fulfillment.id)
    return waybill


def _parties(fulfillment, settings):
    orders = fulfillment_orders(fulfillment)
    if not orders:
        raise OrderStateError(_("Nothing on this packing list can be sent (refunded or cancelled)."))
    first = orders[0]  # every order on a packing list goes to the same address
    receiver = Party(first.ship_name, first.ship_phone, f"{first.ship_region} {first.ship_detail}")
    sender = Party(settings.sender_name, settings.sender_phone, f"{settings.sender_region} {settings.sender_detail}")
    lines = db.session.scalars(select(OrderLine).where(
        OrderLine.id.in_([item.order_line_id for item in fulfillment.lines]))).all()
    goods = "、".join(dict.fromkeys(line.title for line in lines))
    return sender, receiver, goods, sum(item.quantity for item in fulfillment.lines)


def _ask_carrier(waybill, fulfillment, settings):
    """Ask the carrier under the waybill's request id and keep its answer (committed).

    :raise WaybillFailed: no answer or a refusal; the reason is kept on the waybill
    """
    sender, receiver, goods, count = _parties(fulfillment, settings)
    waybill.attempts += 1
    try:
        issued = request_waybill(request_id=waybill.request_id, carrier=waybill.carrier,
                                 partner_id=settings.partner_id, partner_key=settings.partner_key,
                                 sender=sender, receiver=receiver, goods=goods, count=count)
    except WaybillUnavailable as problem:
        log.info("waybill %s for packing list %s not answered: %s", waybill.request_id, fulfillment.id, problem)
        waybill.error = _("The carrier did not answer. Try again: the same request is asked again, "
                          "so no second waybill is made.")[:255]
        db.session.commit()
        raise WaybillFailed(waybill.error, status=502) from problem
    except WaybillRefused as refusal:
        waybill.error = refusal.message[:255]
        db.session.commit()
        raise WaybillFailed(refusal.message) from refusal
    # Only a request still waiting takes the answer: another press may have used it meanwhile.
    db.session.execute(update(Waybill).where(Waybill.id == waybill.id, Waybill.status == Waybill.REQUESTED).values(
        number=issued.number, status=Waybill.ISSUED, error=None, attempts=waybill.attempts,
        routing={**issued.routing, "sender": sender.as_param(), "goods": goods, "count": count})
        .execution_options(synchronize_session=False))
    db.session.commit()
    db.session.refresh(waybill)
    return waybill


def issue_waybill(fulfillment, *, actor):
    """A waybill number for an open packing list (the one it already has, if any).

    :raise InvalidWaybillSettings: no sender or carrier set yet
    :raise OrderStateError: the list was already sent
    :raise WaybillFailed: the carrier did not answer or refused (try again later)
    """
    settings = waybill_settings()
    if settings is None:
        raise InvalidWaybillSettings(_("Set the sender's address and carrier for waybills first."))
    if fulfillment.status != Fulfillment.OPEN:
        raise OrderStateError(_("This packing list has already been sent."))
    waybill = _intent(fulfillment, settings, actor)
    if waybill.status == Waybill.REQUESTED:
        _ask_carrier(waybill, fulfillment, settings)
    return waybill


def ship_with_waybill(fulfillment, *, actor):
    """获取面单并发货: get the packing list's waybill and send the list under its number.
    Commits its own steps (the intent, the carrier's answer, the shipment).

    :raise InvalidWaybillSettings / OrderStateError / WaybillFailed: as ``issue_waybill``;
        nothing is sent. A waybill given but not used stays on the list for the next try.
    """
    waybill = issue_waybill(fulfillment, actor=actor)
    if waybill.status != Waybill.ISSUED:
        raise OrderStateError(_("This packing list has already been sent."))
    parcels = ship_fulfillment(fulfillment, carrier=waybill.carrier, tracking_number=waybill.number, actor=actor)
    waybill.status = Waybill.USED
    record_audit("waybill.ship", actor=actor, tenant_id=waybill.tenant_id, target=waybill,
                 details={"carrier": waybill.carrier, "number": waybill.number, "packing_list": fulfillment.id})
    db.session.commit()
    return waybill, parcels


def ship_many_with_waybills(fulfillments, *, actor):
    """``ship_with_waybill`` for each packing list on its own: one that fails leaves the
    others sent. Once the carrier does not answer, the lists after it are not tried (each
    would wait out the timeout too). Returns ``[(fulfillment, waybill or None, refusal
    message or None)]``."""
    results, carrier_silent = [], False
    for fulfillment in fulfillments:
        if carrier_silent:
            results.append((fulfillment, None, _("Not tried: the carrier did not answer for an earlier list. "
                                                 "Try again in a moment.")))
            continue
        try:
            waybill, _parcels = ship_with_waybill(fulfillment, actor=actor)
        except DomainError as refusal:  # no settings, already sent, the carrier said no …: this list only
            db.session.rollback()
            results.append((fulfillment, None, refusal.message))
            carrier_silent = isinstance(refusal, WaybillFailed) and refusal.status == 502
        else:
            results.append((fulfillment, waybill, None))
    return results


def cancel_unused_waybill(waybill, *, actor):
    """Give a waybill that no parcel uses back to the carrier.

    :raise WaybillFailed: it is used or still unanswered, or the carrier refused / did not answer
    """
    if waybill.status != Waybill.ISSUED:
        raise WaybillFailed(_("Only a waybill that was issued and not yet used can be cancelled."), status=409)
    settings = waybill_settings()
    try:
        cancel_waybill(request_id=waybill.request_id, carrier=waybill.carrier, number=waybill.number,
                       partner_id=settings and settings.partner_id, partner_key=settings and settings.partner_key)
    except WaybillUnavailable as problem:
        raise WaybillFailed(_("The carrier did not answer. Try again later."), status=502) from problem
    except WaybillRefused as refusal:
        raise WaybillFailed(refusal.message) from refusal
    waybill.status = Waybill.CANCELLED
    record_audit("waybill.cancel", actor=actor, tenant_id=waybill.tenant_id, target=waybill,
                 details={"carrier": waybill.carrier, "number": waybill.number})
    return waybill


# --- reconciling lost answers -------------------------------------------------------------

@sweep_step(order=75, outcome="waybills_found")
def reconcile_waybills(now=None):
    """Sweep step, in one store: ask again, under their own request ids, for waybills whose
    request has had no kept answer for ``LOST_ANSWER_AFTER`` (the process died or the answer
    was lost), and keep what the carrier says. Returns how many got their number."""
    now = now or utcnow()
    settings = waybill_settings()
    if settings is None:
        return 0
    waiting = db.session.scalars(select(Waybill).where(
        Waybill.status == Waybill.REQUESTED, Waybill.updated_at <= now - LOST_ANSWER_AFTER)
        .order_by(Waybill.id).limit(RECONCILE_BATCH)).all()
    found = 0
    for waybill in waiting:
        fulfillment = db.session.get(Fulfillment, waybill.fulfillment_id)
        if fulfillment is None or fulfillment.status != Fulfillment.OPEN:
            continue
        try:
            _ask_carrier(waybill, fulfillment, settings)
            found += 1
        except (WaybillFailed, OrderStateError):
            db.session.rollback()
    return found
