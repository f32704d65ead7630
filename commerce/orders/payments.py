"""Paying orders through WeChat Pay, and applying WeChat's answer exactly once.

- ``start_payment`` asks WeChat for a JSAPI prepay (inside WeChat and mini-programs, needs
  the member's openid), a Native QR code (desktop) or an H5 link (other phone browsers).
  The order number is the ``out_trade_no``.
- ``apply_payment_notification`` verifies and decrypts a notification, checks it is about
  this store's account and this order's amount, records WeChat's notification id (a replay
  finds it and changes nothing), then moves the order with the conditional "pay"
  transition. Follow-up work (points, commissions: subscribers of "order.paid") is
  published in the same transaction, only when this call made the change.
- ``settle_from_query`` does the same from an active query, for orders whose notification
  never came (the timeout and reconciliation jobs).
- ``pay_with_balance`` pays an order from the member's stored value instead; both ways end
  in ``record_payment``, the one "pay" transition with its follow-ups.
- An order paid in parts (a pre-sale's deposit and balance, ``instalments``) is paid part by
  part the same ways, each part under its own ``out_trade_no`` and amount, in its window.

The WeChat side alone (prepay, verifying a notification, remembering its id) is
``payments``, shared with top-ups of stored value and billing.
"""
import logging

from flask_babel import gettext as _
from sqlalchemy import select

from commerce.members.wallet import spend_balance
from commerce.orders import states
from commerce.orders.errors import OrderStateError
from commerce.orders.fulfillment import assign_to_fulfillments
from commerce.orders.hooks import run_order_hooks
from commerce.orders.instalments import find_instalment, payment_target, record_part
from commerce.orders.models import Order, Payment
from commerce.orders.refunds import find_refund, mark_abnormal, reconcile_refunds, settle_refund
from commerce.orders.service import PAID_AFTER_CANCEL, count_as_sold
from core.audit import record_audit
from core.clock import to_china
from core.extensions import db
from core.models import utcnow
from core.outbox import publish
from payments import InvalidNotification, PaymentError, close_payment, query_payment
from payments.notifications import parse_wechat_time, read_notification, record_notification
from payments.prepay import prepay
from payments.settings import store_pay_account as _account_of
from tenants.models import Tenant

log = logging.getLogger(__name__)


def store_pay_account(tenant):
    """The account a store's shoppers pay into (see ``payments.settings``)."""
    return _account_of(tenant.id)


def start_payment(order, channel, *, client_ip=None, openid=None, appid=None):
    """Ask WeChat to collect ``order.total``; returns the ``Payment`` with what the page
    needs (``prepay_id`` and the signed JSAPI parameters, ``code_url`` or ``h5_url``).
    ``appid``: the store's mini-program the shopper pays in (``openid`` is of that app).

    :raise OrderStateError: the order is not waiting for payment (paid, cancelled, expired)
    :raise PaymentError: WeChat refused or could not be reached
    """
    target = _payable_target(order)
    tenant = db.session.get(Tenant, order.tenant_id)
    asked = prepay(tenant.id, channel, out_trade_no=target.out_trade_no, description=_description(order, tenant),
                   amount_fen=target.amount, time_expire=target.due_at, client_ip=client_ip, openid=openid,
                   appid=appid)
    if target.instalment is not None and target.instalment.sent_at is None:
        target.instalment.sent_at = utcnow()  # from now on the timeout and the reconciler ask WeChat about it
    payment = Payment(order_id=order.id, channel=channel, amount=target.amount, prepay_id=asked.prepay_id,
                      code_url=asked.code_url, h5_url=asked.h5_url)
    payment.jsapi = asked.jsapi
    db.session.add(payment)
    db.session.flush()
    return payment


