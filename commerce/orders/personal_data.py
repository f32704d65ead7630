"""What orders hold about a member — orders with their lines, payments and refunds, the
delivery address copied onto each — for exports, erasure and retention.

Anonymising an order (``anonymise_order``) blanks what names a person: the recipient's
name (「已匿名」), phone and street, the shopper's note and the merchant's remark (which
often repeat a phone), and the payment links and prepay ids of its payments. Amounts,
lines, counts, statuses, the region line (province/city/district, kept for regional
reports) and WeChat's transaction ids (the books are reconciled with them) stay, so every
ledger and report still adds up.

Retention: an order is kept 3 years after its final moment, then anonymised. The final
moment of a completed order is ``completed_at``; of a cancelled one ``cancelled_at``; of a
refunded one (and of a completed or cancelled one lacking its stamp) ``updated_at``, the
moment of its last transition. Open orders are never touched.
"""
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, func, or_, select, update

from commerce.orders.models import Cart, Order, OrderLine, Payment, Refund
from core.clock import to_china
from core.errors import DomainError
from core.extensions import db
from core.personal_data import erases_personal_data, exports_personal_data, retention_rule

ANONYMISED_NAME = "已匿名"  # stored data, not a label
FINAL = (Order.COMPLETED, Order.CANCELLED, Order.REFUNDED)
OPEN = tuple(status for status in Order.STATUSES if status not in FINAL)
ORDERS_RULE = "orders_and_payments"
ORDERS_KEEP = timedelta(days=3 * 365 + 1)  # three years: any three hold at most one 29 February


class OpenOrders(DomainError):
    """The member has orders not yet finished: the account cannot be closed yet."""

    status = 409

    def __init__(self, numbers):
        super().__init__(_l("The account has orders still in progress (%(numbers)s): wait until they are completed, "
                            "cancelled or refunded, then close the account.", numbers="、".join(numbers[:5])),
                         extra={"orders": numbers})


def _when(moment):
    return to_china(moment).isoformat() if moment is not None else None


@exports_personal_data("orders", order=30)
def export_orders(member_id):
    orders = db.session.scalars(select(Order).where(Order.member_id == member_id).order_by(Order.id)).all()
    ids = [order.id for order in orders]
    lines, refunds = {}, {}
    if ids:
        for line in db.session.scalars(select(OrderLine).where(OrderLine.order_id.in_(ids)).order_by(OrderLine.id)):
            lines.setdefault(line.order_id, []).append(
                {"title": line.title, "sku": line.sku_label, "price_fen": line.price, "quantity": line.quantity,
                 "refunded_quantity": line.refunded_quantity})
        for refund in db.session.scalars(select(Refund).where(Refund.order_id.in_(ids)).order_by(Refund.id)):
            refunds.setdefault(refund.order_id, []).append(
                {"number": refund.number, "amount_fen": refund.amount, "status": refund.status,
                 "reason": refund.reason, "at": _when(refund.created_at)})
    return [{"number": order.number, "status": order.status, "placed_at": _when(order.created_at),
             "paid_at": _when(order.paid_at), "completed_at": _when(order.completed_at),
             "subtotal_fen": order.subtotal, "shipping_fee_fen": order.shipping_fee, "discount_fen": order.discount,
             "total_fen": order.total, "paid_fen": order.paid_amount, "refunded_fen": order.refunded_amount,
             "paid_with": order.paid_with, "recipient": order.ship_name, "recipient_phone": order.ship_phone,
             "region": order.ship_region, "street": order.ship_detail, "note": order.shopper_note,
             "lines": lines.get(order.id, []), "refunds": refunds.get(order.id, [])}
            for order in orders]


def anonymise_orders(condition, *, now):
    """Blank the personal fields of the current store's orders matching ``condition`` (not yet
    anonymised) and of their payments. Returns how many orders."""
    ids = db.session.scalars(select(Order.id).where(condition, Order.anonymised_at.is_(None))).all()
    if not ids:
        return 0
    for start in range(0, len(ids), 500):
        batch = ids[start:start + 500]
        # EncryptedText encrypts in the ORM's bind processor: each row is written through it.
        for order in db.session.scalars(select(Order).where(Order.id.in_(batch))):
            order.ship_name, order.ship_phone, order.ship_detail = ANONYMISED_NAME, "", ""
            order.shopper_note = order.merchant_remark = None
            order.anonymised_at = now
        db.session.execute(update(Payment).where(Payment.order_id.in_(batch))
                           .values(code_url=None, h5_url=None, prepay_id=None)
                           .execution_options(synchronize_session=False))
        db.session.flush()
    return len(ids)


@retention_rule(ORDERS_RULE, keep=ORDERS_KEEP, order=30,
                why=_l("Orders and payment records: 3 years after completion (E-Commerce Law art. 31: at least 3 "
                       "years), then anonymised; amounts and counts stay for the books."))
def anonymise_old_orders(cutoff, *, now):
    terminal = or_(and_(Order.status == Order.COMPLETED, func.coalesce(Order.completed_at, Order.updated_at) < cutoff),
                   and_(Order.status == Order.CANCELLED, func.coalesce(Order.cancelled_at, Order.updated_at) < cutoff),
                   and_(Order.status == Order.REFUNDED, Order.updated_at < cutoff))
    return anonymise_orders(terminal, now=now)


@erases_personal_data("orders", order=10)
def anonymise_member_orders(member_id, *, now):
    """Refused while an order is open; else the member's orders are anonymised at once (they
    are kept for the books) and their cart is emptied."""
    numbers = db.session.scalars(select(Order.number).where(Order.member_id == member_id, Order.status.in_(OPEN))
                                 .order_by(Order.id)).all()
    if numbers:
        raise OpenOrders(list(numbers))
    anonymise_orders(Order.member_id == member_id, now=now)
    db.session.execute(delete(Cart).where(Cart.member_id == member_id).execution_options(synchronize_session=False))
