"""What the order's own events set off later (``core.outbox`` subscribers): the unpaid
order's timeout, the refund of a payment that came after the cancel, and the member's
points for a paid order (members sit below orders, so orders call them). Each re-reads
the order and acts only through conditional transitions or idempotent entries."""
from commerce.members.points import credit_points_for_order
from commerce.orders.jobs import cancel_unpaid_order, refund_late_payment
from commerce.orders.models import Order
from commerce.orders.payments import PAID_AFTER_CANCEL
from commerce.orders.service import PAYMENT_TIMEOUT
from core.extensions import db
from core.outbox import subscriber


@subscriber(PAYMENT_TIMEOUT, queue="high")
def cancel_when_payment_time_is_up(event):
    cancel_unpaid_order(event.payload["order_id"])


@subscriber(PAID_AFTER_CANCEL, queue="high")
def refund_payment_after_cancel(event):
    refund_late_payment(event.payload["order_id"])


@subscriber("order.paid")
def credit_points_when_paid(event):
    """An order was paid: ``credit_points_for_order`` (committed with the event's marker)."""
    order = db.session.get(Order, event.payload["order_id"])
    if order is not None and order.paid_at is not None:
        credit_points_for_order(order)
