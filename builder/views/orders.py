"""Order screens: the list (status tabs, search, dates, keyset pages), the CSV export, and
one order's page with its timeline and the merchant's actions (remark, cancel, ship, refund).

Handlers load → check access (viewers only look → 403) → call one verb from
``commerce.orders`` / ``commerce.shipping`` → commit → redirect. A refused action
re-renders the order with the message and what was typed, and writes nothing. Receivers'
phones are masked everywhere; owners and admins may reveal one order's address or export
full addresses, and each time it is written to the audit log.
"""
import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from builder.views import console_bp
from builder.views.catalog import _actor, require_editor
from commerce.orders.errors import OrderStateError
from commerce.orders.models import Order, OrderLine, Payment, Refund
from commerce.orders.refunds import (
    REFUNDABLE,
    InvalidRefund,
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
from core.crypto import mask_phone
from core.errors import DomainError
from core.extensions import db
from core.money import format_money, parse_yuan
from tenants.models import StaffUser

PAGE_SIZE = 50
EXPORT_BATCH = 500
MAX_EXPORT_ORDERS = 20_000  # a bigger export is narrowed with the date range
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def status_labels():
    return {Order.PENDING_PAYMENT: _("To pay"), Order.PAID: _("To ship"),
            Order.PARTIALLY_SHIPPED: _("Partly shipped"), Order.SHIPPED: _("Shipped"),
            Order.COMPLETED: _("Completed"), Order.CANCELLED: _("Cancelled"), Order.REFUNDING: _("Refunding"),
            Order.REFUNDED: _("Refunded")}


def may_see_full_address():
    """Owners and admins may read a receiver's whole phone and address (audited)."""
    return current_user.role in StaffUser.STAFF_MANAGERS


def get_order_or_404(number):
    """An order of the current store by its number, or 404 (another store's number finds nothing).

    :raise 404: no such order in this store
    """
    order = db.session.scalar(select(Order).where(Order.number == number).options(selectinload(Order.lines)))
    if order is None:
        abort(404)
    return order


# --- the list and the export ----------------------------------------------------------

class OrderFilters:
    """The list's filters as typed (``args``) and as a statement (``apply``)."""

    def __init__(self, args):
        self.status = args.get("status", "") if args.get("status", "") in Order.STATUSES else ""
        self.query = args.get("q", "").strip()[:64]
        self.date_from, self.date_to = _date(args.get("from", "")), _date(args.get("to", ""))

    def args(self, **changes):
        values = {"status": self.status, "q": self.query, "from": self.date_from and self.date_from.isoformat(),
                  "to": self.date_to and self.date_to.isoformat(), **changes}
        return {name: value for name, value in values.items() if value}

    def apply(self, statement):
        if self.status:
            statement = statement.where(Order.status == self.status)
        if self.query:
            pattern = "%" + self.query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            titled = select(OrderLine.order_id).where(OrderLine.title.ilike(pattern, escape="\\"))
            statement = statement.where(or_(Order.number.startswith(self.query, autoescape=True),
                                            Order.id.in_(titled)))
        if self.date_from:
            statement = statement.where(Order.created_at >= _local_midnight(self.date_from))
        if self.date_to:
            statement = statement.where(Order.created_at < _local_midnight(self.date_to + timedelta(days=1)))
        return statement


def _date(text):
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _local_midnight(day):
    """The start of ``day`` in the store's time zone (China), in UTC as the rows keep it."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(str(get_timezone()))).astimezone(UTC)


def _aware(moment):
    """SQLite gives back ``created_at`` without its zone; it is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _orders_page(filters, before=None, limit=PAGE_SIZE):
    statement = filters.apply(select(Order)).options(selectinload(Order.lines)).order_by(Order.id.desc())
    if before:
        statement = statement.where(Order.id < before)
    return db.session.scalars(statement.limit(limit)).all()


@console_bp.route("/orders")
def orders_list():
    filters = OrderFilters(request.args)
    before = request.args.get("before", "")
    orders = _orders_page(filters, before=int(before) if before.isdigit() else None, limit=PAGE_SIZE + 1)
    older = orders[PAGE_SIZE - 1].id if len(orders) > PAGE_SIZE else None
    return render_template("builder/orders/list.html", orders=orders[:PAGE_SIZE], filters=filters, older=older,
                           paged=before.isdigit(), status_labels=status_labels(), mask_phone=mask_phone,
                           may_see_full=may_see_full_address())


@console_bp.route("/orders/export.csv", methods=["GET", "POST"])
def orders_export():
    """GET: receivers masked, for everyone. POST (owners and admins, audited): may include
    the full address and phone."""
    source = request.args if request.method == "GET" else request.form
    full = request.method == "POST" and source.get("full") == "1"
    if request.method == "POST" and not may_see_full_address():
        abort(403)
    filters = OrderFilters(source)
    rows = _export_rows(filters, full=full)
    if full:
        record_audit("order.export_full", actor=_actor(), tenant_id=g.tenant.id,
                     details={"filters": filters.args(), "lines": len(rows) - 1})
        db.session.commit()
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel opens UTF-8 with a BOM as UTF-8
    csv.writer(buffer).writerows([[_cell(value) for value in row] for row in rows])
    filename = f"orders-{g.tenant.slug}-{date.today().isoformat()}.csv"
    return Response(buffer.getvalue().encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


def _export_rows(filters, *, full):
    labels = status_labels()
    header = [_("Order number"), _("Created"), _("Status"), _("Product"), _("Option"), _("Unit price"),
              _("Quantity"), _("Refunded quantity"), _("Order total"), _("Receiver"), _("Phone"), _("Region")]
    rows = [header + ([_("Receiver's address")] if full else [])]
    before, seen = None, 0
    while seen < MAX_EXPORT_ORDERS:
        batch = _orders_page(filters, before=before, limit=EXPORT_BATCH)
        for order in batch:
            created = _aware(order.created_at).astimezone(get_timezone()).strftime("%Y-%m-%d %H:%M:%S")
            receiver = [order.ship_name if full else _masked_name(order.ship_name),
                        order.ship_phone if full else mask_phone(order.ship_phone), order.ship_region]
            for line in order.lines:
                rows.append([order.number, created, labels.get(order.status, order.status), line.title,
                             line.sku_label, _plain_yuan(line.price), line.quantity, line.refunded_quantity,
                             _plain_yuan(order.total), *receiver, *([order.ship_detail] if full else [])])
        seen += len(batch)
        if len(batch) < EXPORT_BATCH:
            break
        before = batch[-1].id
    return rows


def _cell(value):
    """Text a spreadsheet would run as a formula is kept as text (CSV injection)."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _masked_name(name):
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def _plain_yuan(fen):
    return f"{fen // 100}.{fen % 100:02d}"


# --- one order ------------------------------------------------------------------------

@console_bp.route("/orders/<number>")
def order_detail(number):
    return _render_detail(get_order_or_404(number))


@console_bp.route("/orders/<number>/address", methods=["POST"])
def order_reveal_address(number):
    """Owners and admins see the receiver's whole phone and address once; audited."""
    order = get_order_or_404(number)
    if not may_see_full_address():
        abort(403)
    record_audit("order.view_address", actor=_actor(), tenant_id=order.tenant_id, target=order)
    db.session.commit()
    return _render_detail(order, full_address=True)


@console_bp.route("/orders/<number>/remark", methods=["POST"])
def order_remark(number):
    require_editor()
    order = get_order_or_404(number)
    remark = request.form.get("remark", "").strip()
    return _apply(order, lambda: set_merchant_remark(order, remark, actor=_actor()), {"remark": remark},
                  _("Remark saved."))


@console_bp.route("/orders/<number>/cancel", methods=["POST"])
def order_cancel(number):
    require_editor()
    order = get_order_or_404(number)

    def cancel():
        if not cancel_order(order, reason="merchant", actor=_actor()):
            raise OrderStateError(_("Only an unpaid order can be cancelled."))

    return _apply(order, cancel, {}, _("Order cancelled; its stock is back on sale."))


@console_bp.route("/orders/<number>/ship", methods=["POST"])
def order_ship(number):
    require_editor()
    order = get_order_or_404(number)
    entered = {"carrier": request.form.get("carrier", ""), "tracking_number": request.form.get("tracking_number", ""),
               "ship": {line.id: request.form.get(f"ship_{line.id}", "").strip() for line in order.lines}}

    def ship():
        contents = [(line_id, _count(text, field="ship")) for line_id, text in entered["ship"].items() if text]
        ship_order(order, [(entered["carrier"], entered["tracking_number"], [c for c in contents if c[1]])],
                   actor=_actor())

    return _apply(order, ship, entered, _("Parcel recorded."))


@console_bp.route("/orders/<number>/refund", methods=["POST"])
def order_refund(number):
    require_editor()
    order = get_order_or_404(number)
    entered = {"amount": request.form.get("amount", "").strip(), "reason": request.form.get("reason", ""),
               "restock": {line.id: request.form.get(f"restock_{line.id}", "").strip() for line in order.lines}}

    made = []

    def refund():  # commits its own steps (commerce.orders.refunds)
        restock = {line_id: _count(text, field="restock") for line_id, text in entered["restock"].items() if text}
        made.append(refund_order(order, amount=_fen(entered["amount"]), reason=entered["reason"], actor=_actor(),
                                 restock={line_id: quantity for line_id, quantity in restock.items() if quantity}
                                 or None))

    return _apply(order, refund, entered, lambda: _("Refund submitted to WeChat Pay, awaiting its confirmation.")
                  if made[0].status == Refund.SUBMITTED else _("Refund requested from WeChat Pay."))


def _apply(order, verb, entered, done):
    """Run one action on ``order``: commit and come back to the order, or roll back and show
    the refusal with what was typed."""
    try:
        verb()
    except DomainError as refusal:
        db.session.rollback()
        # WeChat refusing (502) is shown on the page like any refusal, not as a server error.
        return _render_detail(order, error=refusal, entered=entered, status=min(refusal.status, 422))
    db.session.commit()
    flash(done() if callable(done) else done, "success")
    return redirect(url_for("console.order_detail", number=order.number))


def _count(text, *, field):
    if not text.isdigit() or len(text) > 4:
        raise DomainError(_("%(value)s is not a whole number.", value=text), field=field)
    return int(text)


def _fen(text):
    """``"29.9"`` yuan → ``2990`` fen."""
    fen = parse_yuan(text)
    if fen is None or fen > 10**9:
        raise InvalidRefund(_("%(value)s is not an amount in yuan.", value=text or "—"), field="amount")
    return fen


def _render_detail(order, *, error=None, entered=None, full_address=False, status=200):
    db.session.refresh(order)  # a refused action rolled back: show what the database says
    parcels, refunds = order_parcels(order), order_refunds(order)
    shipped = shipped_quantities(order)
    lines = [{"line": line, "shipped": shipped.get(line.id, 0),
              "to_ship": max(line.quantity - line.refunded_quantity - shipped.get(line.id, 0), 0)}
             for line in order.lines]
    payment = db.session.scalar(select(Payment).where(Payment.order_id == order.id).order_by(Payment.id.desc()))
    entered = {"remark": order.merchant_remark or "", "carrier": "", "tracking_number": "", "ship": {},
               "amount": "", "reason": "", "restock": {}, **(entered or {})}
    return render_template(
        "builder/orders/detail.html", order=order, lines=lines, parcels=parcels, refunds=refunds,
        receipt=order_receipt(order),
        timeline=_timeline(order, parcels, refunds), payment=payment, error=error, entered=entered,
        full_address=full_address, phone=order.ship_phone if full_address else mask_phone(order.ship_phone),
        status_labels=status_labels(), refund_labels=refund_status_labels(), carriers=CARRIERS,
        can_edit=current_user.can_edit(), may_see_full=may_see_full_address(),
        can_cancel=allowed("cancel", order.status), can_ship=allowed("ship_part", order.status),
        can_refund=order.status in REFUNDABLE and bool(order.transaction_id),
        refundable=refundable_amount(order) if order.transaction_id else 0,
    ), status


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
