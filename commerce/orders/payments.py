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
- ``prepay`` and ``read_notification`` are the WeChat side alone, shared with top-ups of
  stored value (``commerce.members.top_ups``), whose numbers start with "T".

The store's account: the platform as service provider with the store's ``sub_mchid``.
With the sandbox on, a store without one gets a stable development number.
"""
import logging
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from commerce.marketing.group_buys.service import order_paid as group_order_paid
from commerce.members.wallet import spend_balance
from commerce.orders import states
from commerce.orders.errors import OrderStateError
from commerce.orders.fulfillment import assign_to_fulfillments
from commerce.orders.models import Order, Payment, PaymentEvent
from commerce.orders.service import count_as_sold
from core.audit import record_audit
from core.extensions import db
from core.models import utcnow
from core.outbox import publish
from payments import (
    InvalidNotification,
    PaymentError,
    close_payment,
    create_h5_payment,
    create_jsapi_payment,
    create_native_payment,
    parse_notification,
    query_payment,
)
from payments.settings import notify_url
from payments.settings import store_pay_account as _account_of
from tenants.models import Tenant

log = logging.getLogger(__name__)
PAID_AFTER_CANCEL = "order.paid_after_cancel"  # its subscriber gives the money back


def store_pay_account(tenant):
    """The account a store's shoppers pay into (see ``payments.settings``)."""
    return _account_of(tenant.id)


@dataclass(frozen=True)
class Prepay:
    """What WeChat gave back for one channel: the signed JSAPI parameters (with their
    ``prepay_id``), a Native ``code_url`` or an H5 ``h5_url``."""

    jsapi: dict | None = None
    prepay_id: str | None = None
    code_url: str | None = None
    h5_url: str | None = None


def prepay(tenant, channel, *, out_trade_no, description, amount_fen, time_expire, client_ip=None, openid=None):
    """Ask WeChat to collect ``amount_fen`` for ``out_trade_no`` into the store's account on
    ``channel`` (``Payment.JSAPI``, ``NATIVE`` or ``H5``); its notification comes to ``notify_url``.

    :raise PaymentError: WeChat refused or could not be reached, or JSAPI without an openid
    """
    account = store_pay_account(tenant)
    common = {"out_trade_no": out_trade_no, "description": description[:127], "amount_fen": amount_fen,
              "notify_url": notify_url(tenant.id), "time_expire": time_expire}
    if channel == Payment.JSAPI:
        if not openid:
            raise PaymentError(_("Open this page in WeChat to pay with WeChat Pay."))
        jsapi = create_jsapi_payment(account, openid=openid, **common)
        return Prepay(jsapi=jsapi, prepay_id=jsapi["package"].removeprefix("prepay_id="))
    if channel == Payment.NATIVE:
        return Prepay(code_url=create_native_payment(account, **common))
    if channel == Payment.H5:
        return Prepay(h5_url=create_h5_payment(account, client_ip=client_ip or "127.0.0.1", **common))
    raise ValueError(f"unknown channel {channel!r}")


