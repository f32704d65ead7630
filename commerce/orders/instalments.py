"""Orders paid in parts (a pre-sale's deposit 定金 and balance 尾款, from the quote's
``PaymentSplit``): each part has its own ``out_trade_no`` (``<order number>-<place>``) and
window, and goes through the same WeChat Pay / stored-value path as a whole order.

- A part is recorded with a conditional UPDATE of the order (still unpaid: its payment time
  moves on to the next part's end) and then of the part (not paid yet): a repeated
  notification or a race with the timeout changes nothing twice.
- The last part is the order's "pay" transition (``paid_amount`` = every part).
- When the order closes with a part paid and a later one not, the paid part is kept (the
  forfeited deposit) or given back through the refund path, as its ``kept_if_unpaid_later``
  says (the quote's ``PaymentSplit.kept``, the campaign's rule).
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from commerce.orders.models import Order, OrderInstalment
from core.extensions import db
from core.outbox import publish

PAYMENT_TIMEOUT = "order.payment_timeout"


@dataclass(frozen=True)
class PaymentTarget:
    """What is to be paid on an order now: the whole order, or its next part."""

    out_trade_no: str
    amount: int
    opens_at: datetime | None
    due_at: datetime
    instalment: OrderInstalment | None = None


def add_instalments(order, split, *, now):
    """In the order's transaction: its deposit (due with the order's payment time) and its
    balance (due in the split's window)."""
    db.session.add(OrderInstalment(order_id=order.id, seq=1, out_trade_no=f"{order.number}-1", amount=split.deposit,
                                   opens_at=now, due_at=order.expires_at, kept_if_unpaid_later=split.kept))
    db.session.add(OrderInstalment(order_id=order.id, seq=2, out_trade_no=f"{order.number}-2", amount=split.balance,
                                   opens_at=split.balance_starts_at, due_at=split.balance_ends_at,
                                   kept_if_unpaid_later=True))
    db.session.flush()


def instalments_of(order):
    return db.session.scalars(select(OrderInstalment).where(OrderInstalment.order_id == order.id)
                              .order_by(OrderInstalment.seq)).all()


def payment_target(order):
    """The part due next, or the whole order when it is not paid in parts."""
    parts = instalments_of(order)
    due = next((part for part in parts if part.paid_at is None), None)
    if due is None:
        return PaymentTarget(order.number, order.total, None, order.expires_at)
    return PaymentTarget(due.out_trade_no, due.amount, due.opens_at, due.due_at, due)


def find_instalment(out_trade_no):
    """The current store's order part paid under ``out_trade_no``, or None."""
    return db.session.scalar(select(OrderInstalment).where(OrderInstalment.out_trade_no == out_trade_no))


def has_paid_part(order):
    return db.session.scalar(select(OrderInstalment.id).where(OrderInstalment.order_id == order.id,
                                                              OrderInstalment.paid_at.is_not(None)).limit(1)) is not None


def record_part(order, part, *, transaction_id, paid_at, paid_with):
    """Record ``part`` of ``order`` as paid. Returns "last" (the caller makes the "pay"
    transition), "applied", "duplicate" or "closed" (the order is no longer unpaid)."""
    later = db.session.scalar(select(OrderInstalment).where(OrderInstalment.order_id == order.id,
                                                             OrderInstalment.seq > part.seq)
                              .order_by(OrderInstalment.seq).limit(1))
    due_at = later.due_at if later is not None else order.expires_at
    still_open = db.session.execute(
        update(Order).where(Order.id == order.id, Order.status == Order.PENDING_PAYMENT).values(expires_at=due_at)
        .execution_options(synchronize_session=False)).rowcount
    if still_open != 1:
        return "closed"
    changed = db.session.execute(
        update(OrderInstalment).where(OrderInstalment.id == part.id, OrderInstalment.paid_at.is_(None))
        .values(paid_at=paid_at, transaction_id=transaction_id, paid_with=paid_with)
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        return "duplicate"
    db.session.refresh(part)
    if later is None:
        return "last"
    order.expires_at = due_at
    publish(PAYMENT_TIMEOUT, tenant_id=order.tenant_id, available_at=due_at + timedelta(seconds=1), order_id=order.id)
    return "applied"


def settle_parts_on_close(order, *, timed_out):
    """The order was cancelled with a part paid: when its later part's time ran out
    (``timed_out``) a part it keeps stays with the store (``paid_amount`` says so, nothing to
    refund); otherwise (the store cancelled it, or the part is not kept) it goes back like a
    payment that came after the cancel. Returns "kept", "refund" or None (no part paid)."""
    paid = [part for part in instalments_of(order) if part.paid_at is not None]
    if not paid:
        return None
    amount = sum(part.amount for part in paid)
    if timed_out and all(part.kept_if_unpaid_later for part in paid):
        db.session.execute(update(Order).where(Order.id == order.id).values(paid_amount=amount)
                           .execution_options(synchronize_session=False))
        order.paid_amount = amount
        return "kept"
    last = paid[-1]
    db.session.execute(update(Order).where(Order.id == order.id, Order.transaction_id.is_(None))
                       .values(paid_amount=amount, transaction_id=last.transaction_id, paid_with=last.paid_with)
                       .execution_options(synchronize_session=False))
    db.session.refresh(order)
    return "refund"


def balances_due(member_id, now):
    """``[(order number, part)]`` of the member's unpaid orders whose later part (a balance) can
    be paid now: the member center's reminder, newest order first."""
    return db.session.execute(
        select(Order.number, OrderInstalment).join(OrderInstalment, OrderInstalment.order_id == Order.id)
        .where(Order.member_id == member_id, Order.status == Order.PENDING_PAYMENT, OrderInstalment.seq > 1,
               OrderInstalment.paid_at.is_(None), OrderInstalment.opens_at <= now, OrderInstalment.due_at > now)
        .order_by(Order.id.desc()).limit(5)).all()
