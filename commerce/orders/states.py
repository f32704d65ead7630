"""The order state machine. A transition is one conditional UPDATE:

    UPDATE orders SET status = :to, … WHERE id = :id AND status IN (:allowed_from)

so when two events race (the payment notification and the unpaid-order timeout, two
copies of the same notification from two WeChat servers) exactly one of them changes the
row and the other sees ``False`` and does nothing.

The transitions in ``EVENTS`` announce themselves through the outbox (``core.outbox``) in the
same transaction, so whatever follows them (points, commissions, the dashboard) happens
exactly when the change is committed, even if Redis is down at that moment.
"""
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from commerce.orders.models import Order
from core.extensions import db
from core.models import utcnow
from core.outbox import publish

# event → (states it may start from, state it leads to)
TRANSITIONS = {
    "pay": ((Order.PENDING_PAYMENT,), Order.PAID),
    "cancel": ((Order.PENDING_PAYMENT,), Order.CANCELLED),
    "ship_part": ((Order.PAID, Order.PARTIALLY_SHIPPED), Order.PARTIALLY_SHIPPED),
    "ship_all": ((Order.PAID, Order.PARTIALLY_SHIPPED), Order.SHIPPED),
    "complete": ((Order.SHIPPED,), Order.COMPLETED),
    "request_refund": ((Order.PAID, Order.PARTIALLY_SHIPPED, Order.SHIPPED, Order.COMPLETED), Order.REFUNDING),
    "refund_settled": ((Order.REFUNDING,), Order.REFUNDED),
    # A refund that gave back only part: the order goes on from where it would be.
    "refund_partly_settled_paid": ((Order.REFUNDING,), Order.PAID),
    "refund_partly_settled_shipped": ((Order.REFUNDING,), Order.SHIPPED),
    "refund_partly_settled_completed": ((Order.REFUNDING,), Order.COMPLETED),
}
# When a transition happens, the moment is written into this column too.
STAMPS = {"pay": "paid_at", "cancel": "cancelled_at", "ship_all": "shipped_at", "complete": "completed_at"}
# … and this event is published, with the order's id ("order.refunded" comes from refunds).
EVENTS = {"pay": "order.paid", "cancel": "order.cancelled", "ship_all": "order.shipped", "complete": "order.completed"}


def allowed(event, status):
    return status in TRANSITIONS[event][0]


def transition(order, event, *, when=(), **values):
    """Move ``order`` by ``event`` if its current state allows it (and the ``when``
    conditions hold); ``values`` are written in the same UPDATE. Returns True when this call made the change, False when the order was
    not (or no longer) in a state the event starts from."""
    sources, target = TRANSITIONS[event]
    values = {"status": target, **values}
    if event in STAMPS:
        values.setdefault(STAMPS[event], utcnow())
    result = db.session.execute(
        update(Order).where(Order.id == order.id, Order.status.in_(sources), *when).values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    for name, value in values.items():
        set_committed_value(order, name, value)  # what the row now says, with nothing left to flush
    if event in EVENTS:
        publish(EVENTS[event], tenant_id=order.tenant_id, order_id=order.id)
    return True
