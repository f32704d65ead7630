"""Growth (成长值) and member levels. Growth is one point per whole yuan a member has paid
for orders, net of refunds, re-derived from the orders themselves (so recomputing is
always safe); the member's level is the highest one whose threshold the growth reaches.
Its benefit, ``discount_percent``, is taken off regular-priced goods at checkout
(``level_discount``). The orders sit above members: they tell levels how to read what a
member paid (``count_growth_with``). Staff edit levels with ``edit_level`` / ``delete_level``, audited.
"""
from flask_babel import gettext as _
from sqlalchemy import select, update

from commerce.members.models import Member, MemberLevel
from core.audit import record_audit
from core.errors import DomainError
from core.extensions import db

MAX_LEVELS = 20
MAX_THRESHOLD = 100_000_000  # growth points


class LevelInvalid(DomainError):
    """A level as typed cannot be saved (no name, a threshold another level has, …)."""

_net_paid = {}  # "of": net_paid(member_id) -> fen, registered by commerce.orders


def count_growth_with(net_paid):
    """Growth comes from ``net_paid(member_id)``: the fen a member paid for orders, less
    refunds. ``commerce.orders.queries`` registers it at import."""
    _net_paid["of"] = net_paid
    return net_paid


def growth_of(member_id):
    """Whole yuan paid by the member, less what was refunded (floor)."""
    return max(_net_paid["of"](member_id), 0) // 100


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
    _reassign_levels()
    return level


def edit_level(*, name, growth_threshold, discount_percent, actor, level=None):
    """Staff create (or change ``level``) a store level, checked and audited; every
    member's level follows. Does not commit.

    :raise LevelInvalid: no name or too long, a threshold that is not a whole number from 0
        or that another level has, a discount outside 1–100 %, too many levels
    """
    name = (name or "").strip()
    if not name or len(name) > 32:
        raise LevelInvalid(_("Give the level a name of at most %(n)d characters.", n=32), field="name")
    if not isinstance(growth_threshold, int) or not 0 <= growth_threshold <= MAX_THRESHOLD:
        raise LevelInvalid(_("The growth threshold is a whole number from 0 to %(n)d.", n=MAX_THRESHOLD),
                           field="growth_threshold")
    if discount_percent is not None and (not isinstance(discount_percent, int) or not 1 <= discount_percent <= 100):
        raise LevelInvalid(_("The discount is a whole percent of the price from 1 to 100 (95 takes 5 off every 100), or empty for none."),
                           field="discount_percent")
    others = [other for other in levels() if level is None or other.id != level.id]
    if any(other.growth_threshold == growth_threshold for other in others):
        raise LevelInvalid(_("Another level starts at this growth already."), field="growth_threshold")
    if level is None and len(others) >= MAX_LEVELS:
        raise LevelInvalid(_("A store can have at most %(n)d levels.", n=MAX_LEVELS))
    before = _level_facts(level) if level is not None else None
    level = save_level(name=name, growth_threshold=growth_threshold, discount_percent=discount_percent,
                       member_price=level.member_price if level is not None else False, level=level)
    record_audit("member.level_saved", actor=actor, tenant_id=level.tenant_id, target=level,
                 details={"before": before, "after": _level_facts(level)})
    return level


def delete_level(level, *, actor):
    """Remove a level, audited; its members drop to the level below. Does not commit."""
    db.session.execute(update(Member).where(Member.level_id == level.id).values(level_id=None)
                       .execution_options(synchronize_session=False))
    record_audit("member.level_deleted", actor=actor, tenant_id=level.tenant_id, target=level,
                 details={"before": _level_facts(level)})
    db.session.delete(level)
    db.session.flush()
    db.session.expire_all()
    _reassign_levels()


def find_level(level_id):
    return db.session.get(MemberLevel, level_id) if isinstance(level_id, int) else None


def _reassign_levels():
    store_levels = levels()
    for member in db.session.scalars(select(Member)):
        reached = level_for(member.growth, store_levels)
        member.level_id = reached.id if reached else None
    db.session.flush()


def _level_facts(level):
    return {"name": level.name, "growth_threshold": level.growth_threshold, "discount_percent": level.discount_percent}


def discounted_goods(goods_fen, level):
    """Goods total after the level's discount, rounded down to the fen in the shopper's favour."""
    if level is None or not level.discount_percent:
        return goods_fen
    return goods_fen * level.discount_percent // 100


def level_discount(member_id, regular_goods_fen):
    """Fen the member's level takes off goods sold at their regular price (never off flash
    sale, group-buy or bargain prices): goods − goods × percent // 100, the discounted
    price floored to the fen."""
    member = db.session.get(Member, member_id)
    return regular_goods_fen - discounted_goods(regular_goods_fen, level_of(member) if member else None)
