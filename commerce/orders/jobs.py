"""Background work on orders. Each job takes ids, enters its tenant (``core.jobs.run_job``)
and is safe to run twice: it re-reads the order and acts only through the conditional
state transitions. The orders' own sweep steps are here too (``core.sweep_steps``);
``sweep_store`` runs every package's steps."""
import logging
from datetime import timedelta

from sqlalchemy import select

from commerce.orders import states
from commerce.orders.hooks import run_order_hooks
from commerce.orders.instalments import payment_target
from commerce.orders.models import Order, Payment, Refund
from commerce.orders.payments import asked_of_wechat, settle_from_query, store_pay_account
from commerce.orders.refunds import reconcile_refunds, refund_order, send_refund
from commerce.orders.service import cancel_order
from core.extensions import db
from core.jobs import run_job
from core.models import utcnow
from core.sweep_steps import run_sweep_steps, sweep_step
from core.tenancy import unscoped
from payments import PaymentError, close_payment
from tenants.models import Tenant

log = logging.getLogger(__name__)
RECONCILE_AFTER_MINUTES = 5
AUTO_COMPLETE_DAYS = 10  # a shipped order the shopper never confirms completes this long after it was sent


def cancel_unpaid_order(order_id):
    """The payment time of an order is up: unless WeChat says it was paid after all (its
    notification may be late or lost), close the payment and cancel, returning the stock."""
    order = db.session.get(Order, order_id)
    if order is None or order.status != Order.PENDING_PAYMENT:
        return "nothing to do"
    if order.expires_at > utcnow():
        return "not yet"  # the timeout moved; the job scheduled for the new time will come
    if settle_from_query(order):  # raises PaymentError when WeChat cannot be asked: retried later
        db.session.commit()
        return "paid"
    target = payment_target(order)
    if asked_of_wechat(order, target):
        try:
            close_payment(store_pay_account(db.session.get(Tenant, order.tenant_id)), target.out_trade_no)
        except PaymentError as error:
            if error.code == "ORDERPAID":  # paid between our query and the close
                settle_from_query(order)
                db.session.commit()
                return "paid"
            raise
    cancelled = cancel_order(order, reason="timeout", overdue_at=utcnow())
    db.session.commit()
    return "cancelled" if cancelled else "nothing to do"


@sweep_step(order=10, outcome="settled")
def reconcile_unpaid_orders():
    """For the current store: ask WeChat about orders that were sent to it some minutes ago
    and are still unpaid, in case a notification never arrived."""
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


@sweep_step(order=20, outcome="cancelled")
def cancel_overdue_orders():
    """For the current store: cancel unpaid orders past their time whose timeout job never
    came (unless WeChat says they were paid). Returns how many were cancelled."""
    overdue = db.session.scalars(select(Order.id).where(Order.status == Order.PENDING_PAYMENT,
                                                        Order.expires_at <= utcnow())).all()
    return sum(cancel_unpaid_order(order_id) == "cancelled" for order_id in overdue)


@sweep_step(order=40, outcome="completed")
def complete_long_shipped_orders():
    """For the current store: complete orders shipped ``AUTO_COMPLETE_DAYS`` ago that the
    shopper never confirmed. Returns how many."""
    cutoff = utcnow() - timedelta(days=AUTO_COMPLETE_DAYS)
    completed = 0
    for order in db.session.scalars(select(Order).where(Order.status == Order.SHIPPED, Order.shipped_at <= cutoff)):
        if states.transition(order, "complete"):
            run_order_hooks("completed", order)
            completed += 1
    return completed


@sweep_step(order=70)
def reconcile_open_refunds():
    """Refunds WeChat has not answered are asked about (and settled) again."""
    reconcile_refunds()


def sweep_store():
    """For the current store, re-derive what is due from the database (rq may lose a
    scheduled job, and a dead worker holds rq's scheduler for minutes): every step each
    package registered with ``core.sweep_steps.sweep_step`` — unpaid orders, campaigns,
    points, top-ups, refunds, commissions … Safe to run any time, and twice at once.
    Returns the steps' outcomes by name."""
    return run_sweep_steps()


def sweep_all_stores():
    """Platform-wide (``flask sweep``, and ``flask worker`` every minute): ``sweep_store``
    in every open or suspended store (shoppers are owed their refunds and stock either way),
    in this process, so nothing waits on a queue, each in its own app context (own session)
    as a job would run. One store's failure is logged and the others go on. Returns
    ``{store id: outcome}`` of the stores swept."""
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
