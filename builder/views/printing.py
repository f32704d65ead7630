"""Printing and electronic waybills in the console.

Print views (``/console/print/…``) are pages of their own, without the console's chrome, laid
out by builder/static/print.css for A4 (A5 for packing lists on request) and 100 × 180 mm
labels: an order (订单详情单), packing lists (发货单, several in one job), a picking list (拣货单)
for several packing lists, and waybill labels (面单). Receivers are masked as the order page
masks them for the staff member's role; a label carries the whole street (the courier
delivers to it) with the name and phone masked for everyone, as carriers' privacy labels
(隐私面单) do. PDF: the browser's 打印 → 另存为 PDF (no PDF library is shipped).

Waybill screens: the sender and carrier account (面单设置); 获取面单并发货 for one packing list or
the ticked ones (each its own waybill; one failing leaves the others sent, and the page says
which failed and why); the waybills made lately, with reprint and cancel.
"""
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from builder.blueprints import console_bp
from builder.forms.printing import PackingSelectionForm, WaybillSettingsForm
from builder.views.catalog import _actor, require_editor
from builder.views.orders import get_order_or_404, status_labels
from commerce.orders.queries import fulfillment_by_id
from commerce.pricing import order_receipt
from commerce.shipping.printing import (
    MAX_DOCUMENTS,
    barcode_svg,
    packing_documents,
    parse_ids,
    picking_rows,
    picking_totals,
    waybill_documents,
)
from commerce.shipping.tracking import CARRIERS
from commerce.shipping.waybill_queries import waybill_by_id, waybills_page
from commerce.shipping.waybills import (
    cancel_unused_waybill,
    save_waybill_settings,
    ship_many_with_waybills,
    ship_with_waybill,
    waybill_settings,
)
from core.clock import china_now
from core.crypto import mask_name, mask_phone
from core.form_checks import check_form
from core.refusals import Attempt

PAPER_SIZES = ("a4", "a5")
WAYBILLS_PAGE = 50
ACTIONS = ("print_packing", "print_picking", "waybills")
MAX_WAYBILLS_AT_ONCE = 20  # each asks the carrier while the merchant waits (a timeout is 10 s)


def _print_page(template, **context):
    return render_template(f"builder/printing/{template}", store=g.tenant, printed_at=china_now(),
                           carriers=CARRIERS, **context)


# --- print views ----------------------------------------------------------------------------

@console_bp.route("/print/orders/<number>")
def print_order(number):
    """订单详情单: one order on A4; the receiver as the role may see it."""
    order = get_order_or_404(number)
    return _print_page("order.html", order=order, receipt=order_receipt(order), status_labels=status_labels())


@console_bp.route("/print/packing")
def print_packing():
    """发货单: the packing lists ``ids`` (comma-separated), one per page, A4 or A5 (``size``).

    :raise 404: none of ``ids`` is a packing list of this store
    """
    documents = packing_documents(parse_ids(request.args.get("ids"))) or abort(404)
    size = request.args.get("size") if request.args.get("size") in PAPER_SIZES else "a4"
    return _print_page("packing.html", documents=documents, size=size,
                       ids=",".join(str(document.packing.id) for document in documents))


@console_bp.route("/print/picking")
def print_picking():
    """拣货单: the lines of the packing lists ``ids`` added up per warehouse and SKU, with a box to tick.

    :raise 404: none of ``ids`` is a packing list of this store
    """
    documents = packing_documents(parse_ids(request.args.get("ids"))) or abort(404)
    rows = picking_rows(documents)
    by_warehouse, total = picking_totals(rows)
    return _print_page("picking.html", documents=documents, rows=rows, by_warehouse=by_warehouse, total=total)


@console_bp.route("/print/waybills")
def print_waybills():
    """面单: the 100 × 180 mm labels of the waybills ``ids``, one per page.

    :raise 404: none of ``ids`` is an issued waybill of this store
    """
    labels = waybill_documents(parse_ids(request.args.get("ids"))) or abort(404)
    return _print_page("labels.html", labels=labels, barcode_svg=barcode_svg, label_name=mask_name,
                       label_phone=mask_phone)


# --- the ticked packing lists -----------------------------------------------------------------

