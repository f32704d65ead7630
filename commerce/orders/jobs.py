"""Background work on orders. Each job takes ids, enters its tenant (``core.jobs.run_job``)
and is safe to run twice: it re-reads the order and acts only through the conditional
state transitions."""
import logging

from sqlalchemy import select

from commerce.orders.models import Order, Payment, Refund
from commerce.orders.refunds import reconcile_refunds, refund_order, send_refund
from core.extensions import db
from core.models import utcnow

log = logging.getLogger(__name__)
RECONCILE_AFTER_MINUTES = 5
AUTO_COMPLETE_DAYS = 10  # a shipped order the shopper never confirms completes this long after it was sent


def cancel_unpaid_order(order_id):
    """The payment time of an order is up: unless WeChat says it was paid after all (its
    notification may be late or lost), close the payment and cancel, returning the stock."""
    from commerce.orders.payments import settle_from_query, store_pay_account
    from commerce.orders.service import cancel_order
    from payments import PaymentError, close_payment
    from tenants.models import Tenant

    order = db.session.get(Order, order_id)
    if order is None or order.status != Order.PENDING_PAYMENT:
        return "nothing to do"
    if order.expires_at > utcnow():
        return "not yet"  # the timeout moved; the job scheduled for the new time will come
    if settle_from_query(order):  # raises PaymentError when WeChat cannot be asked: retried later
        db.session.commit()
        return "paid"
    if _sent_to_wechat(order):
        try:
            close_payment(store_pay_account(db.session.get(Tenant, order.tenant_id)), order.number)
        except PaymentError as error:
            if error.code == "ORDERPAID":  # paid between our query and the close
                settle_from_query(order)
                db.session.commit()
                return "paid"
            raise
    cancelled = cancel_order(order, reason="timeout")
    db.session.commit()
    return "cancelled" if cancelled else "nothing to do"


def reconcile_unpaid_orders():
    """For the current store: ask WeChat about orders that were sent to it some minutes ago
    and are still unpaid, in case a notification never arrived."""
    from datetime import timedelta

    from commerce.orders.payments import settle_from_query

    cutoff = utcnow() - timedelta(minutes=RECONCILE_AFTER_MINUTES)
    waiting = db.session.scalars(select(Order).where(
        Order.status == Order.PENDING_PAYMENT, Order.created_at <= cutoff,
        Order.id.in_(select(Payment.order_id)))).all()
    settled = 0
    for order in waiting:
        if settle_from_query(order):
            settled += 1
        db.session.commit()
    return settled


def refund_late_payment(order_id):
    """An order was paid after it had been cancelled: give the whole amount back, through
    the one refund path. A rerun finds the refund made by the first and only sends it again
    if WeChat's answer never came (same number: the same refund at WeChat)."""
    order = db.session.get(Order, order_id)
    if order is None or order.status != Order.CANCELLED or not order.transaction_id:
        return "nothing to do"
    refund = db.session.scalar(select(Refund).where(Refund.order_id == order.id, Refund.status != Refund.FAILED))
    if refund is None:
        refund_order(order, amount=order.paid_amount, reason="订单已取消，自动退款", actor=None)
    else:
        send_refund(refund)
    return "refunded"


def _sent_to_wechat(order):
    return db.session.scalar(select(Payment.id).where(Payment.order_id == order.id).limit(1)) is not None


def sweep_store():
    """For the current store, re-derive what is due from the database (rq may lose a
    scheduled job, and a dead worker holds rq's scheduler for minutes): cancel unpaid orders
    past their time, ask WeChat about orders whose notification never came, expire
    group-buy teams (refunding their members) and bargains past their deadline, rebuild
    cached pages when a campaign just started or ended, complete orders shipped long ago,
    expire old points. Safe to run any time, and twice at once."""
    from datetime import timedelta

    from commerce.marketing.bargains.jobs import expire_due_bargains
    from commerce.marketing.distribution.jobs import settle_due_commissions
    from commerce.marketing.distribution.service import order_completed
    from commerce.marketing.group_buys.jobs import expire_due_teams
    from commerce.marketing.windows import refresh_pages_after_recent_windows
    from commerce.members.points import expire_points
    from commerce.members.top_ups import reconcile_pending_top_ups
    from commerce.orders import states

    overdue = db.session.scalars(select(Order.id).where(Order.status == Order.PENDING_PAYMENT,
                                                        Order.expires_at <= utcnow())).all()
    outcome = {"cancelled": 0, "settled": reconcile_unpaid_orders(), "completed": 0}
    for order_id in overdue:
        if cancel_unpaid_order(order_id) == "cancelled":
            outcome["cancelled"] += 1
    outcome["team_refunds"] = expire_due_teams()
    outcome["bargains_expired"] = expire_due_bargains()
    outcome["pages_refreshed"] = int(refresh_pages_after_recent_windows())
    cutoff = utcnow() - timedelta(days=AUTO_COMPLETE_DAYS)
    for order in db.session.scalars(select(Order).where(Order.status == Order.SHIPPED, Order.shipped_at <= cutoff)):
        if states.transition(order, "complete"):
            order_completed(order)
            outcome["completed"] += 1
    db.session.commit()
    outcome["points_expired"] = expire_points()
    reconcile_pending_top_ups()  # a top-up whose notification was lost is credited all the same
    reconcile_refunds()  # refunds WeChat has not answered are asked about (and settled) again
    settle_due_commissions()  # commissions past their after-sales window go to the balance
    db.session.commit()
    return outcome


def sweep_all_stores():
    """Platform-wide (``flask sweep``, and ``flask worker`` every minute): ``sweep_store``
    in every open or suspended store (shoppers are owed their refunds and stock either way),
    in this process, so nothing waits on a queue, each in its own app context (own session)
    as a job would run. One store's failure is logged and the others go on. Returns
    ``{store id: outcome}`` of the stores swept."""
    from core.jobs import run_job
    from core.tenancy import unscoped
    from tenants.models import Tenant

    with unscoped():
        tenant_ids = db.session.scalars(select(Tenant.id).where(Tenant.status.in_((Tenant.ACTIVE, Tenant.SUSPENDED)))
                                        .order_by(Tenant.id)).all()
    outcomes = {}
    for tenant_id in tenant_ids:
        try:
            outcomes[tenant_id] = run_job(sweep_store, tenant_id, ())
        except Exception:
            log.exception("sweep failed for store %s; the next sweep tries again", tenant_id)
    return outcomes
