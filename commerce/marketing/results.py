"""What a campaign brought in, for the console: shoppers who ordered through it, orders
placed and paid, and GMV (the totals of its orders that were paid — refunded ones included,
as GMV counts sales made; unpaid and cancelled ones never).

Each campaign type says which orders are its own as a ``select(campaign id, order id)``;
``campaign_results`` counts them in two queries, whatever the number of campaigns.
"""
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import distinct, func, select

from commerce.orders.models import Order
from core.extensions import db

UNCOUNTED = (Order.PENDING_PAYMENT, Order.CANCELLED)  # orders whose money is not (yet, or ever) GMV


@dataclass(frozen=True)
class CampaignResults:
    participants: int = 0  # distinct members with an order through the campaign
    orders: int = 0  # orders placed, paid or not
    paid_orders: int = 0
    gmv: int = 0  # fen


def campaign_results(campaign_orders):
    """``{campaign id: CampaignResults}`` for ``campaign_orders``, a select of
    ``(campaign id, order id)`` pairs (an order counts once per campaign); a campaign
    without orders reads as all zeros."""
    pairs = campaign_orders.distinct().subquery()
    campaign_id, order_id = pairs.c
    paid = Order.status.not_in(UNCOUNTED)
    rows = db.session.execute(
        select(campaign_id, func.count(distinct(Order.member_id)), func.count(Order.id),
               func.count(Order.id).filter(paid), func.coalesce(func.sum(Order.total).filter(paid), 0))
        .join(Order, Order.id == order_id).group_by(campaign_id)).all()
    return defaultdict(CampaignResults, {row[0]: CampaignResults(*(int(value) for value in row[1:])) for row in rows})
