"""Invite rewards (邀请有礼): a member who brings new shoppers earns a reward at each tier
reached (e.g. 1 invitee → a ¥5 coupon; 5 → a bigger coupon or points).

"Who invited whom" is the one ``Referral`` binding of ``commerce.marketing.distribution``
(so self-invites and loops are refused there). An invitee counts once, when their first
completed order completes — an order completed before they were bound does not make them
new, and they never count again. Each tier is granted once per inviter (a unique key), and
the inviter's row is locked while counting, so two invitees completing at once on
PostgreSQL still reach the tier they add up to.
"""
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Index,
    Integer,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, aliased, mapped_column

from commerce.marketing.coupons import find_coupon, issue_to_members
from commerce.marketing.distribution import Referral
from commerce.marketing.errors import CouponUnavailable
from commerce.members.ledger import post_entry
from commerce.members.models import Member, PointsEntry
from commerce.orders.models import Order
from core.audit import record_audit
from core.errors import DomainError
from core.extensions import db
from core.models import Timestamped, UtcDateTime, utcnow
from tenants.scoping import TenantScoped, tenant_foreign_key

MAX_TIERS = 5
MAX_INVITES = 1000
MAX_POINTS = 100_000


class InviteSettings(TenantScoped, Timestamped, db.Model):
    """A store's invite tiers; a store without a row has none (the program is off)."""

    __tablename__ = "invite_settings"
    __tenant_table_args__ = (UniqueConstraint("tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # [{"invites": 1, "coupon_id": 3, "points": 0}, …], by invites ascending; a tier gives its
    # coupon and/or its points.
    tiers: Mapped[list] = mapped_column(JSON, nullable=False, default=list)


class InviteReward(TenantScoped, db.Model):
    """A tier an inviter reached, and what it gave them; once per inviter and tier."""

    __tablename__ = "invite_rewards"
    __tenant_table_args__ = (
        tenant_foreign_key("inviter_id", "members", ondelete="CASCADE"),
        tenant_foreign_key("invitee_id", "members", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "inviter_id", "tier"),
        CheckConstraint("tier >= 1", name="tier_positive"),
        Index("ix_invite_rewards_tenant_created", "tenant_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inviter_id: Mapped[int] = mapped_column(Integer, nullable=False)
    tier: Mapped[int] = mapped_column(Integer, nullable=False)  # invitees it takes
    invitee_id: Mapped[int] = mapped_column(Integer, nullable=False)  # whose first order reached it
    coupon_id: Mapped[int | None] = mapped_column(Integer)  # the tier's coupon at the time
    coupon_issued: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # False: paused or gone
    points: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)


class InviteProblem(DomainError):
    """The invite tiers cannot be saved as entered."""

    status = 422


def invite_settings():
    """The current store's saved tiers, or an empty program (not saved)."""
    return db.session.scalar(select(InviteSettings)) or InviteSettings(enabled=False, tiers=[])


def save_invite_settings(*, enabled, tiers, actor):
    """Write the store's tiers, audited. ``tiers``: ``[(invites, coupon id or None, points)]``.

    :raise InviteProblem: a tier without a reward, an unknown coupon, invites repeated or out
        of range (``field`` names the row, ``tier_<n>``)
    """
    rows = []
    for number, (invites, coupon_id, points) in enumerate(tiers, start=1):
        field = f"tier_{number}"
        if not isinstance(invites, int) or not 1 <= invites <= MAX_INVITES:
            raise InviteProblem(_("Tier %(n)d: invitees from 1 to %(max)d.", n=number, max=MAX_INVITES), field=field)
        if not isinstance(points, int) or not 0 <= points <= MAX_POINTS:
            raise InviteProblem(_("Tier %(n)d: points from 0 to %(max)d.", n=number, max=MAX_POINTS), field=field)
        if coupon_id is not None and find_coupon(coupon_id) is None:
            raise InviteProblem(_("Tier %(n)d: no such coupon.", n=number), field=field)
        if coupon_id is None and not points:
            raise InviteProblem(_("Tier %(n)d: give a coupon or points.", n=number), field=field)
        rows.append({"invites": invites, "coupon_id": coupon_id, "points": points})
    if len(rows) > MAX_TIERS:
        raise InviteProblem(_("At most %(n)d tiers.", n=MAX_TIERS), field="tier_1")
    if len({row["invites"] for row in rows}) != len(rows):
        raise InviteProblem(_("Two tiers ask for the same number of invitees."), field="tier_1")
    if enabled and not rows:
        raise InviteProblem(_("Add a tier before turning invite rewards on."), field="tier_1")
    settings = db.session.scalar(select(InviteSettings))
    if settings is None:
        settings = InviteSettings()
        db.session.add(settings)
    settings.enabled, settings.tiers = bool(enabled), sorted(rows, key=lambda row: row["invites"])
    db.session.flush()
    record_audit("invites.settings", actor=actor, tenant_id=settings.tenant_id, target=settings,
                 details={"enabled": settings.enabled, "tiers": settings.tiers})
    return settings


def counted_invitees(inviter_id):
    """Members the inviter brought whose first completed order came after they were bound."""
    first_completed = (select(Order.member_id, func.min(Order.completed_at).label("first"))
                       .where(Order.completed_at.is_not(None)).group_by(Order.member_id).subquery())
    return db.session.scalar(select(func.count(Referral.id))
                             .join(first_completed, first_completed.c.member_id == Referral.member_id)
                             .where(Referral.referrer_id == inviter_id, first_completed.c.first >= Referral.bound_at))


def invitees_of(inviter_id, limit=100):
    """``(member, bound at, counted)`` of the members the inviter brought, newest first."""
    def completed(after):
        moment = Order.completed_at >= Referral.bound_at if after else Order.completed_at < Referral.bound_at
        return select(Order.id).where(Order.member_id == Referral.member_id, moment).exists()

    return db.session.execute(select(Member, Referral.bound_at, completed(True) & ~completed(False))
                              .join(Referral, Referral.member_id == Member.id)
                              .where(Referral.referrer_id == inviter_id)
                              .order_by(Referral.id.desc()).limit(limit)).all()


def credit_invite_rewards(order, *, now=None):
    """``order`` completed: if it makes its buyer a counted invitee, grant their inviter the
    tiers now reached and not granted before. Returns the new rewards. Does not commit."""
    settings = invite_settings()
    referral = db.session.scalar(select(Referral).where(Referral.member_id == order.member_id))
    if referral is None or not settings.enabled or not settings.tiers:
        return []
    db.session.scalar(select(Member.id).where(Member.id == referral.referrer_id).with_for_update())
    reached = counted_invitees(referral.referrer_id)
    granted = set(db.session.scalars(select(InviteReward.tier).where(InviteReward.inviter_id == referral.referrer_id)))
    made = []
    for tier in settings.tiers:
        if tier["invites"] <= reached and tier["invites"] not in granted:
            reward = _grant_tier(referral.referrer_id, tier, order.member_id, now or utcnow())
            if reward is not None:
                made.append(reward)
    return made


def _grant_tier(inviter_id, tier, invitee_id, now):
    try:
        with db.session.begin_nested():
            reward = InviteReward(inviter_id=inviter_id, tier=tier["invites"], invitee_id=invitee_id,
                                  coupon_id=tier.get("coupon_id"), points=tier.get("points") or 0, created_at=now)
            db.session.add(reward)
    except IntegrityError:
        return None  # granted by a concurrent completion
    coupon = find_coupon(reward.coupon_id) if reward.coupon_id else None
    if coupon is not None:
        try:
            reward.coupon_issued = issue_to_members(coupon, [inviter_id], actor=None, now=now)["issued"] == 1
        except CouponUnavailable:
            reward.coupon_issued = False  # the store paused or ended it: the tier is recorded, nothing issued
    if reward.points:
        post_entry(PointsEntry, inviter_id, reward.points, PointsEntry.INVITE, f"invite:{inviter_id}:{reward.tier}")
    db.session.flush()
    return reward


def rewards_of(inviter_id):
    return db.session.scalars(select(InviteReward).where(InviteReward.inviter_id == inviter_id)
                              .order_by(InviteReward.tier)).all()


def store_rewards(limit=200):
    """The latest rewards granted, with the inviter and the invitee."""
    invitee = aliased(Member)
    return db.session.execute(select(InviteReward, Member, invitee)
                              .join(Member, Member.id == InviteReward.inviter_id)
                              .join(invitee, invitee.id == InviteReward.invitee_id)
                              .order_by(InviteReward.id.desc()).limit(limit)).all()