@console_bp.route("/packing/selected", methods=["POST"])
def packing_selected():
    """The buttons over the packing lists: print the ticked ones (发货单 / 拣货单: on to the
    print view), or get their waybills and send them (editors only)."""
    form = PackingSelectionForm()
    with Attempt() as attempt:
        check_form(form)
    if attempt.refused or form.action.data not in ACTIONS:
        return redirect(url_for("console.packing_lists"))
    ids = (form.packing.data or [])[:MAX_DOCUMENTS]
    if not ids:
        flash(_("Tick at least one packing list."), "error")
        return redirect(url_for("console.packing_lists"))
    if form.action.data == "print_packing":
        size = form.size.data if form.size.data in PAPER_SIZES else "a4"
        return redirect(url_for("console.print_packing", ids=",".join(map(str, ids)), size=size), 303)
    if form.action.data == "print_picking":
        return redirect(url_for("console.print_picking", ids=",".join(map(str, ids))), 303)
    require_editor()
    if len(ids) > MAX_WAYBILLS_AT_ONCE:
        flash(_("Get waybills for at most %(n)d packing lists at once.", n=MAX_WAYBILLS_AT_ONCE), "error")
        return redirect(url_for("console.packing_lists"))
    lists = [packing for packing in (fulfillment_by_id(packing_id) for packing_id in ids) if packing is not None]
    results = ship_many_with_waybills(lists, actor=_actor())
    sent = [waybill for _packing, waybill, _message in results if waybill]
    return render_template("builder/printing/results.html", results=results, sent=len(sent), carriers=CARRIERS,
                           sent_ids=",".join(str(waybill.id) for waybill in sent))


@console_bp.route("/packing/<int:fulfillment_id>/waybill", methods=["POST"])
def packing_waybill(fulfillment_id):
    """获取面单并发货 for one packing list; on to its label."""
    require_editor()
    packing = fulfillment_by_id(fulfillment_id) or abort(404)
    form = PackingSelectionForm()
    waybill = None
    with Attempt() as attempt:  # a refusal is flashed above the list; the steps commit themselves
        check_form(form)
        waybill, _parcels = ship_with_waybill(packing, actor=_actor())
    if attempt.refused:
        return redirect(url_for("console.packing_lists"))
    flash(_("Sent with %(carrier)s waybill %(number)s.", carrier=CARRIERS.get(waybill.carrier, waybill.carrier),
            number=waybill.number), "success")
    return redirect(url_for("console.waybills_list", printed=waybill.id))


# --- waybills ---------------------------------------------------------------------------------

@console_bp.route("/waybills")
def waybills_list():
    """面单记录: waybills made, newest first, to print again or cancel."""
    page = waybills_page(per_page=WAYBILLS_PAGE, cursor=request.args.get("cursor"))
    return render_template("builder/printing/waybills.html", page=page, waybills=page.items, carriers=CARRIERS,
                           just_sent=request.args.get("printed", type=int), settings=waybill_settings(),
                           can_edit=current_user.can_edit())


@console_bp.route("/waybills/<int:waybill_id>/cancel", methods=["POST"])
def waybill_cancel(waybill_id):
    require_editor()
    waybill = waybill_by_id(waybill_id) or abort(404)
    form = PackingSelectionForm()
    with Attempt() as attempt:
        check_form(form)
        cancel_unused_waybill(waybill, actor=_actor())
    if not attempt.refused:
        flash(_("Waybill %(number)s cancelled.", number=waybill.number), "success")
    return redirect(url_for("console.waybills_list"))


@console_bp.route("/waybills/settings", methods=["GET", "POST"])
def waybill_settings_page():
    """面单设置: the carrier account and the sender printed on every label."""
    settings = waybill_settings()
    if request.method == "GET":
        form = WaybillSettingsForm(obj=settings) if settings else WaybillSettingsForm(
            sender_name=g.tenant.name, sender_phone=g.tenant.contact_phone or "")
        return render_template("builder/printing/settings.html", form=form, settings=settings,
                               can_edit=current_user.can_edit())
    require_editor()
    form = WaybillSettingsForm()
    with Attempt(form, field="carrier") as attempt:
        check_form(form)
        save_waybill_settings(carrier=form.carrier.data, partner_id=form.partner_id.data,
                              partner_key=form.partner_key.data, sender_name=form.sender_name.data,
                              sender_phone=form.sender_phone.data, sender_region=form.sender_region.data,
                              sender_detail=form.sender_detail.data, actor=_actor())
    if attempt.refused:
        return render_template("builder/printing/settings.html", form=form, settings=settings,
                               can_edit=True), 422
    flash(_("Waybill settings saved."), "success")
    return redirect(url_for("console.packing_lists"))
