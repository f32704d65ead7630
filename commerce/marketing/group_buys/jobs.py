"""Group-buy (拼团) work that runs later: deadlines, expiry and outbox subscribers."""
import logging

from sqlalchemy import select, update

from commerce.marketing.group_buys.models import GroupBuy, GroupTeam, GroupTeamMember
from commerce.marketing.group_buys.service import TEAM_DEADLINE, TEAM_FAILED, TEAM_SUCCEEDED, _ship_team
from commerce.orders.models import Order
from commerce.orders.refunds import InvalidRefund, refund_order
from core.extensions import db
from core.models import utcnow
from core.outbox import publish, subscriber
from core.sweep_steps import sweep_step
from payments import PaymentError

log = logging.getLogger(__name__)


def expire_team(team_id, now=None):
    """Job at a team's deadline: an unfilled team fails and each paid member is refunded in
    full through WeChat Pay, once. With ``virtual_success`` the team succeeds instead.
    Returns the number of refunds made by this run."""
    now = now or utcnow()
    team = db.session.get(GroupTeam, team_id)
    if team is None or team.expires_at > now:
        return 0
    campaign = db.session.get(GroupBuy, team.group_buy_id)
    outcome = GroupTeam.SUCCEEDED if campaign.virtual_success else GroupTeam.FAILED
    changed = db.session.execute(
        update(GroupTeam).where(GroupTeam.id == team.id, GroupTeam.status == GroupTeam.OPEN)
        .values(status=outcome).execution_options(synchronize_session=False)).rowcount
    if changed and outcome == GroupTeam.SUCCEEDED:
        _ship_team(team)
    if changed:
        publish(TEAM_SUCCEEDED if outcome == GroupTeam.SUCCEEDED else TEAM_FAILED, tenant_id=team.tenant_id,
                team_id=team.id)
    db.session.commit()
    db.session.refresh(team)
    if team.status != GroupTeam.FAILED:
        return 0
    refunded = 0
    for place in db.session.scalars(select(GroupTeamMember).where(GroupTeamMember.team_id == team.id,
                                                                  GroupTeamMember.status == GroupTeamMember.PAID)).all():
        claimed = db.session.execute(
            update(GroupTeamMember).where(GroupTeamMember.id == place.id, GroupTeamMember.status == GroupTeamMember.PAID)
            .values(status=GroupTeamMember.REFUNDED).execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            db.session.rollback()
            continue  # another run has it
        order = db.session.get(Order, place.order_id, populate_existing=True)
        try:  # the claim is committed with the refund, before WeChat is asked; the refund path owns the rest
            refund_order(order, amount=order.paid_amount - order.refund_reserved, reason="拼团未成团，自动退款",
                         actor=None)
        except InvalidRefund:  # nothing left to give back: the merchant refunded it already
            db.session.rollback()
            _set_place(place, GroupTeamMember.PAID, GroupTeamMember.REFUNDED)
            continue
        except PaymentError:  # WeChat refused: the place is paid again, the next run tries once more
            _set_place(place, GroupTeamMember.REFUNDED, GroupTeamMember.PAID)
            continue
        refunded += 1
    return refunded


def _set_place(place, from_status, to_status):
    db.session.execute(update(GroupTeamMember).where(GroupTeamMember.id == place.id,
                                                     GroupTeamMember.status == from_status)
                       .values(status=to_status).execution_options(synchronize_session=False))
    db.session.commit()


@sweep_step(order=30, outcome="team_refunds")
def expire_due_teams(now=None):
    """Sweep (current store): every team past its deadline that its expiry job has not
    settled — still open, or failed with members still to refund (the job died midway) —
    is expired now. Returns the number of refunds made."""
    now = now or utcnow()
    owed = select(GroupTeamMember.team_id).where(GroupTeamMember.status == GroupTeamMember.PAID)
    due = db.session.scalars(select(GroupTeam.id).where(
        GroupTeam.expires_at <= now,
        (GroupTeam.status == GroupTeam.OPEN) | ((GroupTeam.status == GroupTeam.FAILED) & GroupTeam.id.in_(owed)))
        .order_by(GroupTeam.expires_at, GroupTeam.id)).all()
    refunded = 0
    for team_id in due:
        try:
            refunded += expire_team(team_id, now)
        except Exception:  # one team's refund refused (WeChat down): the others go on, the next sweep retries
            db.session.rollback()
            log.exception("group-buy team %s not settled by the sweep", team_id)
    return refunded


@subscriber(TEAM_DEADLINE, queue="high")
def expire_team_at_deadline(event):
    expire_team(event.payload["team_id"])
