"""What the order's own events set off later (``core.outbox`` subscribers): the unpaid
order's timeout and the refund of a payment that came after the cancel. Each calls a job
that re-reads the order and acts only through conditional transitions."""
from commerce.orders.jobs import cancel_unpaid_order, refund_late_payment
from commerce.orders.payments import PAID_AFTER_CANCEL
from commerce.orders.service import PAYMENT_TIMEOUT
from core.outbox import subscriber


@subscriber(PAYMENT_TIMEOUT, queue="high")
def cancel_when_payment_time_is_up(event):
    cancel_unpaid_order(event.payload["order_id"])


@subscriber(PAID_AFTER_CANCEL, queue="high")
def refund_payment_after_cancel(event):
    refund_late_payment(event.payload["order_id"])
