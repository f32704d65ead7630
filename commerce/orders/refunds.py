"""Money going back: full and partial refunds through WeChat Pay, several per order up to
what was paid, and the stock they return.

``refund_order`` writes the refund (PROCESSING) and asks WeChat in the same request; if
WeChat refuses, nothing is written. WeChat settles refunds later: its REFUND.SUCCESS
notification (or an active query) marks the refund succeeded exactly once — a conditional
UPDATE on the refund's status — and only then adds it to the order's refunded amount.
An order paid from the stored value gets its refunds back on the balance at once, with no
WeChat call.
"""
import secrets

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from commerce.catalog.models import SKU, Product
from commerce.marketing.distribution import order_refunded as commissions_refunded
from commerce.members.models import Member
from commerce.members.wallet import refund_to_balance
from commerce.orders import states
from commerce.orders.models import Order, OrderLine, Refund
from core.audit import record_audit
from core.errors import DomainError
from core.extensions import db
from core.models import utcnow
from core.money import format_money
from core.outbox import publish

REFUNDABLE = (Order.PAID, Order.PARTIALLY_SHIPPED, Order.SHIPPED, Order.COMPLETED, Order.REFUNDING)


class InvalidRefund(DomainError):
    """The refund asked for is not possible (too much, nothing paid, bad quantities)."""


def refundable_amount(order):
    """What can still go back: paid, minus refunds that succeeded or are under way."""
    taken = db.session.scalar(select(func.coalesce(func.sum(Refund.amount), 0)).where(
        Refund.order_id == order.id, Refund.status != Refund.FAILED))
    return order.paid_amount - taken


def refund_order(order, *, amount, reason, actor, restock=None):
    """Refund ``amount`` fen of a paid order through WeChat Pay (or, for an order paid with
    the balance, back to the balance, settled at once).

    :param restock: ``{order_line_id: quantity}`` of goods coming back to stock (a return),
        or None when only money goes back (e.g. a price adjustment, goods never shipped
        are restocked by passing them too)
    :raise InvalidRefund: not paid, more than is left, bad quantities
    :raise PaymentError: WeChat refused; nothing was written
    """
    from commerce.orders.payments import notify_url, store_pay_account
    from commerce.payments import refund_payment
    from tenants.models import Tenant

    if order.status not in REFUNDABLE or not order.transaction_id:
        raise InvalidRefund(_("Only a paid order can be refunded."))
    if not isinstance(amount, int) or amount < 1:
        raise InvalidRefund(_("Enter an amount to refund."), field="amount")
    left = refundable_amount(order)
    if amount > left:
        raise InvalidRefund(_("At most %(left)s can still be refunded.", left=format_money(left)), field="amount")
    refund = Refund(order_id=order.id, number=f"R{order.number[-16:]}{secrets.token_hex(4)}", amount=amount,
                    reason=(reason or "").strip()[:80] or None, restock=bool(restock))
    db.session.add(refund)
    _return_goods(order, restock or {})
    if order.status != Order.REFUNDING:
        states.transition(order, "request_refund")
    db.session.flush()
    if order.paid_with == Order.PAID_WITH_BALANCE:
        return _refund_to_balance(order, refund, actor=actor, restock=restock)
    tenant = db.session.get(Tenant, order.tenant_id)
    status = refund_payment(store_pay_account(tenant), out_refund_no=refund.number, refund_fen=amount,
                            total_fen=order.paid_amount, transaction_id=order.transaction_id,
                            reason=refund.reason, notify_url=notify_url(order.tenant_id))
    refund.refund_id = status.refund_id
    record_audit("order.refund", actor=actor, tenant_id=order.tenant_id, target=order,
                 details={"amount": amount, "refund": refund.number, "restock": restock or {}})
    if status.status == "SUCCESS":
        settle_refund(refund)
    return refund


def settle_refund(refund, *, succeeded=True):
    """WeChat says the refund is done (or failed). Applies once; returns True if this call did."""
    target = Refund.SUCCEEDED if succeeded else Refund.FAILED
    changed = db.session.execute(
        update(Refund).where(Refund.id == refund.id, Refund.status == Refund.PROCESSING)
        .values(status=target, succeeded_at=utcnow() if succeeded else None)
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        return False
    refund.status = target
    order = db.session.get(Order, refund.order_id)
    if succeeded:
        db.session.execute(update(Order).where(Order.id == order.id)
                           .values(refunded_amount=Order.refunded_amount + refund.amount)
                           .execution_options(synchronize_session=False))
        db.session.refresh(order)
        commissions_refunded(order)
        publish("order.refunded", tenant_id=order.tenant_id, order_id=order.id, refund_id=refund.id, amount=refund.amount)
    still_processing = db.session.scalar(select(func.count()).select_from(Refund).where(
        Refund.order_id == order.id, Refund.status == Refund.PROCESSING))
    if not still_processing and order.status == Order.REFUNDING:
        if order.refunded_amount >= order.paid_amount:
            states.transition(order, "refund_settled")
        else:
            states.transition(order, _resume_event(order))
    return True


def _refund_to_balance(order, refund, *, actor, restock):
    refund_to_balance(db.session.get(Member, order.member_id), refund.amount, order_id=order.id, ref=refund.number)
    record_audit("order.refund", actor=actor, tenant_id=order.tenant_id, target=order,
                 details={"amount": refund.amount, "refund": refund.number, "restock": restock or {}, "to": "balance"})
    settle_refund(refund)
    return refund


def find_refund(number):
    return db.session.scalar(select(Refund).where(Refund.number == number))


def order_refunds(order):
    return db.session.scalars(select(Refund).where(Refund.order_id == order.id).order_by(Refund.id)).all()


def _resume_event(order):
    """After a partial refund the order goes back to where it was in its life."""
    if order.completed_at:
        return "refund_partly_settled_completed"
    if order.shipped_at:
        return "refund_partly_settled_shipped"
    return "refund_partly_settled_paid"


def _return_goods(order, restock):
    lines = {line.id: line for line in db.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id))}
    for line_id, quantity in restock.items():
        line = lines.get(line_id)
        if line is None or not isinstance(quantity, int) or quantity < 1:
            raise InvalidRefund(_("Choose the items that come back."), field="restock")
        if line.refunded_quantity + quantity > line.quantity:
            raise InvalidRefund(_("%(title)s: at most %(n)d can come back.", title=line.title,
                                  n=line.quantity - line.refunded_quantity), field="restock")
        line.refunded_quantity += quantity
        db.session.execute(update(SKU).where(SKU.id == line.sku_id).values(stock=SKU.stock + quantity)
                           .execution_options(synchronize_session=False))
        db.session.execute(update(Product).where(Product.id == line.product_id)
                           .values(stock=Product.stock + quantity, sold_count=Product.sold_count - quantity)
                           .execution_options(synchronize_session=False))

