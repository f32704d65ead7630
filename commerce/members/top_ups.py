"""Paying for a top-up of stored value (储值) with WeChat Pay: the same three channels and
the same store account as orders (``payments.prepay``), with the top-up's
number (``T…``) as the ``out_trade_no``. WeChat's confirmation — its notification or our
active query — is applied once through ``commerce.members.wallet.apply_top_up``.
"""
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from commerce.members.models import TopUp
from commerce.members.wallet import apply_top_up
from core.errors import DomainError
from core.extensions import db
from core.models import utcnow
from core.sweep_steps import sweep_step
from payments import InvalidNotification, PaymentError, query_payment
from payments.notifications import parse_wechat_time, record_notification
from payments.prepay import prepay
from payments.settings import store_pay_account
from tenants.models import Tenant

PAY_WITHIN = timedelta(hours=2)  # a prepay is good for 2 hours at WeChat
NOT_AT_WECHAT = ("ORDER_NOT_EXIST", "ORDERNOTEXIST")  # never sent (or not yet known) there: not paid


def is_top_up_number(out_trade_no):
    return isinstance(out_trade_no, str) and out_trade_no.startswith("T")


def start_top_up_payment(top_up, channel, *, client_ip=None, openid=None, appid=None):
    """Ask WeChat to collect a pending top-up's amount; returns the ``Prepay``.

    :raise DomainError: the top-up was paid already
    :raise PaymentError: WeChat refused or could not be reached
    """
    if top_up.status != TopUp.PENDING:
        raise DomainError(_("This top-up has been paid already."), status=409)
    tenant = db.session.get(Tenant, top_up.tenant_id)
    return prepay(tenant.id, channel, out_trade_no=top_up.number, description=f"{tenant.name}-{_('Top-up')}",
                  amount_fen=top_up.amount, time_expire=top_up.created_at + PAY_WITHIN, client_ip=client_ip,
                  openid=openid, appid=appid)


def apply_top_up_notification(envelope, resource):
    """A verified TRANSACTION.SUCCESS notification (``read_notification``) for a top-up:
    credit it once. Returns "applied" or "duplicate". Commits.

    :raise InvalidNotification: an unknown top-up, or not its amount
    """
    top_up = find_top_up(resource.get("out_trade_no"))
    if top_up is None:
        raise InvalidNotification("The notification names a top-up this store does not have.")
    if (resource.get("amount") or {}).get("total") != top_up.amount:
        raise InvalidNotification("The notification's amount is not the top-up's.")
    if not record_notification(envelope, top_up.number):
        db.session.rollback()
        return "duplicate"
    applied = apply_top_up(top_up, resource.get("transaction_id"), paid_at=parse_wechat_time(resource.get("success_time")))
    db.session.commit()
    return "applied" if applied else "duplicate"


def settle_top_up_from_query(top_up):
    """"I have paid": ask WeChat about a pending top-up and credit it if it was paid.
    Returns True when the top-up is (now) paid. Does not commit.

    :raise PaymentError: WeChat could not be asked
    """
    if top_up.status == TopUp.PAID:
        return True
    try:
        status = query_payment(store_pay_account(top_up.tenant_id), top_up.number)
    except PaymentError as error:
        if error.code in NOT_AT_WECHAT:
            return False
        raise
    if not status.was_paid or status.amount_fen != top_up.amount:
        return False
    apply_top_up(top_up, status.transaction_id, paid_at=parse_wechat_time(status.success_time))
    return True


@sweep_step(order=60)
def reconcile_pending_top_ups(now=None, *, after_minutes=5, within_days=2):
    """For the current store (``sweep_store``): ask WeChat about top-ups still pending some
    minutes after they were started, in case the notification never came and the member
    never pressed "I have paid". Returns how many were credited."""
    now = now or utcnow()
    waiting = db.session.scalars(select(TopUp).where(
        TopUp.status == TopUp.PENDING, TopUp.created_at <= now - timedelta(minutes=after_minutes),
        TopUp.created_at > now - timedelta(days=within_days))).all()
    credited = 0
    for top_up in waiting:
        try:
            credited += settle_top_up_from_query(top_up)
        except PaymentError:
            db.session.rollback()  # WeChat did not answer: the next sweep asks again
            continue
        db.session.commit()
    return credited


def find_top_up(number):
    return db.session.scalar(select(TopUp).where(TopUp.number == number)) if is_top_up_number(number) else None


def member_top_up(member_id, number):
    """The member's top-up by number, or None (another member's or store's finds nothing)."""
    found = find_top_up(number)
    return found if found is not None and found.member_id == member_id else None
