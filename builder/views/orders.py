"""Order screens: the list (status tabs, search, dates, pages with a count), the CSV
export, and one order's page with its timeline and the merchant's actions (remark, cancel,
ship, refund).

Handlers load → check access (viewers only look → 403) → read the form → call one verb from
``commerce.orders`` / ``commerce.shipping`` inside an ``Attempt`` (commit, or roll back) →
redirect. A refused action re-renders the order with the message and what was typed, and
writes nothing. Receivers are shown as ``tenants.field_access`` lets the role see them (phones
masked for everyone); owners and admins may reveal one order's receiver or export full
addresses, and each time it is written to the audit log (``builder.views.personal_fields``).
"""
import csv
import io
from datetime import UTC

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user

from builder.blueprints import console_bp
from builder.forms.orders import ExportForm, OrderFilterForm, RefundForm, RemarkForm, ShipForm
from builder.views.catalog import _actor, require_editor
from builder.views.personal_fields import may_reveal_all, reveal, shown
from commerce.inventory.queries import order_line_batches
from commerce.marketing.presales.queries import order_presale
from commerce.orders.errors import OrderStateError
from commerce.orders.models import Order, Refund
from commerce.orders.queries import latest_payment, order_batches, order_by_number, orders_page
from commerce.orders.refunds import (
    REFUNDABLE,
    order_refunds,
    refund_order,
    refund_status_labels,
    refundable_amount,
)
from commerce.orders.service import cancel_order, set_merchant_remark
from commerce.orders.states import allowed
from commerce.pricing import order_receipt
from commerce.shipping.parcels import order_parcels, ship_order, shipped_quantities
from commerce.shipping.tracking import CARRIERS
from core.audit import record_audit
from core.clock import china_today
from core.database import reads_lag_tolerant
from core.form_checks import check_form
from core.money import format_money
from core.refusals import Attempt
from tenants.field_access import FIELDS, NAME, PHONE, STREET

PAGE_SIZE = 50
EXPORT_BATCH = 500
MAX_EXPORT_ORDERS = 20_000  # a bigger export is narrowed with the date range
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def status_labels():
    return {Order.PENDING_PAYMENT: _("To pay"), Order.PAID: _("To ship"),
            Order.PARTIALLY_SHIPPED: _("Partly shipped"), Order.SHIPPED: _("Shipped"),
            Order.COMPLETED: _("Completed"), Order.CANCELLED: _("Cancelled"), Order.REFUNDING: _("Refunding"),
            Order.REFUNDED: _("Refunded")}


def get_order_or_404(number):
    """An order of the current store by its number, or 404 (another store's number finds nothing).

    :raise 404: no such order in this store
    """
    order = order_by_number(number)
    if order is None:
        abort(404)
    return order


# --- the list and the export ----------------------------------------------------------

