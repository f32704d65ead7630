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
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import Boolean, CheckConstraint, Integer, String, UniqueConstraint, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from commerce.pricing.rules import CampaignPrice, PriceRule, register_rule
from core.audit import record_audit
from core.errors import DomainError
from core.extensions import db
from core.models import Timestamped, UtcDateTime, utcnow
from core.outbox import publish, subscriber
from tenants.entitlements import require
from tenants.scoping import TenantScoped, tenant_foreign_key

log = logging.getLogger(__name__)


class GroupBuy(TenantScoped, Timestamped, db.Model):
    __tablename__ = "group_buys"
    __tenant_table_args__ = (
        tenant_foreign_key("sku_id", "skus", ondelete="CASCADE"),
        CheckConstraint("size >= 2", name="size_at_least_two"),
        CheckConstraint("group_price >= 0", name="price_not_negative"),
    )

    ACTIVE, PAUSED = "active", "paused"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(40), nullable=False)
    sku_id: Mapped[int] = mapped_column(Integer, nullable=False)
    group_price: Mapped[int] = mapped_column(Integer, nullable=False)  # fen
    size: Mapped[int] = mapped_column(Integer, nullable=False)  # members a team needs
    hours: Mapped[int] = mapped_column(Integer, nullable=False, default=24)  # a team's time to fill up
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)  # no new teams after this
    status: Mapped[str] = mapped_column(String(8), nullable=False, default=ACTIVE)
    virtual_success: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class GroupTeam(TenantScoped, Timestamped, db.Model):
    __tablename__ = "group_teams"
    __tenant_table_args__ = (
        tenant_foreign_key("group_buy_id", "group_buys", ondelete="CASCADE"),
        CheckConstraint("seats_taken >= 0", name="seats_not_negative"),
    )

    OPEN, SUCCEEDED, FAILED = "open", "succeeded", "failed"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_buy_id: Mapped[int] = mapped_column(Integer, nullable=False)
    leader_member_id: Mapped[int] = mapped_column(Integer, nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    seats_taken: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=OPEN)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)


class GroupTeamMember(TenantScoped, Timestamped, db.Model):
    __tablename__ = "group_team_members"
    __tenant_table_args__ = (
        tenant_foreign_key("team_id", "group_teams", ondelete="CASCADE"),
        tenant_foreign_key("order_id", "orders", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "order_id"),
    )

    RESERVED, PAID, RELEASED, REFUNDING, REFUNDED = "reserved", "paid", "released", "refunding", "refunded"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(Integer, nullable=False)
    member_id: Mapped[int] = mapped_column(Integer, nullable=False)
    order_id: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=RESERVED)


class GroupBuyProblem(DomainError):
    """The group buy cannot be joined or saved as asked."""

    status = 409


def create_group_buy(*, actor, title, sku_id, group_price, size, hours, ends_at, virtual_success=False):
    """:raise GroupBuyProblem: unknown SKU, price above the SKU's, size < 2, bad times"""
    require("marketing")
    from commerce.catalog.models import SKU

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
    from commerce.catalog.events import catalog_changed
    from commerce.marketing.flash_sales import refresh_pages_at

    catalog_changed(db.session(), campaign.tenant_id)  # product pages show the group price
    refresh_pages_at(campaign.tenant_id, ends_at)  # … and stop at its end
    return campaign


def set_group_buy_status(campaign, status, *, actor):
    """Pause a group buy (no new teams or joins; teams already paid for run their course) or resume it."""
    db.session.execute(update(GroupBuy).where(GroupBuy.id == campaign.id).values(status=status)
                       .execution_options(synchronize_session=False))
    campaign.status = status
    record_audit(f"group_buy.{status}", actor=actor, tenant_id=campaign.tenant_id, target=campaign)
    from commerce.catalog.events import catalog_changed

    catalog_changed(db.session(), campaign.tenant_id)  # product pages stop (or start) offering it


def store_group_buys(limit=50):
    return db.session.scalars(select(GroupBuy).order_by(GroupBuy.id.desc()).limit(limit)).all()


def team_counts(campaign_ids):
    """``{campaign id: {team status: count}}``."""
    counts = {}
    for campaign_id, status, count in db.session.execute(
            select(GroupTeam.group_buy_id, GroupTeam.status, func.count(GroupTeam.id))
            .where(GroupTeam.group_buy_id.in_(list(campaign_ids)))
            .group_by(GroupTeam.group_buy_id, GroupTeam.status)).all():
        counts.setdefault(campaign_id, {})[status] = count
    return counts


@dataclass(frozen=True)
class GroupBuyDeal:
    """A group buy as the storefront's block shows it."""

    product: object
    sku: object
    price: int  # the group price, fen
    group_size: int


def group_buy_deals(limit=20, now=None):
    """The group buys a shopper can start now, with their products (pictures loaded),
    soonest-ending first."""
    from sqlalchemy.orm import selectinload

    from commerce.catalog.models import SKU, Product

    now = now or utcnow()
    rows = db.session.execute(
        select(GroupBuy, SKU, Product).join(SKU, SKU.id == GroupBuy.sku_id).join(Product, Product.id == SKU.product_id)
        .where(GroupBuy.status == GroupBuy.ACTIVE, GroupBuy.ends_at > now, Product.status == Product.ON_SALE)
        .options(selectinload(Product.images)).order_by(GroupBuy.ends_at, GroupBuy.id).limit(limit)).all()
    return [GroupBuyDeal(product, sku, campaign.group_price, campaign.size) for campaign, sku, product in rows]


def live_campaigns_for_skus(sku_ids, now=None):
    """The group buys a shopper can start now on these SKUs."""
    now = now or utcnow()
    if not sku_ids:
        return []
    return db.session.scalars(select(GroupBuy).where(GroupBuy.sku_id.in_(list(sku_ids)),
                                                     GroupBuy.status == GroupBuy.ACTIVE, GroupBuy.ends_at > now)
                              .order_by(GroupBuy.group_price)).all()


def team_of_order(order):
    """The team an order holds a seat in, or None."""
    return db.session.scalar(select(GroupTeam).join(GroupTeamMember, GroupTeamMember.team_id == GroupTeam.id)
                             .where(GroupTeamMember.order_id == order.id))


def team_places(team):
    """Who holds a seat (reserved or paid), in joining order."""
    return db.session.scalars(select(GroupTeamMember).where(
        GroupTeamMember.team_id == team.id,
        GroupTeamMember.status.in_((GroupTeamMember.RESERVED, GroupTeamMember.PAID))).order_by(GroupTeamMember.id)).all()


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
    return team


def _ship_team(team):
    """A team succeeded: its paid orders go on packing lists."""
    from commerce.orders.fulfillment import assign_to_fulfillments
    from commerce.orders.models import Order

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


def expire_team(team_id, now=None):
    """Job at a team's deadline: an unfilled team fails and each paid member is refunded in
    full through WeChat Pay, once. With ``virtual_success`` the team succeeds instead.
    Returns the number of refunds made by this run."""
    from commerce.orders.models import Order
    from commerce.orders.refunds import InvalidRefund, refund_order
    from payments import PaymentError

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


TEAM_DEADLINE = "group_buy.team_deadline"


def _schedule_expiry(team, now):
    publish(TEAM_DEADLINE, tenant_id=team.tenant_id, available_at=team.expires_at + timedelta(seconds=1),
            team_id=team.id)


@subscriber(TEAM_DEADLINE, queue="high")
def expire_team_at_deadline(event):
    expire_team(event.payload["team_id"])
