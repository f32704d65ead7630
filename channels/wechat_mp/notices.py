"""Template messages (模板消息) to a member who follows the store's account, on the events
the store already announces through the outbox: order paid, shipped, refunded; group-buy
team succeeded or failed; bargain floor reached. Each kind has a switch and the template id
the merchant picked in WeChat's template library; the message fills the classic fields
(``first``, ``keyword1``–``keyword3``, ``remark``). Each goes out once per (event, member):
``sends.send_once`` with the key ``<kind>:<subject id>:<member id>``."""
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from channels.wechat_mp import client
from channels.wechat_mp.accounts import account_of
from channels.wechat_mp.errors import NotBound, OfficialAccountRefused
from channels.wechat_mp.links import target_url
from channels.wechat_mp.models import Follower
from channels.wechat_mp.sends import send_once
from channels.wechat_mp.tokens import with_token
from commerce.marketing.bargains.models import Bargain
from commerce.marketing.bargains.service import BARGAIN_FLOOR_REACHED
from commerce.marketing.group_buys.models import GroupTeam, GroupTeamMember
from commerce.marketing.group_buys.service import TEAM_FAILED, TEAM_SUCCEEDED
from commerce.orders.models import Order, Refund
from core.audit import record_audit
from core.clock import to_china
from core.extensions import db
from core.models import utcnow
from core.money import format_money
from core.outbox import subscriber

KINDS = ("order_paid", "order_shipped", "order_refunded", "group_buy_succeeded", "group_buy_failed",
         "bargain_reached")
TEMPLATE_ID = re.compile(r"^[A-Za-z0-9_-]{10,64}$")


def notice_labels():
    return {"order_paid": _l("Order paid"), "order_shipped": _l("Order shipped"),
            "order_refunded": _l("Refund done"), "group_buy_succeeded": _l("Group buy succeeded"),
            "group_buy_failed": _l("Group buy failed (refunded)"), "bargain_reached": _l("Bargain reached its floor")}


def notice_settings(account):
    stored = (account.notices if account is not None else None) or {}
    return {kind: {"on": bool(stored.get(kind, {}).get("on")), "template_id": stored.get(kind, {}).get("template_id", "")}
            for kind in KINDS}


def save_notices(account, settings, *, actor):
    """``settings``: kind → (on, template_id); a switched-on kind needs its template id.

    :raise NotBound, OfficialAccountRefused: on ``<kind>_template_id``
    """
    if account is None:
        raise NotBound(_l("Bind your official account first."))
    cleaned = {}
    for kind in KINDS:
        on, template_id = settings.get(kind, (False, ""))
        template_id = (template_id or "").strip()
        if (on or template_id) and not TEMPLATE_ID.match(template_id):
            raise OfficialAccountRefused(_l("Paste the template ID from WeChat's template library."),
                                         field=f"{kind}_template_id")
        cleaned[kind] = {"on": bool(on), "template_id": template_id}
    account.notices = cleaned
    db.session.flush()
    record_audit("official_account.notices_saved", actor=actor, target=account,
                 details={"on": [kind for kind in KINDS if cleaned[kind]["on"]]})


def notify(kind, subject_id, member_id, *, first, keywords, remark="", link=""):
    """Send the ``kind`` notice to ``member_id`` if the store switched it on and they follow
    the account; the send's status, or None when nothing was to be sent."""
    account = account_of()
    setting = notice_settings(account)[kind]
    if account is None or not setting["on"] or member_id is None:
        return None
    openid = db.session.scalar(select(Follower.openid).where(Follower.member_id == member_id,
                                                             Follower.following.is_(True)))
    if openid is None:
        return None
    data = {"first": {"value": first}, "remark": {"value": remark}}
    data.update({f"keyword{number}": {"value": value} for number, value in enumerate(keywords, 1)})
    message = {"touser": openid, "template_id": setting["template_id"], "url": link, "data": data}
    return send_once(key=f"{kind}:{subject_id}:{member_id}", kind=kind, member_id=member_id, openid=openid,
                     call=lambda: with_token(account, lambda token: client.send_template(token, message)))


def _order_link(order):
    return target_url({"type": "home"}).rstrip("/") + f"/orders/{order.number}"


def _when(moment):
    return to_china(moment or utcnow()).strftime("%Y-%m-%d %H:%M")


@subscriber("order.paid")
def order_paid(event):
    order = db.session.get(Order, event.payload["order_id"])
    if order is not None:
        notify("order_paid", order.id, order.member_id, first="您的订单已支付成功", link=_order_link(order),
               keywords=(order.number, format_money(order.total), _when(order.paid_at)), remark="我们会尽快为您发货")


@subscriber("order.shipped")
def order_shipped(event):
    order = db.session.get(Order, event.payload["order_id"])
    if order is not None:
        notify("order_shipped", order.id, order.member_id, first="您的订单已发货", link=_order_link(order),
               keywords=(order.number, format_money(order.total), _when(None)), remark="点击查看物流")


@subscriber("order.refunded")
def order_refunded(event):
    order = db.session.get(Order, event.payload["order_id"])
    refund = db.session.get(Refund, event.payload.get("refund_id")) if event.payload.get("refund_id") else None
    if order is not None:
        amount = refund.amount if refund is not None else event.payload.get("amount") or 0
        notify("order_refunded", event.payload.get("refund_id") or order.id, order.member_id,
               first="您的退款已完成", link=_order_link(order),
               keywords=(order.number, format_money(amount), _when(None)), remark="退款将原路退回")


def _team_notice(event, kind, first, remark):
    team = db.session.get(GroupTeam, event.payload["team_id"])
    if team is None:
        return
    for place in db.session.scalars(select(GroupTeamMember).where(GroupTeamMember.team_id == team.id)).all():
        if place.status == GroupTeamMember.RELEASED:
            continue  # a seat given up before paying
        order = db.session.get(Order, place.order_id)
        notify(kind, team.id, place.member_id, first=first, link=_order_link(order),
               keywords=(order.number, f"{team.size}人团", _when(None)), remark=remark)


@subscriber(TEAM_SUCCEEDED)
def group_buy_succeeded(event):
    _team_notice(event, "group_buy_succeeded", "恭喜，您参与的拼团已成团", "我们会尽快为您发货")


@subscriber(TEAM_FAILED)
def group_buy_failed(event):
    _team_notice(event, "group_buy_failed", "很遗憾，您参与的拼团未成团", "货款将原路全额退回")


@subscriber(BARGAIN_FLOOR_REACHED)
def bargain_reached(event):
    bargain = db.session.get(Bargain, event.payload["bargain_id"])
    if bargain is not None:
        notify("bargain_reached", bargain.id, bargain.starter_member_id, first="好友已帮您砍到底价",
               link=target_url({"type": "home"}), keywords=(format_money(bargain.floor_price), _when(None)),
               remark="快去以底价下单吧")
