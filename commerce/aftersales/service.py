"""After-sales: the shopper asks, the merchant decides.

- ``request_after_sale``: on a paid, shipped or completed order, one open request at a
  time, for at most what can still be refunded; photos are verified and re-encoded images
  stored under the store's media.
- ``approve_after_sale``: the refund goes through the one refund path
  (``commerce.orders.refunds``); for a return, the lines' quantities go back to stock. It
  commits: the decision is committed with the refund before WeChat is asked.
- ``reject_after_sale``: with a note the shopper sees.

Decisions are conditional updates on the request's status, so two staff members clicking
at once cannot refund twice; a partial unique index keeps one open request per order even
when the shopper's requests race.
"""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from commerce.aftersales.models import AfterSale
from commerce.orders.models import Order, OrderLine
from commerce.orders.refunds import REFUND_FAILED, refundable_amount, request_refund, send_refund
from core.audit import record_audit
from core.errors import DomainError
from core.extensions import db
from core.models import utcnow
from core.money import format_money
from core.outbox import publish, subscriber
from core.storage import media_storage, prepare_image
from payments import PaymentError

MAX_PHOTOS = 3
AFTER_SALE_REQUESTED = "after_sale.requested"  # payload: after_sale_id — announced with the request
AFTER_SALE_DECIDED = "after_sale.decided"  # payload: after_sale_id, status — announced with the decision
ELIGIBLE = (Order.PAID, Order.PARTIALLY_SHIPPED, Order.SHIPPED, Order.COMPLETED)


def reasons():
    return {"not_received": _l("Not received"), "damaged": _l("Arrived damaged"),
            "wrong_item": _l("Wrong item or spec"), "quality": _l("Quality problem"),
            "changed_mind": _l("Changed my mind"), "other": _l("Other")}


def kinds():
    return {"refund_only": _l("Refund only"), "return_and_refund": _l("Return and refund")}


def statuses():
    """A request's status as the shopper reads it."""
    return {"requested": _l("Waiting for the store"), "approved": _l("Approved"), "rejected": _l("Rejected"),
            "withdrawn": _l("Withdrawn")}


class InvalidAfterSale(DomainError):
    """The request cannot be made or decided as asked; ``field`` names what to fix."""


def request_after_sale(order, member_id, *, kind, reason, description, amount, lines, photos=()):
    """A shopper's request. ``lines`` is ``{order line id: quantity}`` of goods going back
    (return and refund only); ``photos`` are uploads (bytes or files).

    :raise InvalidAfterSale: order not eligible, one already open, bad amount/lines/photos
    """
    if order.member_id != member_id or order.status not in ELIGIBLE:
        raise InvalidAfterSale(_("After-sales can be requested for paid orders only."))
    if open_request(order) is not None:
        raise InvalidAfterSale(_("This order already has a request waiting for the store."))
    if kind not in AfterSale.KINDS:
        raise InvalidAfterSale(_("Choose refund only, or return and refund."), field="kind")
    if reason not in reasons():
        raise InvalidAfterSale(_("Choose a reason."), field="reason")
    description = (description or "").strip() or None
    if description and len(description) > 500:
        raise InvalidAfterSale(_("The description can be at most 500 characters."), field="description")
    left = refundable_amount(order)
    if not isinstance(amount, int) or not 1 <= amount <= left:
        raise InvalidAfterSale(_("The amount must be between ¥0.01 and %(left)s.", left=format_money(left)), field="amount")
    lines = _checked_lines(order, lines if kind == AfterSale.RETURN_AND_REFUND else {})
    if kind == AfterSale.RETURN_AND_REFUND and not lines:
        raise InvalidAfterSale(_("Choose the items you send back."), field="lines")
    uploads = [photo for photo in photos if photo]
    if len(uploads) > MAX_PHOTOS:
        raise InvalidAfterSale(_("At most %(n)d photos.", n=MAX_PHOTOS), field="photos")
    prepared = [prepare_image(photo) for photo in uploads]  # all checked before any is stored
    storage = media_storage()
    for image in prepared:
        storage.save(order.tenant_id, image.filename, image.content)
    request = AfterSale(order_id=order.id, member_id=member_id, kind=kind, reason=reason, description=description,
                        amount=amount, lines={str(k): v for k, v in lines.items()},
                        photos=[image.filename for image in prepared])
    try:
        with db.session.begin_nested():
            db.session.add(request)
    except IntegrityError:  # a request sent at the same moment was first (one open per order)
        raise InvalidAfterSale(_("This order already has a request waiting for the store.")) from None
    publish(AFTER_SALE_REQUESTED, tenant_id=order.tenant_id, after_sale_id=request.id)
    return request