def _aware(moment):
    """SQLite gives back ``created_at`` without its zone; it is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


@console_bp.route("/orders")
def orders_list():
    form = OrderFilterForm(request.args)
    page = orders_page(form.filters(), per_page=PAGE_SIZE, cursor=request.args.get("cursor"))
    return render_template("builder/orders/list.html", page=page, orders=page.items, form=form,
                           filters=form.filters(), status_labels=status_labels(), may_see_full=may_reveal_all())


@console_bp.route("/orders/export.csv", methods=["GET", "POST"])
@reads_lag_tolerant  # an export may be a second old; its audit entry is a write, so it goes to the primary
def orders_export():
    """GET: receivers as the role sees them (``tenants.field_access``: phones masked, no
    street). POST (owners and admins, audited): may include the full address and phone."""
    if request.method == "POST" and not may_reveal_all():
        abort(403)
    form = ExportForm() if request.method == "POST" else OrderFilterForm(request.args)
    full = request.method == "POST" and form.full.data
    rows = _export_rows(form.filters(), full=full)
    if full:
        with Attempt():
            record_audit("order.export_full", actor=_actor(), tenant_id=g.tenant.id,
                         details={"filters": form.args(), "lines": len(rows) - 1, "fields": list(FIELDS)})
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel opens UTF-8 with a BOM as UTF-8
    csv.writer(buffer).writerows([[_cell(value) for value in row] for row in rows])
    filename = f"orders-{g.tenant.slug}-{china_today().isoformat()}.csv"
    return Response(buffer.getvalue().encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


def _export_rows(filters, *, full):
    labels = status_labels()
    header = [_("Order number"), _("Created"), _("Status"), _("Product"), _("Option"), _("Unit price"),
              _("Quantity"), _("Refunded quantity"), _("Order total"), _("Receiver"), _("Phone"), _("Region")]
    rows = [header + ([_("Receiver's address")] if full else [])]
    for batch in order_batches(filters, batch_size=EXPORT_BATCH, limit=MAX_EXPORT_ORDERS):
        for order in batch:
            created = _aware(order.created_at).astimezone(get_timezone()).strftime("%Y-%m-%d %H:%M:%S")
            receiver = [order.ship_name if full else shown(NAME, order.ship_name),
                        order.ship_phone if full else shown(PHONE, order.ship_phone), order.ship_region]
            for line in order.lines:
                rows.append([order.number, created, labels.get(order.status, order.status), line.title,
                             line.sku_label, _plain_yuan(line.price), line.quantity, line.refunded_quantity,
                             _plain_yuan(order.total), *receiver, *([order.ship_detail] if full else [])])
    return rows


def _cell(value):
    """Text a spreadsheet would run as a formula is kept as text (CSV injection)."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _plain_yuan(fen):
    return f"{fen // 100}.{fen % 100:02d}"


# --- one order ------------------------------------------------------------------------

@console_bp.route("/orders/<number>")
def order_detail(number):
    return _render_detail(get_order_or_404(number))


@console_bp.route("/orders/<number>/address", methods=["POST"])
def order_reveal_address(number):
    """Owners and admins see the receiver's whole name, phone and address once; audited.

    :raise 403: the role may not reveal them  :raise 404: no such order in this store
    """
    order = get_order_or_404(number)
    with Attempt():
        reveal(order, FIELDS, actor=_actor())
    return _render_detail(order, full_address=True)


@console_bp.route("/orders/<number>/remark", methods=["POST"])
def order_remark(number):
    require_editor()
    order = get_order_or_404(number)
    form = RemarkForm()
    with Attempt(form, flash=False) as attempt:
        check_form(form)
        set_merchant_remark(order, form.remark.data or "", actor=_actor())
    return _done(order, attempt, {"remark": form.remark.data or ""}, _("Remark saved."))


@console_bp.route("/orders/<number>/cancel", methods=["POST"])
def order_cancel(number):
    require_editor()
    order = get_order_or_404(number)
    with Attempt(flash=False) as attempt:
        if not cancel_order(order, reason="merchant", actor=_actor()):
            raise OrderStateError(_("Only an unpaid order can be cancelled."))
    return _done(order, attempt, {}, _("Order cancelled; its stock is back on sale."))


@console_bp.route("/orders/<number>/ship", methods=["POST"])
def order_ship(number):
    require_editor()
    order = get_order_or_404(number)
    form = ShipForm.for_order(order)
    entered = {"carrier": form.carrier.data or "", "tracking_number": form.tracking_number.data or "",
               "ship": {line.id: form[f"ship_{line.id}"]._value().strip() for line in order.lines}}
    with Attempt(form, flash=False) as attempt:
        check_form(form)
        ship_order(order, [(form.carrier.data, form.tracking_number.data, form.contents(order))], actor=_actor())
    return _done(order, attempt, entered, _("Parcel recorded."))


