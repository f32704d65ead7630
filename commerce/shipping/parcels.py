"""Sending an order: ``ship_order`` records its parcels and moves the order with the orders
package's state machine (``ship_part`` while lines remain, ``ship_all`` when nothing is
left to send). This module sits at the orders' level (``tools/import_graph``: it moves an
order, and packing lists in ``commerce.orders.fulfillment`` ship through it); the rest of
shipping (fees, regions, tracking) is below orders."""
import re

from flask_babel import gettext as _
from sqlalchemy import select

from commerce.orders import states
from commerce.orders.errors import OrderStateError
from commerce.orders.hooks import run_order_hooks
from commerce.orders.models import Fulfillment, FulfillmentLine, OrderLine
from commerce.shipping.errors import InvalidParcel
from commerce.shipping.jobs import schedule_parcel_polls
from commerce.shipping.models import Parcel
from commerce.shipping.tracking import CARRIERS
from core.audit import record_audit
from core.extensions import db

TRACKING_NUMBER = re.compile(r"^[A-Za-z0-9-]{6,40}$")


def order_parcels(order):
    return db.session.scalars(select(Parcel).where(Parcel.order_id == order.id).order_by(Parcel.id)).all()


def shipped_quantities(order):
    """``{order line id: units already sent}`` over the order's parcels."""
    sent = {}
    for parcel in order_parcels(order):
        for item in parcel.lines:
            sent[item["line_id"]] = sent.get(item["line_id"], 0) + item["quantity"]
    return sent


def packing_progress(items):
    """For packing-list items (``FulfillmentLine``): ``({order line id: units still to send},
    {order line id: units already sent})`` — what is left is the item's quantity less
    refunds and parcels already sent (from the list, or from the order's own page)."""
    if not items:
        return {}, {}
    lines = {line.id: line for line in db.session.scalars(select(OrderLine).where(
        OrderLine.id.in_({item.order_line_id for item in items})))}
    sent = {}
    for parcel in db.session.scalars(select(Parcel).where(Parcel.order_id.in_({item.order_id for item in items}))):
        for content in parcel.lines:
            sent[content["line_id"]] = sent.get(content["line_id"], 0) + content["quantity"]
    left, shipped = {}, {}
    for item in items:
        line = lines[item.order_line_id]
        shipped[item.order_line_id] = min(sent.get(line.id, 0), item.quantity)
        left[item.order_line_id] = max(min(item.quantity, line.quantity - line.refunded_quantity
                                           - sent.get(line.id, 0)), 0)
    return left, shipped


def _close_sent_packing_lists(order):
    """A packing list holding this order's lines is sent once none of its items has units
    left to send — also when the order was shipped from its own page."""
    for packing in db.session.scalars(select(Fulfillment).where(
            Fulfillment.status == Fulfillment.OPEN,
            Fulfillment.id.in_(select(FulfillmentLine.fulfillment_id).where(FulfillmentLine.order_id == order.id)))):
        left, _shipped = packing_progress(packing.lines)
        if not any(left.values()):
            packing.status = Fulfillment.SHIPPED


def ship_order(order, parcels, *, actor):
    """Send some or all of a paid order. ``parcels`` is a list of ``(carrier, tracking
    number, lines)`` with ``lines`` a list of ``(order line id, quantity)``. Lines may be
    split over parcels and over several calls; refunded units are not sent.

    Returns the new ``Parcel`` rows and schedules tracking polls (after commit). A packing
    list with nothing left to send afterwards is closed (marked sent).

    :raise InvalidParcel: unknown carrier, bad number, a line not in the order, more
        units than are left to send, or an empty parcel
    :raise OrderStateError: the order is not (or no longer) paid or partly shipped
    """
    if not states.allowed("ship_part", order.status):
        raise OrderStateError(_("Only a paid order can be shipped."))
    lines = {line.id: line for line in db.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id))}
    left = {line_id: line.quantity - line.refunded_quantity for line_id, line in lines.items()}
    for line_id, quantity in shipped_quantities(order).items():
        left[line_id] = left.get(line_id, 0) - quantity
    if not parcels:
        raise InvalidParcel(_("Add at least one parcel."), field="parcels")
    created = []
    for index, (carrier, number, parcel_lines) in enumerate(parcels):
        number = (number or "").strip()
        if carrier not in CARRIERS:
            raise InvalidParcel(_("Choose a carrier."), field=f"parcel_{index}_carrier")
        if not TRACKING_NUMBER.match(number):
            raise InvalidParcel(_("%(number)s is not a tracking number.", number=number or "—"),
                                field=f"parcel_{index}_number")
        if (carrier, number) in [(p.carrier, p.tracking_number) for p in created] or db.session.scalar(
                select(Parcel.id).where(Parcel.order_id == order.id, Parcel.carrier == carrier,
                                        Parcel.tracking_number == number)):
            raise InvalidParcel(_("Tracking number %(number)s is already used.", number=number),
                                field=f"parcel_{index}_number")
        contents = _parcel_contents(parcel_lines, lines, left, index)
        created.append(Parcel(order_id=order.id, carrier=carrier, tracking_number=number, lines=contents))
    db.session.add_all(created)
    db.session.flush()
    event = "ship_all" if all(quantity <= 0 for quantity in left.values()) else "ship_part"
    if not states.transition(order, event):
        raise OrderStateError(_("Only a paid order can be shipped."))
    _close_sent_packing_lists(order)
    run_order_hooks("shipped", order, created)
    record_audit("order.ship", actor=actor, tenant_id=order.tenant_id, target=order,
                 details={"parcels": [[p.carrier, p.tracking_number] for p in created], "status": order.status})
    schedule_parcel_polls(order.tenant_id)
    return created


def _parcel_contents(parcel_lines, lines, left, index):
    contents = {}
    for line_id, quantity in parcel_lines:
        line = lines.get(line_id)
        if line is None:
            raise InvalidParcel(_("That item is not in this order."), field=f"parcel_{index}_lines")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
            raise InvalidParcel(_("Quantities must be whole numbers above 0."), field=f"parcel_{index}_lines")
        if quantity > left[line_id]:
            raise InvalidParcel(_("Only %(n)d of %(title)s are left to send.", n=max(left[line_id], 0),
                                  title=line.title), field=f"parcel_{index}_lines")
        left[line_id] -= quantity
        contents[line_id] = contents.get(line_id, 0) + quantity
    if not contents:
        raise InvalidParcel(_("A parcel needs at least one item."), field=f"parcel_{index}_lines")
    return [{"line_id": line_id, "quantity": quantity} for line_id, quantity in contents.items()]