def pay_with_balance(order, member):
    """Pay the whole ``order.total`` from ``member``'s stored value: the "pay" transition (its
    conditional UPDATE decides a race for the order) and the ledger entry (its conditional
    UPDATE of the balance decides a race for the money) in one transaction, so one balance
    never pays more than it holds and an order is paid once. A WeChat prepay made for the
    order before is closed in the same step, so the shopper cannot pay it twice. Returns
    the ledger entry. Does not commit; after a refusal the caller rolls back.

    :raise OrderStateError: not this member's order, no longer waiting for payment, or paid
        at WeChat meanwhile
    :raise NotEnough: the balance does not cover the total
    :raise PaymentError: WeChat could not be reached to close the earlier prepay
    """
    if order.member_id != member.id:
        raise OrderStateError(_("This order is no longer waiting for payment."))
    target = _payable_target(order)
    if record_payment(order, f"balance:{target.out_trade_no}", None, source="balance",
                      paid_with=Order.PAID_WITH_BALANCE, instalment=target.instalment) != "applied":
        raise OrderStateError(_("This order is no longer waiting for payment."))
    entry = spend_balance(member, target.amount, order_id=order.id,
                          part=target.instalment.seq if target.instalment is not None else None)
    if entry is None:  # spent for this order before: it cannot have been waiting for payment
        raise OrderStateError(_("This order is no longer waiting for payment."))
    if asked_of_wechat(order, target):
        _close_wechat_prepay(order, target.out_trade_no)  # last: a refused spend leaves the prepay payable
    return entry


def asked_of_wechat(order, target):
    """Whether WeChat Pay was asked to collect ``target`` (the order, or its part) — else there
    is nothing to query or close there."""
    if target.instalment is not None:
        return target.instalment.asked_of_wechat()
    return db.session.scalar(select(Payment.id).where(Payment.order_id == order.id).limit(1)) is not None


def _payable_target(order):
    """What can be paid on ``order`` now (the order, or its part in its window).

    :raise OrderStateError: no longer waiting for payment, or its next part's window not open"""
    now = utcnow()
    target = payment_target(order)
    if order.status != Order.PENDING_PAYMENT or target.due_at <= now:
        raise OrderStateError(_("This order is no longer waiting for payment."))
    if target.opens_at is not None and target.opens_at > now:
        raise OrderStateError(_("The balance can be paid from %(when)s.", when=to_china(target.opens_at).strftime("%Y-%m-%d %H:%M")))
    return target


def _close_wechat_prepay(order, out_trade_no):
    try:
        close_payment(store_pay_account(db.session.get(Tenant, order.tenant_id)), out_trade_no)
    except PaymentError as error:
        if error.code == "ORDERPAID":
            raise OrderStateError(_("This order was paid with WeChat Pay already.")) from None
        raise


def apply_payment_notification(tenant_id, headers, body):
    """Verify, decrypt and apply one WeChat Pay notification for store ``tenant_id``.

    Returns ``"applied"``, ``"duplicate"`` (seen before: acknowledged, nothing changed) or
    ``"ignored"`` (an event we do not act on). Commits.

    :raise InvalidNotification: forged, tampered, too old, or about another account/amount
    """
    return apply_order_notification(*read_notification(tenant_id, headers, body))


def apply_order_notification(envelope, resource):
    """Apply a verified notification (``read_notification``) about an order or a refund;
    see ``apply_payment_notification``. Commits."""
    if envelope.get("event_type", "").startswith("REFUND."):
        return _apply_refund_notification(envelope, resource)
    if envelope.get("event_type") != "TRANSACTION.SUCCESS":
        return "ignored"
    out_trade_no = resource.get("out_trade_no")
    order = db.session.scalar(select(Order).where(Order.number == out_trade_no))
    part = find_instalment(out_trade_no) if order is None else None
    if part is not None:
        order = db.session.get(Order, part.order_id)
    if order is None:
        raise InvalidNotification("The notification names an order this store does not have.")
    if (resource.get("amount") or {}).get("total") != (part.amount if part is not None else order.total):
        raise InvalidNotification("The notification's amount is not the order's total.")
    if not record_notification(envelope, out_trade_no):
        db.session.rollback()
        return "duplicate"
    outcome = record_payment(order, resource.get("transaction_id"), resource.get("success_time"), source="notification",
                             instalment=part)
    db.session.commit()
    return outcome


