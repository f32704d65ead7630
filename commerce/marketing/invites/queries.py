"""Read-only named queries over invite (邀请有礼) campaigns, for views, blocks and the console."""
from sqlalchemy import (
    func,
    select,
)
from sqlalchemy.orm import aliased

from commerce.marketing.distribution.models import Referral
from commerce.marketing.invites.models import InviteReward, InviteSettings
from commerce.members.models import Member
from commerce.orders.models import Order
from core.extensions import db
from core.pagination import Key, Ordering, paginate

NEWEST_REWARD = Ordering("invite_rewards.newest",  # rows of (reward, inviter, invitee): the key is the reward's
                         Key(InviteReward.id, descending=True, value=lambda row: row[0].id))


def invite_settings():
    """The current store's saved tiers, or an empty program (not saved)."""
    return db.session.scalar(select(InviteSettings)) or InviteSettings(enabled=False, tiers=[])


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


def rewards_of(inviter_id):
    return db.session.scalars(select(InviteReward).where(InviteReward.inviter_id == inviter_id)
                              .order_by(InviteReward.tier)).all()


def store_rewards(*, cursor=None, per_page=50):
    """A ``core.pagination.Page`` of the rewards granted, ``(reward, inviter, invitee)``,
    newest first, with a count.

    :raise BadCursor: ``cursor`` was not made for this list
    """
    invitee = aliased(Member)
    statement = (select(InviteReward, Member, invitee)
                 .join(Member, Member.id == InviteReward.inviter_id)
                 .join(invitee, invitee.id == InviteReward.invitee_id))
    return paginate(statement, NEWEST_REWARD, per_page=per_page, cursor=cursor, with_total=True)