def start_payment(order, channel, *, client_ip=None, openid=None):
    """Ask WeChat to collect ``order.total``; returns the ``Payment`` with what the page
    needs (``prepay_id`` and the signed JSAPI parameters, ``code_url`` or ``h5_url``).

    :raise OrderStateError: the order is not waiting for payment (paid, cancelled, expired)
    :raise PaymentError: WeChat refused or could not be reached
    """
    if order.status != Order.PENDING_PAYMENT or order.expires_at <= utcnow():
        raise OrderStateError(_("This order is no longer waiting for payment."))
    tenant = db.session.get(Tenant, order.tenant_id)
    asked = prepay(tenant, channel, out_trade_no=order.number, description=_description(order, tenant),
                   amount_fen=order.total, time_expire=order.expires_at, client_ip=client_ip, openid=openid)
    payment = Payment(order_id=order.id, channel=channel, amount=order.total, prepay_id=asked.prepay_id,
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
    if order.member_id != member.id or order.status != Order.PENDING_PAYMENT or order.expires_at <= utcnow():
        raise OrderStateError(_("This order is no longer waiting for payment."))
    if record_payment(order, f"balance:{order.number}", None, source="balance",
                      paid_with=Order.PAID_WITH_BALANCE) != "applied":
        raise OrderStateError(_("This order is no longer waiting for payment."))
    entry = spend_balance(member, order.total, order_id=order.id)
    if entry is None:  # spent for this order before: it cannot have been waiting for payment
        raise OrderStateError(_("This order is no longer waiting for payment."))
    if db.session.scalar(select(Payment.id).where(Payment.order_id == order.id).limit(1)):
        _close_wechat_prepay(order)  # last: a refused spend leaves the prepay payable
    return entry


def _close_wechat_prepay(order):
    try:
        close_payment(store_pay_account(db.session.get(Tenant, order.tenant_id)), order.number)
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


def read_notification(tenant_id, headers, body):
    """Verify and decrypt a notification for store ``tenant_id``: ``(envelope, resource)``.

    :raise InvalidNotification: forged, tampered, too old, or about another account
    """
    account = store_pay_account(db.session.get(Tenant, tenant_id))
    envelope = parse_notification(account, headers, body)
    resource = envelope["resource"]
    _check_account(account, resource)
    return envelope, resource


def apply_order_notification(envelope, resource):
    """Apply a verified notification (``read_notification``) about an order or a refund;
    see ``apply_payment_notification``. Commits."""
    if envelope.get("event_type", "").startswith("REFUND."):
        return _apply_refund_notification(envelope, resource)
    if envelope.get("event_type") != "TRANSACTION.SUCCESS":
        return "ignored"
    order = db.session.scalar(select(Order).where(Order.number == resource.get("out_trade_no")))
    if order is None:
        raise InvalidNotification("The notification names an order this store does not have.")
    if (resource.get("amount") or {}).get("total") != order.total:
        raise InvalidNotification("The notification's amount is not the order's total.")
    if not record_event(envelope, order.number):
        db.session.rollback()
        return "duplicate"
    outcome = record_payment(order, resource.get("transaction_id"), resource.get("success_time"), source="notification")
    db.session.commit()
    return outcome


def _apply_refund_notification(envelope, resource):
    from commerce.orders.refunds import find_refund, mark_abnormal, reconcile_refunds, settle_refund

    refund = find_refund(resource.get("out_refund_no"))
    if refund is None:
        raise InvalidNotification("The notification names a refund this store does not have.")
    if (resource.get("amount") or {}).get("refund") != refund.amount:
        raise InvalidNotification("The notification's amount is not the refund's.")
    order = db.session.get(Order, refund.order_id)
    if not record_event(envelope, order.number):
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
    if not db.session.scalar(select(Payment.id).where(Payment.order_id == order.id).limit(1)):
        return False  # never sent to WeChat: nothing can have been paid
    tenant = db.session.get(Tenant, order.tenant_id)
    status = query_payment(store_pay_account(tenant), order.number)
    if not status.was_paid:
        return False
    if status.amount_fen != order.total:
        log.error("order %s: WeChat reports %s fen paid, total is %s", order.number, status.amount_fen, order.total)
        return False
    record_payment(order, status.transaction_id, status.success_time, source="query")
    return True


def record_payment(order, transaction_id, success_time, *, source, paid_with=Order.PAID_WITH_WECHAT):
    """Apply a payment WeChat confirmed (by notification or query), or one from the balance
    (``pay_with_balance``), to a pending order: the conditional "pay" transition, sales
    counts, packing lists. Returns "applied", "refunding" (a WeChat payment of an order that
    had been cancelled: the money goes back) or "duplicate"."""
    paid_at = parse_wechat_time(success_time)
    if states.transition(order, "pay", transaction_id=transaction_id, paid_amount=order.total, paid_at=paid_at,
                         paid_with=paid_with):
        count_as_sold(order)
        if group_order_paid(order) is None:  # a team order ships once its team has succeeded
            assign_to_fulfillments(order)
        record_audit("order.paid", actor=None, tenant_id=order.tenant_id, target=order,
                     details={"transaction_id": transaction_id, "source": source})
        return "applied"
    db.session.refresh(order)  # the row as it is now: cancelled, or paid by a concurrent delivery
    if paid_with == Order.PAID_WITH_WECHAT and order.status == Order.CANCELLED and order.transaction_id is None:
        # Paid after we cancelled it (the shopper paid at the last second): the money goes back.
        record_audit("order.paid_after_cancel", actor=None, tenant_id=order.tenant_id, target=order,
                     details={"transaction_id": transaction_id})
        order.transaction_id, order.paid_amount = transaction_id, order.total
        db.session.flush()
        publish(PAID_AFTER_CANCEL, tenant_id=order.tenant_id, order_id=order.id)
        return "refunding"
    return "duplicate"


def record_event(envelope, out_trade_no):
    """False if this notification id was applied before (a replay or a second delivery)."""
    try:
        with db.session.begin_nested():
            db.session.add(PaymentEvent(notification_id=str(envelope.get("id")), event_type=envelope["event_type"],
                                        out_trade_no=out_trade_no, received_at=utcnow()))
    except IntegrityError:
        return False
    return True


def _check_account(account, resource):
    expected_mchid = account.keys.mchid
    # Payment notifications name sp_mchid in partner mode; refund notifications name mchid.
    mchid = resource.get("sp_mchid") or resource.get("mchid") if account.partner_mode else resource.get("mchid")
    if mchid != expected_mchid or (account.partner_mode and resource.get("sub_mchid") != account.sub_mchid):
        raise InvalidNotification("The notification is for another merchant account.")
    appid = resource.get("sp_appid") if account.partner_mode else resource.get("appid")
    if appid and appid != account.keys.appid:
        raise InvalidNotification("The notification is for another app.")


def _description(order, tenant):
    first = order.lines[0].title if order.lines else tenant.name
    return f"{tenant.name}-{first}"


def parse_wechat_time(value):
    try:
        return datetime.fromisoformat(value) if value else utcnow()
    except ValueError:
        return utcnow()
