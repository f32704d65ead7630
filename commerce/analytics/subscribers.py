"""Events the server records from the outbox, not from a request: a payment, a refund and
the coupons a paid order used. Each subscriber inserts its rows in the delivery's own
transaction, which ends with its ``processed_events`` marker, so an event redelivered any
number of times is recorded once (no buffer: these are the events money figures come from)."""
from sqlalchemy import insert, select

from commerce.analytics import events as kinds
from commerce.analytics.channels import DIRECT
from commerce.analytics.collect import event_row
from commerce.analytics.models import AnalyticsEvent
from commerce.marketing.coupons.models import MemberCoupon
from commerce.orders.models import Order, Refund
from core.extensions import db
from core.models import utcnow
from core.outbox import subscriber


def _channel_of_order(order_id):
    """The channel the order was placed in (its ``order_placed`` event), else ``direct``."""
    return db.session.scalars(
        select(AnalyticsEvent.channel).where(AnalyticsEvent.order_id == order_id,
                                             AnalyticsEvent.kind == kinds.ORDER_PLACED).limit(1)).first() or DIRECT


def _record(rows):
    if rows:
        db.session.execute(insert(AnalyticsEvent.__table__).values(rows))


@subscriber("order.paid", queue="low")
def record_order_paid(event):
    """``order_paid`` (amount = paid fen, at the payment's moment) and one ``coupon_used`` per coupon it spent."""
    order = db.session.get(Order, event.payload["order_id"])
    if order is None or order.paid_at is None:
        return
    common = {"tenant_id": order.tenant_id, "occurred_at": order.paid_at, "member_id": order.member_id,
              "channel": _channel_of_order(order.id), "order_id": order.id}
    rows = [event_row(kinds.ORDER_PAID, amount=order.paid_amount, **common)]
    coupons = db.session.scalars(select(MemberCoupon.coupon_id).where(MemberCoupon.order_id == order.id,
                                                                      MemberCoupon.status == MemberCoupon.USED))
    rows += [event_row(kinds.COUPON_USED, coupon_id=coupon_id, **common) for coupon_id in coupons]
    _record(rows)


@subscriber("order.refunded", queue="low")
def record_order_refunded(event):
    """``order_refunded``: amount = the refund's fen, on the day it was settled."""
    order = db.session.get(Order, event.payload["order_id"])
    if order is None:
        return
    refund = db.session.get(Refund, event.payload["refund_id"]) if event.payload.get("refund_id") else None
    settled_at = (refund.succeeded_at if refund is not None else None) or utcnow()
    _record([event_row(kinds.ORDER_REFUNDED, tenant_id=order.tenant_id, occurred_at=settled_at,
                       member_id=order.member_id, channel=_channel_of_order(order.id), order_id=order.id,
                       amount=event.payload.get("amount") or 0)])
