"""Growth (成长值) and member levels. Growth is one point per whole yuan a member has paid
for orders, net of refunds, re-derived from the orders themselves (so recomputing is
always safe); the member's level is the highest one whose threshold the growth reaches."""
from sqlalchemy import func, select

from commerce.members.models import Member, MemberLevel
from core.extensions import db

GROWING_STATUSES = ("paid", "partially_shipped", "shipped", "completed", "refunding", "refunded")


def growth_of(member_id):
    """Whole yuan paid by the member, less what was refunded (floor)."""
    from commerce.orders.models import Order

    paid = db.session.scalar(select(func.coalesce(func.sum(Order.paid_amount - Order.refunded_amount), 0)).where(
        Order.member_id == member_id, Order.status.in_(GROWING_STATUSES)))
    return max(paid, 0) // 100


def levels():
    """The store's levels, lowest threshold first."""
    return db.session.scalars(select(MemberLevel).order_by(MemberLevel.growth_threshold)).all()


def level_for(growth, store_levels):
    """The highest level whose threshold ``growth`` reaches, or None."""
    reached = [level for level in store_levels if level.growth_threshold <= growth]
    return reached[-1] if reached else None


def recompute_level(member):
    """Re-derive the member's growth and level from their orders. Returns the level. Does
    not commit."""
    member.growth = growth_of(member.id)
    level = level_for(member.growth, levels())
    member.level_id = level.id if level else None
    db.session.flush()
    return level


def level_of(member):
    return db.session.get(MemberLevel, member.level_id) if member.level_id else None


def save_level(*, name, growth_threshold, discount_percent=None, member_price=False, level=None):
    """Create (or update ``level``) a store level, then recompute every member's level. Does not commit."""
    level = level or MemberLevel()
    level.name, level.growth_threshold = name, growth_threshold
    level.discount_percent, level.member_price = discount_percent, member_price
    db.session.add(level)
    db.session.flush()
    store_levels = levels()
    for member in db.session.scalars(select(Member)):
        reached = level_for(member.growth, store_levels)
        member.level_id = reached.id if reached else None
    db.session.flush()
    return level


def discounted_goods(goods_fen, level):
    """Goods total after the level's discount, rounded down to the fen in the shopper's favour."""
    if level is None or not level.discount_percent:
        return goods_fen
    return goods_fen * level.discount_percent // 100
