"""Member points (积分): earned on orders paid and daily sign-ins, spent as money off at
checkout, expired when old, corrected by staff. Every change is a ``PointsEntry`` posted
through ``commerce.members.ledger.post_entry``; the store's rules are its ``MemberSettings``.

Rounding, stated once:
- earning: whole yuan paid only — ``floor(paid fen / 100) × points_per_yuan`` (¥99.99 → 99);
- redeeming: money off is ``floor(points × 100 / points_per_yuan_off)`` fen, at most
  ``floor(goods × redeem_cap_percent / 100)`` fen; the points taken for it are rounded up,
  ``ceil(fen × points_per_yuan_off / 100)``, so a shopper never gets a fen for less than its price;
- expiry: points are used oldest first; after ``points_expire_months`` what is left of the
  points earned before that cut-off expires.
"""
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from commerce.members.ledger import NotEnough, member_settings, post_adjustment, post_entry, posted
from commerce.members.levels import recompute_level
from commerce.members.models import Member, PointsEntry
from core.clock import china_date  # a "day" for sign-in is a day in China
from core.errors import DomainError
from core.extensions import db
from core.models import utcnow
from core.sweep_steps import sweep_step


def points_for_payment(paid_fen, points_per_yuan):
    """Points earned for ``paid_fen``: whole yuan only, floor."""
    return max(paid_fen, 0) // 100 * points_per_yuan


@dataclass(frozen=True)
class Redemption:
    points: int  # taken from the member
    fen_off: int  # taken off the order


def redemption_for(available_points, goods_fen, *, points_per_yuan_off, cap_percent, wanted_points=None):
    """The most a member may redeem on goods of ``goods_fen``: capped by the store's percent
    of the goods, by the points they have and by ``wanted_points`` when given."""
    points = available_points if wanted_points is None else min(wanted_points, available_points)
    cap_fen = goods_fen * cap_percent // 100
    fen_off = min(cap_fen, max(points, 0) * 100 // points_per_yuan_off)
    needed = -(-fen_off * points_per_yuan_off // 100)  # ceil
    return Redemption(points=needed, fen_off=fen_off)


def credit_points_for_order(order):
    """Points for a paid order (``order.paid_amount``), once per order whoever calls (the
    orders' "order.paid" subscriber, ``commerce.orders.subscribers``). Also
    recomputes the member's growth and level. Returns the entry, or None (already credited,
    or nothing to credit). Does not commit."""
    points = points_for_payment(order.paid_amount, member_settings().points_per_yuan)
    entry = None
    if points > 0:
        entry = post_entry(PointsEntry, order.member_id, points, PointsEntry.EARN_ORDER, f"order:{order.id}",
                           order_id=order.id)
    recompute_level(db.session.get(Member, order.member_id))
    return entry


def sign_in(member, *, now=None):
    """Today's sign-in points, once per member per day (China time). Returns the entry, or
    None when the member has signed in today already. Does not commit."""
    today = china_date(now or utcnow())
    points = member_settings().sign_in_points
    if points <= 0:
        return None
    entry = post_entry(PointsEntry, member.id, points, PointsEntry.SIGN_IN, f"sign_in:{member.id}:{today.isoformat()}")
    if entry is not None:
        member.signed_in_on = today
        db.session.flush()
    return entry


class AlreadySignedIn(DomainError):
    """The member has had today's sign-in points (China day)."""

    status = 409

    def __init__(self):
        super().__init__(_l("You have signed in today already."))


def sign_in_once(member, *, now=None):
    """``sign_in`` for a client that must tell a second sign-in apart: returns the entry, or
    None when the store gives no sign-in points. Two taps at once award once (the ledger's
    unique ``source_ref``); the later one is refused. Does not commit.

    :raise AlreadySignedIn: the member signed in today already
    """
    entry = sign_in(member, now=now)
    if entry is None and member_settings().sign_in_points > 0:
        raise AlreadySignedIn()
    return entry


def signed_in_today(member, *, now=None):
    return member.signed_in_on == china_date(now or utcnow())


def redeem_points(member, points, *, order_id):
    """Spend ``points`` on order ``order_id`` (once per order). Does not commit.

    :raise NotEnough: the member has fewer points
    """
    return post_entry(PointsEntry, member.id, -points, PointsEntry.REDEEM, f"redeem:order:{order_id}",
                      order_id=order_id)


def return_redeemed_points(order_id):
    """Give back the points spent on an order that was cancelled or refunded; once."""
    spent = posted(PointsEntry, f"redeem:order:{order_id}")
    if spent is None:
        return None
    return post_entry(PointsEntry, spent.member_id, -spent.delta, PointsEntry.REFUND, f"refund:redeem:order:{order_id}",
                      order_id=order_id)


def adjust_points(member, delta, *, actor, note, ref):
    """Staff correction of ``delta`` points (either sign), audited; see ``post_adjustment``."""
    return post_adjustment(PointsEntry, member, delta, actor=actor, note=note, ref=ref)


def expired_points(member_id, cutoff):
    """Points of a member that are older than ``cutoff`` and not used yet (oldest used first):
    what was earned before the cut-off minus everything ever taken, never below zero."""
    earned = db.session.scalar(select(func.coalesce(func.sum(PointsEntry.delta), 0)).where(
        PointsEntry.member_id == member_id, PointsEntry.delta > 0, PointsEntry.created_at < cutoff))
    taken = -db.session.scalar(select(func.coalesce(func.sum(PointsEntry.delta), 0)).where(
        PointsEntry.member_id == member_id, PointsEntry.delta < 0))
    return max(earned - taken, 0)


@sweep_step(order=50, outcome="points_expired")
def expire_points(*, now=None):
    """Job, per store: expire points older than the store's ``points_expire_months``. Safe to
    run again (what expired is taken, so nothing more is due; one entry per member per day).
    Returns how many points expired."""
    months = member_settings().points_expire_months
    if not months:
        return 0
    now = now or utcnow()
    cutoff = now - timedelta(days=30 * months)  # a month of expiry is 30 days
    day = china_date(now).isoformat()
    total = 0
    for member_id in db.session.scalars(select(Member.id).where(Member.points > 0).order_by(Member.id)).all():
        due = expired_points(member_id, cutoff)
        member = db.session.get(Member, member_id)
        due = min(due, member.points)
        if due <= 0:
            continue
        try:
            entry = post_entry(PointsEntry, member_id, -due, PointsEntry.EXPIRE, f"expire:{member_id}:{day}")
        except NotEnough:  # spent meanwhile: the next run looks again
            continue
        total += due if entry is not None else 0
    db.session.commit()
    return total

