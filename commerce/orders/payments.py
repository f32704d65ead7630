"""Paying orders through WeChat Pay, and applying WeChat's answer exactly once.

- ``start_payment`` asks WeChat for a JSAPI prepay (inside WeChat and mini-programs, needs
  the member's openid), a Native QR code (desktop) or an H5 link (other phone browsers).
  The order number is the ``out_trade_no``.
- ``apply_payment_notification`` verifies and decrypts a notification, checks it is about
  this store's account and this order's amount, records WeChat's notification id (a replay
  finds it and changes nothing), then moves the order with the conditional "pay"
  transition. Follow-up work is enqueued only when this call made the change.
- ``settle_from_query`` does the same from an active query, for orders whose notification
  never came (the timeout and reconciliation jobs).

The store's account: the platform as service provider with the store's ``sub_mchid``.
With the sandbox on, a store without one gets a stable development number.
"""
import logging
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from commerce.marketing.group_buys import order_paid as group_order_paid
from commerce.members.points import credit_points_for_paid_order
from commerce.orders import states
from commerce.orders.errors import OrderStateError
from commerce.orders.fulfillment import assign_to_fulfillments
from commerce.orders.jobs import refund_late_payment
from commerce.orders.models import Order, Payment, PaymentEvent
from commerce.orders.service import count_as_sold
from commerce.payments import (
    InvalidNotification,
    PaymentError,
    create_h5_payment,
    create_jsapi_payment,
    create_native_payment,
    parse_notification,
    query_payment,
)
from commerce.payments.settings import store_pay_account as _account_of
from core.audit import record_audit
from core.extensions import db
from core.jobs import enqueue_after_commit
from core.models import utcnow
from tenants.models import Tenant

log = logging.getLogger(__name__)


def store_pay_account(tenant):
    """The account a store's shoppers pay into (see ``commerce.payments.settings``)."""
    return _account_of(tenant.id)


def notify_url(tenant_id):
    base = current_app.config.get("PAYMENT_NOTIFY_BASE_URL") or f"http://{current_app.config['PLATFORM_DOMAIN']}"
    return f"{base.rstrip('/')}/payments/wechatpay/notify/{int(tenant_id)}"


def start_payment(order, channel, *, client_ip=None, openid=None):
    """Ask WeChat to collect ``order.total``; returns the ``Payment`` with what the page
    needs (``prepay_id`` and the signed JSAPI parameters, ``code_url`` or ``h5_url``).

    :raise OrderStateError: the order is not waiting for payment (paid, cancelled, expired)
    :raise PaymentError: WeChat refused or could not be reached
    """
    if order.status != Order.PENDING_PAYMENT or order.expires_at <= utcnow():
        raise OrderStateError(_("This order is no longer waiting for payment."))
    tenant = db.session.get(Tenant, order.tenant_id)
    account = store_pay_account(tenant)
    common = {"out_trade_no": order.number, "description": _description(order, tenant),
              "amount_fen": order.total, "notify_url": notify_url(order.tenant_id),
              "time_expire": order.expires_at}
    payment = Payment(order_id=order.id, channel=channel, amount=order.total)
    if channel == Payment.JSAPI:
        if not openid:
            raise PaymentError(_("Open this page in WeChat to pay with WeChat Pay."))
        payment.jsapi = create_jsapi_payment(account, openid=openid, **common)
        payment.prepay_id = payment.jsapi["package"].removeprefix("prepay_id=")
    elif channel == Payment.NATIVE:
        payment.code_url = create_native_payment(account, **common)
    elif channel == Payment.H5:
        payment.h5_url = create_h5_payment(account, client_ip=client_ip or "127.0.0.1", **common)
    else:
        raise ValueError(f"unknown channel {channel!r}")
    db.session.add(payment)
    db.session.flush()
    return payment