@console_bp.route("/orders/<number>/refund", methods=["POST"])
def order_refund(number):
    require_editor()
    order = get_order_or_404(number)
    form = RefundForm.for_order(order)
    entered = {"amount": form.amount._value().strip(), "reason": form.reason.data or "",
               "restock": {line.id: form[f"restock_{line.id}"]._value().strip() for line in order.lines}}
    with Attempt(form, flash=False) as attempt:  # refund_order commits its own steps (commerce.orders.refunds)
        check_form(form)
        refund = refund_order(order, amount=form.amount.data, reason=form.reason.data or "", actor=_actor(),
                              restock=form.restock(order))
    if attempt.refused:
        return _done(order, attempt, entered, None)
    return _done(order, attempt, entered, _("Refund submitted to WeChat Pay, awaiting its confirmation.")
                 if refund.status == Refund.SUBMITTED else _("Refund requested from WeChat Pay."))


def _done(order, attempt, entered, message):
    """Back to the order with ``message``, or the order again with the refusal and what was typed."""
    if attempt.refused:
        # WeChat refusing (502) is shown on the page like any refusal, not as a server error.
        return _render_detail(order, error=attempt.refusal, entered=entered, status=min(attempt.status, 422))
    flash(message, "success")
    return redirect(url_for("console.order_detail", number=order.number))


def _render_detail(order, *, error=None, entered=None, full_address=False, status=200):
    parcels, refunds = order_parcels(order), order_refunds(order)
    shipped = shipped_quantities(order)
    lines = [{"line": line, "shipped": shipped.get(line.id, 0),
              "to_ship": max(line.quantity - line.refunded_quantity - shipped.get(line.id, 0), 0)}
             for line in order.lines]
    payment = latest_payment(order)
    entered = {"remark": order.merchant_remark or "", "carrier": "", "tracking_number": "", "ship": {},
               "amount": "", "reason": "", "restock": {}, **(entered or {})}
    return render_template(
        "builder/orders/detail.html", order=order, lines=lines, parcels=parcels, refunds=refunds,
        receipt=order_receipt(order), batches=order_line_batches(order), presale=order_presale(order),
        timeline=_timeline(order, parcels, refunds), payment=payment, error=error, entered=entered,
        full_address=full_address, receiver=_receiver(order, revealed=full_address),
        status_labels=status_labels(), refund_labels=refund_status_labels(), carriers=CARRIERS,
        can_edit=current_user.can_edit(), may_see_full=may_reveal_all(),
        can_cancel=allowed("cancel", order.status), can_ship=allowed("ship_part", order.status),
        can_refund=order.status in REFUNDABLE and bool(order.transaction_id),
        refundable=refundable_amount(order) if order.transaction_id else 0,
    ), status


def _receiver(order, *, revealed):
    """The receiver as this staff member may see them (``tenants.field_access``), in full
    once an owner or admin revealed it (audited)."""
    return {"name": shown(NAME, order.ship_name, revealed=revealed),
            "phone": shown(PHONE, order.ship_phone, revealed=revealed),
            "street": shown(STREET, order.ship_detail, revealed=revealed)}


def _timeline(order, parcels, refunds):
    """What happened to the order, oldest first: ``(moment, text)``."""
    events = [(order.created_at, _("Ordered"))]
    if order.paid_at:
        events.append((order.paid_at, _("Paid %(amount)s", amount=format_money(order.paid_amount))))
    for parcel in parcels:
        events.append((parcel.created_at, _("Shipped with %(carrier)s, tracking number %(number)s",
                                            carrier=CARRIERS.get(parcel.carrier, parcel.carrier),
                                            number=parcel.tracking_number)))
    if order.completed_at:
        events.append((order.completed_at, _("Completed")))
    if order.cancelled_at:
        events.append((order.cancelled_at, _("Cancelled")))
    labels = refund_status_labels()
    for refund in refunds:
        events.append((refund.succeeded_at or refund.created_at,
                       _("Refund of %(amount)s: %(status)s", amount=format_money(refund.amount),
                         status=labels.get(refund.status, refund.status))))
    return sorted(((_aware(moment), text) for moment, text in events), key=lambda event: event[0])
