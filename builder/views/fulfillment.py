"""Packing lists waiting to be sent (split by warehouse, merged per address), a page at a
time: ship one in a single parcel with a carrier and tracking number."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from builder.blueprints import console_bp
from builder.forms.orders import PackingShipForm
from commerce.orders.fulfillment import ship_fulfillment
from commerce.orders.queries import fulfillment_by_id, lines_by_id, open_packing_page, orders_by_id
from commerce.shipping.parcels import packing_progress
from commerce.shipping.tracking import CARRIERS
from commerce.shipping.waybill_queries import live_waybills_of
from core.form_checks import check_form
from core.refusals import Attempt

PAGE_SIZE = 50


@console_bp.route("/packing")
def packing_lists():
    page = open_packing_page(per_page=PAGE_SIZE, cursor=request.args.get("cursor"))
    items = [item for packing in page.items for item in packing.lines]
    left, _shipped = packing_progress(items)
    return render_template("builder/fulfillment/list.html", page=page, waiting=page.items,
                           lines=lines_by_id([item.order_line_id for item in items]),
                           orders=orders_by_id([item.order_id for item in items]), left=left,
                           carriers=CARRIERS, can_edit=current_user.can_edit(),
                           waybills=live_waybills_of([packing.id for packing in page.items]))


@console_bp.route("/packing/<int:fulfillment_id>/ship", methods=["POST"])
def packing_ship(fulfillment_id):
    if not current_user.can_edit():
        abort(403)
    packing = fulfillment_by_id(fulfillment_id) or abort(404)
    form = PackingShipForm()
    with Attempt() as attempt:  # a refusal is flashed above the list
        check_form(form)
        ship_fulfillment(packing, carrier=form.carrier.data, tracking_number=form.tracking_number.data,
                         actor=current_user._get_current_object())
    if not attempt.refused:
        flash(_("Packing list sent."), "success")
    return redirect(url_for("console.packing_lists"))
