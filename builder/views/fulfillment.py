"""Packing lists waiting to be sent (split by warehouse, merged per address): ship one in
a single parcel with a carrier and tracking number."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from builder.views import console_bp
from commerce.orders.fulfillment import open_fulfillments, ship_fulfillment
from commerce.orders.models import Fulfillment, Order, OrderLine
from commerce.shipping.tracking import CARRIERS
from core.crypto import mask_phone
from core.errors import DomainError
from core.extensions import db


@console_bp.route("/packing")
def packing_lists():
    waiting = open_fulfillments()
    line_ids = [item.order_line_id for packing in waiting for item in packing.lines]
    lines = {line.id: line for line in db.session.scalars(select(OrderLine).where(OrderLine.id.in_(line_ids)))} \
        if line_ids else {}
    order_ids = {item.order_id for packing in waiting for item in packing.lines}
    orders = {order.id: order for order in db.session.scalars(select(Order).where(Order.id.in_(order_ids)))} \
        if order_ids else {}
    return render_template("builder/fulfillment/list.html", waiting=waiting, lines=lines, orders=orders,
                           carriers=CARRIERS, mask_phone=mask_phone, can_edit=current_user.can_edit())


@console_bp.route("/packing/<int:fulfillment_id>/ship", methods=["POST"])
def packing_ship(fulfillment_id):
    if not current_user.can_edit():
        abort(403)
    packing = db.session.scalar(select(Fulfillment).where(Fulfillment.id == fulfillment_id)) or abort(404)
    try:
        ship_fulfillment(packing, carrier=request.form.get("carrier", ""),
                         tracking_number=request.form.get("tracking_number", ""),
                         actor=current_user._get_current_object())
    except DomainError as refusal:
        db.session.rollback()
        flash(str(refusal.message), "error")
        return redirect(url_for("console.packing_lists"))
    db.session.commit()
    flash(_("Packing list sent."), "success")
    return redirect(url_for("console.packing_lists"))