def _apply_refund_notification(envelope, resource):
    refund = find_refund(resource.get("out_refund_no"))
    if refund is None:
        raise InvalidNotification("The notification names a refund this store does not have.")
    if (resource.get("amount") or {}).get("refund") != refund.amount:
        raise InvalidNotification("The notification's amount is not the refund's.")
    order = db.session.get(Order, refund.order_id)
    if not record_notification(envelope, order.number):
        db.session.rollback()
        return "duplicate"
    outcome = resource.get("refund_status")
    if outcome == "ABNORMAL":  # still open: the merchant handles it at WeChat, which reports again
        mark_abnormal(refund, refund_id=resource.get("refund_id"))
        applied = True
    else:
        applied = settle_refund(refund, succeeded=outcome == "SUCCESS", refund_id=resource.get("refund_id"),
                                failure=None if outcome == "SUCCESS" else f"WeChat Pay: {outcome}")
    db.session.commit()
    reconcile_refunds(order=order)  # the order's other refunds whose answer never came
    return "applied" if applied else "duplicate"


def settle_from_query(order):
    """Ask WeChat about an unpaid order; apply the payment if it was made. Returns True
    when the order is (now) paid. Does not commit."""
    target = payment_target(order)
    if not asked_of_wechat(order, target):
        return False  # never sent to WeChat: nothing can have been paid
    tenant = db.session.get(Tenant, order.tenant_id)
    status = query_payment(store_pay_account(tenant), target.out_trade_no)
    if not status.was_paid:
        return False
    if status.amount_fen != target.amount:
        log.error("order %s: WeChat reports %s fen paid, %s was due", target.out_trade_no, status.amount_fen,
                  target.amount)
        return False
    record_payment(order, status.transaction_id, status.success_time, source="query", instalment=target.instalment)
    return order.status != Order.PENDING_PAYMENT or target.instalment is not None


def record_payment(order, transaction_id, success_time, *, source, paid_with=Order.PAID_WITH_WECHAT,
                   instalment=None):
    """Apply a payment WeChat confirmed (by notification or query), or one from the balance
    (``pay_with_balance``), to a pending order: the conditional "pay" transition, sales
    counts, packing lists. Returns "applied", "refunding" (a WeChat payment of an order that
    had been cancelled: the money goes back) or "duplicate". ``instalment``: the part of an
    order paid in parts this pays; only the last part makes the "pay" transition."""
    paid_at = parse_wechat_time(success_time)
    if instalment is not None:
        part = record_part(order, instalment, transaction_id=transaction_id, paid_at=paid_at, paid_with=paid_with)
        if part == "applied":
            record_audit("order.part_paid", actor=None, tenant_id=order.tenant_id, target=order,
                         details={"transaction_id": transaction_id, "part": instalment.seq, "source": source})
            return "applied"
        if part == "duplicate":
            return "duplicate"
        if part == "closed":
            return _paid_after_cancel(order, transaction_id, paid_with, instalment.amount)
    if states.transition(order, "pay", transaction_id=transaction_id, paid_amount=order.total, paid_at=paid_at,
                         paid_with=paid_with):
        if not any(run_order_hooks("paid", order)):  # a team order ships once its team has succeeded
            assign_to_fulfillments(order)
        record_audit("order.paid", actor=None, tenant_id=order.tenant_id, target=order,
                     details={"transaction_id": transaction_id, "source": source})
        # Last: a product's row is locked from here to the commit, and every payment of a
        # best seller (100 notifications of one flash sale at once) waits for it in turn.
        count_as_sold(order)
        return "applied"
    return _paid_after_cancel(order, transaction_id, paid_with, order.total)


def _paid_after_cancel(order, transaction_id, paid_with, amount):
    db.session.refresh(order)  # the row as it is now: cancelled, or paid by a concurrent delivery
    if paid_with == Order.PAID_WITH_WECHAT and order.status == Order.CANCELLED and order.transaction_id is None:
        # Paid after we cancelled it (the shopper paid at the last second): the money goes back.
        record_audit("order.paid_after_cancel", actor=None, tenant_id=order.tenant_id, target=order,
                     details={"transaction_id": transaction_id})
        order.transaction_id, order.paid_amount = transaction_id, amount
        db.session.flush()
        publish(PAID_AFTER_CANCEL, tenant_id=order.tenant_id, order_id=order.id)
        return "refunding"
    return "duplicate"


def _description(order, tenant):
    first = order.lines[0].title if order.lines else tenant.name
    return f"{tenant.name}-{first}"

