"""Named questions about orders that other areas ask without importing orders: members'
growth (``commerce.members.levels``) is what a member paid for orders, less refunds."""
from sqlalchemy import func, select

from commerce.members.levels import count_growth_with
from commerce.orders.models import Order
from core.extensions import db

# Orders whose payment counts towards growth: paid, whatever happened to them since.
GROWING_STATUSES = (Order.PAID, Order.PARTIALLY_SHIPPED, Order.SHIPPED, Order.COMPLETED, Order.REFUNDING,
                    Order.REFUNDED)


@count_growth_with
def net_paid_by_member(member_id):
    """Fen the member paid for orders, less what was refunded."""
    return db.session.scalar(select(func.coalesce(func.sum(Order.paid_amount - Order.refunded_amount), 0)).where(
        Order.member_id == member_id, Order.status.in_(GROWING_STATUSES)))
