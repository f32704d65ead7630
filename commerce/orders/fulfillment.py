"""Packing lists (发货单): splitting paid orders by warehouse, merging a member's orders to
the same address, and shipping a whole packing list in one parcel.

When an order is paid, each of its lines goes to the open packing list of (member,
delivery address, warehouse of its product) — made if there is none. So an order whose
products ship from two warehouses becomes two packing lists (split), and a second order
of the same member to the same address, paid before the first is sent, joins the same
list (merge). Shipping a list records one parcel under one tracking number for every
order in it, through ``ship_order``, which moves each order's state.

The address is compared by a keyed hash (HMAC with the app's secret) of its normalized
text, so the encrypted columns never need to be decrypted in SQL.
"""
import hashlib
import hmac
from collections import defaultdict

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from commerce.catalog.models import Product
from commerce.orders.errors import OrderStateError
from commerce.orders.models import Fulfillment, FulfillmentLine, Order, OrderLine
from commerce.shipping.parcels import packing_progress, ship_order
from core.extensions import db

DEFAULT_WAREHOUSE = "default"


def address_key(order):
    text = "|".join(part.strip() for part in (order.ship_name, order.ship_phone, order.ship_province_code,
                                               order.ship_region, order.ship_detail))
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()


def assign_to_fulfillments(order, *, warehouse=None):
    """Put a just-paid order's lines on packing lists (split by warehouse, merged with the
    member's open lists to the same address). Returns the packing lists touched.

    :param warehouse: send every line from this warehouse instead of its product's (a big
        pre-sale spread over the store's warehouses)"""
    rows = db.session.execute(select(OrderLine, Product.warehouse).join(Product, Product.id == OrderLine.product_id)
                              .where(OrderLine.order_id == order.id)).all()
    by_warehouse = defaultdict(list)
    for line, own in rows:
        by_warehouse[(warehouse or own or DEFAULT_WAREHOUSE).strip() or DEFAULT_WAREHOUSE].append(line)
    key = address_key(order)
    touched = []
    for sent_from, lines in sorted(by_warehouse.items()):
        fulfillment = db.session.scalar(
            select(Fulfillment).where(Fulfillment.status == Fulfillment.OPEN, Fulfillment.member_id == order.member_id,
                                      Fulfillment.warehouse == sent_from, Fulfillment.address_key == key)
            .order_by(Fulfillment.id).limit(1).with_for_update())
        if fulfillment is None:
            fulfillment = Fulfillment(member_id=order.member_id, warehouse=sent_from, address_key=key)
            db.session.add(fulfillment)
            db.session.flush()
        for line in lines:
            db.session.add(FulfillmentLine(fulfillment_id=fulfillment.id, order_id=order.id, order_line_id=line.id,
                                           quantity=line.quantity))
        touched.append(fulfillment)
    db.session.flush()
    return touched


def fulfillment_orders(fulfillment):
    ids = sorted({line.order_id for line in fulfillment.lines})
    return db.session.scalars(select(Order).where(Order.id.in_(ids)).order_by(Order.id)).all() if ids else []


def ship_fulfillment(fulfillment, *, carrier, tracking_number, actor):
    """Send a packing list in one parcel: each of its orders gets a parcel record with the
    same tracking number and its own lines (less anything refunded or already sent from the
    order's page since).

    :raise OrderStateError: the list was already sent, or none of its orders can ship
    :raise InvalidParcel: a bad carrier or tracking number
    """
    if fulfillment.status != Fulfillment.OPEN:
        raise OrderStateError(_("This packing list has already been sent."))
    left, shipped = packing_progress(fulfillment.lines)
    per_order = defaultdict(list)
    for item in fulfillment.lines:
        if left[item.order_line_id] > 0:
            per_order[item.order_id].append((item.order_line_id, left[item.order_line_id]))
    orders = [order for order in fulfillment_orders(fulfillment)
              if per_order.get(order.id) and order.status in (Order.PAID, Order.PARTIALLY_SHIPPED)]
    if not orders:
        if any(shipped.values()):  # its orders were shipped from their own pages
            raise OrderStateError(_("This packing list has already been sent."))
        raise OrderStateError(_("Nothing on this packing list can be sent (refunded or cancelled)."))
    changed = db.session.execute(update(Fulfillment).where(Fulfillment.id == fulfillment.id,
                                                           Fulfillment.status == Fulfillment.OPEN)
                                 .values(status=Fulfillment.SHIPPED).execution_options(synchronize_session=False))
    if changed.rowcount != 1:  # sent by someone else meanwhile
        raise OrderStateError(_("This packing list has already been sent."))
    fulfillment.status = Fulfillment.SHIPPED
    parcels = []
    for order in orders:
        parcels += ship_order(order, [(carrier, tracking_number, per_order[order.id])], actor=actor)
    return parcels
