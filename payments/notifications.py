"""A store's WeChat Pay notifications, before anyone acts on them: verified and decrypted
for the store's account (``read_notification``), remembered by WeChat's notification id so
a replay is recognised (``record_notification``). What a notification changes belongs to
its owner: orders (``commerce.orders.payments``), top-ups (``commerce.members.top_ups``)."""
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from core.extensions import db
from core.models import utcnow
from payments.errors import InvalidNotification
from payments.gateway import parse_notification
from payments.models import PaymentEvent
from payments.settings import store_pay_account


def read_notification(tenant_id, headers, body):
    """Verify and decrypt a notification for store ``tenant_id``: ``(envelope, resource)``.

    :raise InvalidNotification: forged, tampered, too old, or about another account
    """
    account = store_pay_account(tenant_id)
    envelope = parse_notification(account, headers, body)
    resource = envelope["resource"]
    check_account(account, resource)
    return envelope, resource


def check_account(account, resource):
    """:raise InvalidNotification: the resource names another merchant account or app"""
    expected_mchid = account.keys.mchid
    # Payment notifications name sp_mchid in partner mode; refund notifications name mchid.
    mchid = resource.get("sp_mchid") or resource.get("mchid") if account.partner_mode else resource.get("mchid")
    if mchid != expected_mchid or (account.partner_mode and resource.get("sub_mchid") != account.sub_mchid):
        raise InvalidNotification("The notification is for another merchant account.")
    appid = resource.get("sp_appid") if account.partner_mode else resource.get("appid")
    if appid and appid != account.keys.appid:
        raise InvalidNotification("The notification is for another app.")


def record_notification(envelope, out_trade_no):
    """False if this notification id was applied before (a replay or a second delivery)."""
    try:
        with db.session.begin_nested():
            db.session.add(PaymentEvent(notification_id=str(envelope.get("id")), event_type=envelope["event_type"],
                                        out_trade_no=out_trade_no, received_at=utcnow()))
    except IntegrityError:
        return False
    return True


def parse_wechat_time(value):
    """WeChat's ``success_time`` as an aware datetime; now when missing or unreadable."""
    try:
        return datetime.fromisoformat(value) if value else utcnow()
    except ValueError:
        return utcnow()
