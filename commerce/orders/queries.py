"""Read-only questions about orders. The console's: one order by number, a filtered page of
the list, the export's batches, packing lists and their orders. Other areas' (without
importing orders): members' growth (``commerce.members.levels``) is what a member paid for
orders, less refunds. Everything here runs in the current store (tenant scoping adds the
WHERE); nothing writes."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from commerce.members.levels import count_growth_with
from commerce.orders.models import CartItem, Fulfillment, Order, OrderLine, Payment
from core.extensions import db
from core.pagination import Ordering, paginate

NEWEST_FIRST = Ordering("orders.newest", Order.id.desc())
OLDEST_FIRST_PACKING = Ordering("packing.oldest", Fulfillment.id.asc())


@dataclass(frozen=True)
class OrderFilters:
    """What the order list is narrowed to: a status, an order number prefix or words of a
    product title, and the moments ``placed_from <= created_at < placed_before`` (UTC)."""

    status: str = ""
    query: str = ""
    placed_from: datetime | None = None
    placed_before: datetime | None = None

    def apply(self, statement):
        if self.status:
            statement = statement.where(Order.status == self.status)
        if self.query:
            pattern = "%" + self.query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            titled = select(OrderLine.order_id).where(OrderLine.title.ilike(pattern, escape="\\"))
            statement = statement.where(or_(Order.number.startswith(self.query, autoescape=True),
                                            Order.id.in_(titled)))
        if self.placed_from:
            statement = statement.where(Order.created_at >= self.placed_from)
        if self.placed_before:
            statement = statement.where(Order.created_at < self.placed_before)
        return statement


def count_orders(status):
    """How many of the store's orders are in ``status`` (the console's 待办: ``PAID`` to ship,
    ``REFUNDING`` with a refund under way): the list filtered by that status shows exactly them."""
    return db.session.scalar(select(func.count()).select_from(Order).where(Order.status == status))


def order_by_number(number):
    """The current store's order with its lines loaded, or None."""
    return db.session.scalar(select(Order).where(Order.number == number).options(selectinload(Order.lines)))


def orders_page(filters, *, per_page, cursor=None):
    """One page of the list, newest first, lines loaded in one query, with the total.

    :raise BadCursor: ``cursor`` is not one of this list's
    """
    statement = filters.apply(select(Order)).options(selectinload(Order.lines))
    return paginate(statement, NEWEST_FIRST, per_page=per_page, cursor=cursor, with_total=True)


def order_batches(filters, *, batch_size, limit):
    """The filtered orders newest first, ``batch_size`` at a time (lines loaded), at most
    ``limit`` orders: the export reads big lists without holding them all."""
    cursor, seen = None, 0
    while seen < limit:
        page = paginate(filters.apply(select(Order)).options(selectinload(Order.lines)), NEWEST_FIRST,
                        per_page=batch_size, cursor=cursor)
        yield page.items
        seen += len(page.items)
        if not page.has_next:
            return
        cursor = page.next_cursor


def latest_payment(order):
    return db.session.scalar(select(Payment).where(Payment.order_id == order.id).order_by(Payment.id.desc()))


def fulfillment_by_id(fulfillment_id):
    """The current store's packing list, or None."""
    return db.session.scalar(select(Fulfillment).where(Fulfillment.id == fulfillment_id))


def open_packing_page(*, per_page, cursor=None):
    """Packing lists waiting to be sent, oldest first, lines loaded, with the total.

    :raise BadCursor: ``cursor`` is not one of this list's
    """
    statement = (select(Fulfillment).where(Fulfillment.status == Fulfillment.OPEN)
                 .options(selectinload(Fulfillment.lines)))
    return paginate(statement, OLDEST_FIRST_PACKING, per_page=per_page, cursor=cursor, with_total=True)


def lines_by_id(line_ids):
    """``{order line id: OrderLine}`` for the given ids of the current store."""
    if not line_ids:
        return {}
    return {line.id: line for line in db.session.scalars(select(OrderLine).where(OrderLine.id.in_(set(line_ids))))}


def orders_by_id(order_ids):
    """``{order id: Order}`` for the given ids of the current store."""
    if not order_ids:
        return {}
    return {order.id: order for order in db.session.scalars(select(Order).where(Order.id.in_(set(order_ids))))}


# Orders whose payment counts towards growth: paid, whatever happened to them since.
GROWING_STATUSES = (Order.PAID, Order.PARTIALLY_SHIPPED, Order.SHIPPED, Order.COMPLETED, Order.REFUNDING,
                    Order.REFUNDED)


@count_growth_with
def net_paid_by_member(member_id):
    """Fen the member paid for orders, less what was refunded."""
    return db.session.scalar(select(func.coalesce(func.sum(Order.paid_amount - Order.refunded_amount), 0)).where(
        Order.member_id == member_id, Order.status.in_(GROWING_STATUSES)))


def cart_count(cart):
    """Units in ``cart`` (a cart or None), for the storefront's cart badge."""
    if cart is None:
        return 0
    return db.session.scalar(select(func.coalesce(func.sum(CartItem.quantity), 0)).where(CartItem.cart_id == cart.id))