def apply_payment_notification(tenant_id, headers, body):
    """Verify, decrypt and apply one WeChat Pay notification for store ``tenant_id``.

    Returns ``"applied"``, ``"duplicate"`` (seen before: acknowledged, nothing changed) or
    ``"ignored"`` (an event we do not act on). Commits.

    :raise InvalidNotification: forged, tampered, too old, or about another account/amount
    """
    tenant = db.session.get(Tenant, tenant_id)
    account = store_pay_account(tenant)
    envelope = parse_notification(account, headers, body)
    resource = envelope["resource"]
    _check_account(account, resource)
    if envelope.get("event_type", "").startswith("REFUND."):
        return _apply_refund_notification(tenant_id, envelope, resource)
    if envelope.get("event_type") != "TRANSACTION.SUCCESS":
        return "ignored"
    order = db.session.scalar(select(Order).where(Order.number == resource.get("out_trade_no")))
    if order is None:
        raise InvalidNotification("The notification names an order this store does not have.")
    if (resource.get("amount") or {}).get("total") != order.total:
        raise InvalidNotification("The notification's amount is not the order's total.")
    if not _record_event(tenant_id, envelope, order):
        db.session.rollback()
        return "duplicate"
    outcome = record_payment(order, resource.get("transaction_id"), resource.get("success_time"), source="notification")
    db.session.commit()
    return outcome


def _apply_refund_notification(tenant_id, envelope, resource):
    from commerce.orders.refunds import find_refund, settle_refund

    refund = find_refund(resource.get("out_refund_no"))
    if refund is None:
        raise InvalidNotification("The notification names a refund this store does not have.")
    if (resource.get("amount") or {}).get("refund") != refund.amount:
        raise InvalidNotification("The notification's amount is not the refund's.")
    order = db.session.get(Order, refund.order_id)
    if not _record_event(tenant_id, envelope, order):
        db.session.rollback()
        return "duplicate"
    applied = settle_refund(refund, succeeded=resource.get("refund_status") == "SUCCESS")
    db.session.commit()
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


def record_payment(order, transaction_id, success_time, *, source):
    """Apply a payment WeChat confirmed (by notification or query) to a pending order: the
    conditional "pay" transition, sales counts, packing lists. Returns "applied",
    "refunding" (the order had been cancelled: the money goes back) or "duplicate"."""
    paid_at = _parse_time(success_time)
    if states.transition(order, "pay", transaction_id=transaction_id, paid_amount=order.total, paid_at=paid_at):
        count_as_sold(order)
        if group_order_paid(order) is None:  # a team order ships once its team has succeeded
            assign_to_fulfillments(order)
        enqueue_after_commit(credit_points_for_paid_order, order.id, tenant_id=order.tenant_id)
        record_audit("order.paid", actor=None, tenant_id=order.tenant_id, target=order,
                     details={"transaction_id": transaction_id, "source": source})
        return "applied"
    db.session.refresh(order)  # the row as it is now: cancelled, or paid by a concurrent delivery
    if order.status == Order.CANCELLED and order.transaction_id is None:
        # Paid after we cancelled it (the shopper paid at the last second): the money goes back.
        record_audit("order.paid_after_cancel", actor=None, tenant_id=order.tenant_id, target=order,
                     details={"transaction_id": transaction_id})
        order.transaction_id, order.paid_amount = transaction_id, order.total
        db.session.flush()
        enqueue_after_commit(refund_late_payment, order.id, tenant_id=order.tenant_id, queue="high")
        return "refunding"
    return "duplicate"


def _record_event(tenant_id, envelope, order):
    """False if this notification id was applied before (a replay or a second delivery)."""
    try:
        with db.session.begin_nested():
            db.session.add(PaymentEvent(notification_id=str(envelope.get("id")), event_type=envelope["event_type"],
                                        out_trade_no=order.number, received_at=utcnow()))
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
    text = f"{tenant.name}-{first}"
    return text[:127]


def _parse_time(value):
    try:
        return datetime.fromisoformat(value) if value else utcnow()
    except ValueError:
        return utcnow()
