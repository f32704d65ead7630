"""The auto-answer (客服机器人) that goes first: a few keyword families, each answered at
once, and everything else — or a 「转人工」 — left to a person (「机器人+人工双轨」).

- order status: the member's order this conversation is about, else their latest order;
- shipping time and return policy: the store's own words (``SupportSettings``), or ours.

An auto-answer never counts as the first human reply, and a question it answered starts no
first-reply timer.
"""
from flask_babel import gettext as _
from sqlalchemy import select

from commerce.orders.models import Order
from core.extensions import db

HANDOFF = ("转人工", "人工客服", "找人工", "human", "real person")
ORDER_STATUS = ("订单状态", "到哪", "物流", "快递", "发货了吗", "发货没", "order status", "where is my order")
SHIPPING = ("发货时间", "什么时候发货", "几天发货", "多久发货", "多久到", "几天到", "when will", "shipping time")
RETURNS = ("退货", "退换", "换货", "退款", "七天无理由", "return", "refund")


def default_shipping_answer():
    return _("Orders are shipped within 48 hours of payment and usually arrive in 2–4 days.")


def default_returns_answer():
    return _("Unused items can be returned within 7 days of delivery: open the order and choose After-sales.")


def order_status_words():
    return {Order.PENDING_PAYMENT: _("Waiting for payment"), Order.PAID: _("Paid, to be shipped"),
            Order.PARTIALLY_SHIPPED: _("Partly shipped"), Order.SHIPPED: _("Shipped"),
            Order.COMPLETED: _("Completed"), Order.CANCELLED: _("Cancelled"),
            Order.REFUNDING: _("Refund in progress"), Order.REFUNDED: _("Refunded")}


def wants_person(text):
    lowered = text.lower()
    return any(word in lowered for word in HANDOFF)


def auto_answer(conversation, text, settings):
    """The bot's answer to ``text``, or None: a person answers."""
    lowered = text.lower()
    if wants_person(lowered):
        return None
    if any(word in lowered for word in ORDER_STATUS):
        return _order_status(conversation)
    if any(word in lowered for word in SHIPPING):
        return settings.shipping_answer or default_shipping_answer()
    if any(word in lowered for word in RETURNS):
        return settings.returns_answer or default_returns_answer()
    return None


def _order_status(conversation):
    statement = select(Order).where(Order.member_id == conversation.member_id)
    if conversation.order_id:
        statement = statement.where(Order.id == conversation.order_id)
    order = db.session.scalar(statement.order_by(Order.id.desc()).limit(1))
    if order is None:
        return _("You have no orders in this store yet.")
    return _("Your order %(number)s: %(status)s.", number=order.number,
             status=order_status_words().get(order.status, order.status))