def approve_after_sale(request, *, actor, note=None):
    """Refund what was asked (returning goods to stock for a return). Commits the decision
    with the refund, then asks WeChat (see ``commerce.orders.refunds``). Returns the refund,
    ``submitted`` when WeChat's answer did not come.

    :raise InvalidAfterSale: already decided (nothing written)
    :raise InvalidRefund: from the refund (nothing written)
    :raise PaymentError: WeChat refused; the refund is failed and the request waits again
    """
    _decide(request, AfterSale.APPROVED, note)
    order = db.session.get(Order, request.order_id)
    restock = {int(line_id): quantity for line_id, quantity in request.lines.items()} or None
    refund = request_refund(order, amount=request.amount, reason=str(reasons().get(request.reason, "")),
                            actor=actor, restock=restock)
    request.refund_id = refund.id
    record_audit("after_sale.approve", actor=actor, tenant_id=request.tenant_id, target=order,
                 details={"after_sale": request.id, "amount": request.amount})
    db.session.commit()
    try:
        return send_refund(refund)
    except PaymentError:
        _reopen(request, refund)
        raise


def _reopen(request, refund):
    """WeChat refused the approved refund: the request waits for the merchant again."""
    _reopen_for(refund.id)
    db.session.commit()


@subscriber(REFUND_FAILED)
def reopen_after_failed_refund(event):
    """A refund WeChat failed later (ABNORMAL, CLOSED: found by reconciliation or its
    notification) puts its approved request back before the merchant, as a refusal does."""
    _reopen_for(event.payload["refund_id"])


def _reopen_for(refund_id):
    try:
        with db.session.begin_nested():
            db.session.execute(update(AfterSale).where(AfterSale.refund_id == refund_id,
                                                       AfterSale.status == AfterSale.APPROVED)
                               .values(status=AfterSale.REQUESTED, refund_id=None, decided_at=None)
                               .execution_options(synchronize_session=False))
    except IntegrityError:
        pass  # the shopper has opened another request since: this one stays approved, its refund failed


def reject_after_sale(request, *, actor, note):
    note = (note or "").strip()
    if not note:
        raise InvalidAfterSale(_("Tell the shopper why (a short note)."), field="note")
    _decide(request, AfterSale.REJECTED, note)
    record_audit("after_sale.reject", actor=actor, tenant_id=request.tenant_id, target=request,
                 details={"note": note})


def withdraw_after_sale(request, member_id):
    if request.member_id != member_id:
        raise InvalidAfterSale(_("This request cannot be withdrawn."))
    _decide(request, AfterSale.WITHDRAWN, None)


def open_request(order):
    return db.session.scalar(select(AfterSale).where(AfterSale.order_id == order.id,
                                                     AfterSale.status.in_(AfterSale.OPEN)))


def order_requests(order):
    return db.session.scalars(select(AfterSale).where(AfterSale.order_id == order.id).order_by(AfterSale.id)).all()


def _decide(request, status, note):
    note = (note or "").strip()[:200] or None
    changed = db.session.execute(
        update(AfterSale).where(AfterSale.id == request.id, AfterSale.status == AfterSale.REQUESTED)
        .values(status=status, merchant_note=note, decided_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise InvalidAfterSale(_("This request has already been decided."), status=409)
    request.status, request.merchant_note = status, note
    publish(AFTER_SALE_DECIDED, tenant_id=request.tenant_id, after_sale_id=request.id, status=status)


def _checked_lines(order, lines):
    known = {line.id: line for line in db.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id))}
    checked = {}
    for line_id, quantity in (lines or {}).items():
        line = known.get(line_id)
        if line is None or not isinstance(quantity, int) or quantity < 0:
            raise InvalidAfterSale(_("Choose the items you send back."), field="lines")
        if quantity > line.quantity - line.refunded_quantity:
            raise InvalidAfterSale(_("%(title)s: at most %(n)d can go back.", title=line.title,
                                     n=line.quantity - line.refunded_quantity), field="lines")
        if quantity:
            checked[line_id] = quantity
    return checked

