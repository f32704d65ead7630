"""Invite rewards (邀请有礼): a member who brings new shoppers earns a reward at each tier
reached (e.g. 1 invitee → a ¥5 coupon; 5 → a bigger coupon or points).

"Who invited whom" is the one ``Referral`` binding of ``commerce.marketing.distribution``
(so self-invites and loops are refused there). An invitee counts once, when their first
completed order completes — an order completed before they were bound does not make them
new, and they never count again. Each tier is granted once per inviter (a unique key), and
the inviter's row is locked while counting, so two invitees completing at once on
PostgreSQL still reach the tier they add up to.
"""
from flask_babel import gettext as _
from sqlalchemy import (
    select,
)
from sqlalchemy.exc import IntegrityError

from commerce.marketing.coupons.errors import CouponUnavailable
from commerce.marketing.coupons.queries import find_coupon
from commerce.marketing.coupons.service import issue_to_members
from commerce.marketing.distribution.models import Referral
from commerce.marketing.invites.errors import InviteProblem
from commerce.marketing.invites.models import InviteReward, InviteSettings
from commerce.marketing.invites.queries import counted_invitees, invite_settings
from commerce.members.ledger import post_entry
from commerce.members.models import Member, PointsEntry
from core.audit import record_audit
from core.extensions import db
from core.models import utcnow

MAX_TIERS = 5
MAX_INVITES = 1000
MAX_POINTS = 100_000


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
