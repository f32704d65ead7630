"""Group buys (拼团): a shopper opens a team for a SKU at the group price, shares it, others
join; the team succeeds when its seats are all paid. If time runs out first, every paid
member is refunded through WeChat Pay — exactly once, even if the expiry job runs twice.

Seats are taken when an order is placed (``seats_taken = seats_taken + 1 WHERE
seats_taken < size``, so a team is never over-full) and given back when that order is
cancelled unpaid. A member's place in a team moves reserved → paid → refunded by
conditional updates; the expiry job claims each paid place in the transaction that commits
its refund (before WeChat is asked; ``commerce.orders.refunds`` settles it even if the
answer never comes), so a second run (or a second worker) finds nothing left to refund.
"""
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from commerce.catalog.events import catalog_changed
from commerce.catalog.models import SKU
from commerce.marketing.group_buys.errors import GroupBuyProblem
from commerce.marketing.group_buys.models import GroupBuy, GroupTeam, GroupTeamMember
from commerce.marketing.windows import refresh_pages_at
from commerce.orders.fulfillment import assign_to_fulfillments
from commerce.orders.hooks import order_hook
from commerce.orders.models import Order
from commerce.pricing.rules import CampaignPrice, PriceRule, register_rule
from core.audit import record_audit
from core.extensions import db
from core.models import utcnow
from core.outbox import publish
from tenants.entitlements import require


def create_group_buy(*, actor, title, sku_id, group_price, size, hours, ends_at, virtual_success=False):
    """:raise GroupBuyProblem: unknown SKU, price above the SKU's, size < 2, bad times"""
    require("marketing")
    sku = db.session.scalar(select(SKU).where(SKU.id == sku_id))
    if sku is None:
        raise GroupBuyProblem(_("No such SKU in this store."), field="sku_id", status=422)
    if not (isinstance(group_price, int) and 0 <= group_price < sku.price):
        raise GroupBuyProblem(_("The group price must be below the SKU's price."), field="group_price", status=422)
    if not (isinstance(size, int) and 2 <= size <= 50) or not (isinstance(hours, int) and 1 <= hours <= 72):
        raise GroupBuyProblem(_("A team has 2 to 50 members and 1 to 72 hours."), field="size", status=422)
    if ends_at <= utcnow():
        raise GroupBuyProblem(_("The campaign must end in the future."), field="ends_at", status=422)
    campaign = GroupBuy(title=(title or "").strip()[:40] or _("Group buy"), sku_id=sku_id, group_price=group_price,
                        size=size, hours=hours, ends_at=ends_at, virtual_success=bool(virtual_success))
    db.session.add(campaign)
    db.session.flush()
    record_audit("group_buy.create", actor=actor, tenant_id=campaign.tenant_id, target=campaign,
                 details={"size": size, "price": group_price})
    catalog_changed(db.session(), campaign.tenant_id)  # product pages show the group price
    refresh_pages_at(campaign.tenant_id, ends_at)  # … and stop at its end
    return campaign


def set_group_buy_status(campaign, status, *, actor):
    """Pause a group buy (no new teams or joins; teams already paid for run their course) or resume it."""
    db.session.execute(update(GroupBuy).where(GroupBuy.id == campaign.id).values(status=status)
                       .execution_options(synchronize_session=False))
    campaign.status = status
    record_audit(f"group_buy.{status}", actor=actor, tenant_id=campaign.tenant_id, target=campaign)
    catalog_changed(db.session(), campaign.tenant_id)  # product pages stop (or start) offering it


def take_seat(campaign, member_id, *, team=None, now=None):
    """A seat for the member: in ``team`` (joining) or in a new team it leads (opening).
    Called by ``place_order`` in the order's transaction; returns the team.

    :raise GroupBuyProblem: campaign over, team full, expired, or the member is already in it
    """
    now = now or utcnow()
    if campaign.status != GroupBuy.ACTIVE or campaign.ends_at <= now:
        raise GroupBuyProblem(_("This group buy has ended."))
    if team is None:
        team = GroupTeam(group_buy_id=campaign.id, leader_member_id=member_id, size=campaign.size,
                         expires_at=now + timedelta(hours=campaign.hours))
        db.session.add(team)
        db.session.flush()
        _schedule_expiry(team, now)
    elif team.group_buy_id != campaign.id:
        raise GroupBuyProblem(_("This team belongs to another group buy."))
    already = db.session.scalar(select(GroupTeamMember.id).where(
        GroupTeamMember.team_id == team.id, GroupTeamMember.member_id == member_id,
        GroupTeamMember.status.in_((GroupTeamMember.RESERVED, GroupTeamMember.PAID))))
    if already is not None:
        raise GroupBuyProblem(_("You are already in this team."))
    taken = db.session.execute(
        update(GroupTeam).where(GroupTeam.id == team.id, GroupTeam.status == GroupTeam.OPEN,
                                GroupTeam.expires_at > now, GroupTeam.seats_taken < GroupTeam.size)
        .values(seats_taken=GroupTeam.seats_taken + 1).execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        raise GroupBuyProblem(_("This team is full or has ended. Open a team of your own."))
    return team


def join_team_with_order(team, member_id, order):
    db.session.add(GroupTeamMember(team_id=team.id, member_id=member_id, order_id=order.id))
    db.session.flush()


class GroupBuyPrice(PriceRule):
    """Checking out through a group buy: one unit of its SKU at the group price, holding a
    seat in the team joined (or a new one) in the order's transaction."""

    kind = "group_buy"

    def prices(self, sku_ids, *, member_id, campaign, now):
        found = db.session.scalar(select(GroupBuy).where(GroupBuy.id == campaign.id))
        if found is None:
            return {}
        return {found.sku_id: CampaignPrice(self.kind, found.title, found.sku_id, found.group_price, found.id,
                                            one_unit=_("A group buy order is one unit of its product."))}

    def claim(self, price, *, campaign, order, member_id, now):
        team = db.session.scalar(select(GroupTeam).where(GroupTeam.id == campaign.join)) if campaign.join else None
        join_team_with_order(take_seat(db.session.get(GroupBuy, price.ref), member_id, team=team, now=now),
                             member_id, order)


register_rule(GroupBuyPrice())


def order_paid(order):
    """The order of a team member was paid: their place counts; a full team succeeds."""
    place = db.session.scalar(select(GroupTeamMember).where(GroupTeamMember.order_id == order.id))
    if place is None:
        return None
    db.session.execute(update(GroupTeamMember).where(GroupTeamMember.id == place.id,
                                                     GroupTeamMember.status == GroupTeamMember.RESERVED)
                       .values(status=GroupTeamMember.PAID).execution_options(synchronize_session=False))
    team = db.session.get(GroupTeam, place.team_id)
    paid = db.session.scalar(select(func.count()).select_from(GroupTeamMember).where(
        GroupTeamMember.team_id == team.id, GroupTeamMember.status == GroupTeamMember.PAID))
    if paid >= team.size:
        succeeded = db.session.execute(
            update(GroupTeam).where(GroupTeam.id == team.id, GroupTeam.status == GroupTeam.OPEN)
            .values(status=GroupTeam.SUCCEEDED).execution_options(synchronize_session=False)).rowcount
        if succeeded:
            _ship_team(team)
            publish(TEAM_SUCCEEDED, tenant_id=team.tenant_id, team_id=team.id)
    return team


def _ship_team(team):
    """A team succeeded: its paid orders go on packing lists."""
    order_ids = db.session.scalars(select(GroupTeamMember.order_id).where(
        GroupTeamMember.team_id == team.id, GroupTeamMember.status == GroupTeamMember.PAID)).all()
    for order in db.session.scalars(select(Order).where(Order.id.in_(order_ids))):
        assign_to_fulfillments(order)


def order_cancelled(order):
    """An unpaid team order was cancelled: its seat opens again."""
    released = db.session.execute(
        update(GroupTeamMember).where(GroupTeamMember.order_id == order.id,
                                      GroupTeamMember.status == GroupTeamMember.RESERVED)
        .values(status=GroupTeamMember.RELEASED).execution_options(synchronize_session=False)).rowcount
    if released:
        place = db.session.scalar(select(GroupTeamMember).where(GroupTeamMember.order_id == order.id))
        db.session.execute(update(GroupTeam).where(GroupTeam.id == place.team_id, GroupTeam.seats_taken > 0)
                           .values(seats_taken=GroupTeam.seats_taken - 1).execution_options(synchronize_session=False))


TEAM_DEADLINE = "group_buy.team_deadline"
# Published in the transaction that settles a team (its members hear of it: 拼团成功 / 拼团失败).
TEAM_SUCCEEDED = "group_buy.team_succeeded"
TEAM_FAILED = "group_buy.team_failed"


def _schedule_expiry(team, now):
    publish(TEAM_DEADLINE, tenant_id=team.tenant_id, available_at=team.expires_at + timedelta(seconds=1),
            team_id=team.id)


@order_hook("paid")
def hold_team_order(order):
    """A team order waits for its team before it ships (``order_paid`` ships the team)."""
    return order_paid(order) is not None


order_hook("cancelled")(order_cancelled)
