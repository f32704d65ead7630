"""Read-only named queries over group-buy (拼团) campaigns, for views, blocks and the console."""
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from commerce.catalog.models import SKU, Product
from commerce.marketing.group_buys.models import GroupBuy, GroupTeam, GroupTeamMember
from commerce.members.models import Member
from core.extensions import db
from core.models import utcnow
from core.pagination import Ordering, paginate

NEWEST_FIRST = Ordering("group_buys.newest", GroupBuy.id.desc())


def store_group_buys(*, cursor=None, per_page=50):
    """A ``core.pagination.Page`` of the store's group buys, newest first, with a count.

    :raise BadCursor: ``cursor`` was not made for this list
    """
    return paginate(select(GroupBuy), NEWEST_FIRST, per_page=per_page, cursor=cursor, with_total=True)


def find_group_buy(campaign_id):
    """The current store's campaign, or None (another store's id finds nothing)."""
    return db.session.scalar(select(GroupBuy).where(GroupBuy.id == campaign_id))


def find_group_team(team_id):
    """The current store's team, or None."""
    return db.session.scalar(select(GroupTeam).where(GroupTeam.id == team_id))


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


def live_group_buys(limit=20, now=None):
    """``[(campaign, sku, product)]`` of the group buys a shopper can start now, products on
    sale (pictures loaded), soonest-ending first."""
    now = now or utcnow()
    return db.session.execute(
        select(GroupBuy, SKU, Product).join(SKU, SKU.id == GroupBuy.sku_id).join(Product, Product.id == SKU.product_id)
        .where(GroupBuy.status == GroupBuy.ACTIVE, GroupBuy.ends_at > now, Product.status == Product.ON_SALE)
        .options(selectinload(Product.images)).order_by(GroupBuy.ends_at, GroupBuy.id).limit(limit)).all()


def group_buy_deals(limit=20, now=None):
    """The group buys a shopper can start now, with their products (pictures loaded),
    soonest-ending first."""
    return [GroupBuyDeal(product, sku, campaign.group_price, campaign.size)
            for campaign, sku, product in live_group_buys(limit, now)]


def open_teams(campaign_id, *, limit=20, now=None):
    """Teams of a group buy a shopper can still join (open, not expired, a seat free),
    soonest-ending first."""
    now = now or utcnow()
    return db.session.scalars(select(GroupTeam).where(
        GroupTeam.group_buy_id == campaign_id, GroupTeam.status == GroupTeam.OPEN, GroupTeam.expires_at > now,
        GroupTeam.seats_taken < GroupTeam.size).order_by(GroupTeam.expires_at, GroupTeam.id).limit(limit)).all()


def live_campaigns_for_skus(sku_ids, now=None):
    """The group buys a shopper can start now on these SKUs."""
    now = now or utcnow()
    if not sku_ids:
        return []
    return db.session.scalars(select(GroupBuy).where(GroupBuy.sku_id.in_(list(sku_ids)),
                                                     GroupBuy.status == GroupBuy.ACTIVE, GroupBuy.ends_at > now)
                              .order_by(GroupBuy.group_price)).all()


def team_of_order(order):
    """The team an order holds a seat in, or None; as the database has it now (seats are
    counted by UPDATEs that leave loaded teams behind)."""
    return db.session.scalar(select(GroupTeam).join(GroupTeamMember, GroupTeamMember.team_id == GroupTeam.id)
                             .where(GroupTeamMember.order_id == order.id)
                             .execution_options(populate_existing=True))


def team_places(team):
    """Who holds a seat (reserved or paid), in joining order."""
    return db.session.scalars(select(GroupTeamMember).where(
        GroupTeamMember.team_id == team.id,
        GroupTeamMember.status.in_((GroupTeamMember.RESERVED, GroupTeamMember.PAID))).order_by(GroupTeamMember.id)).all()


def team_roster(team):
    """``[(place, member)]`` of who holds a seat (reserved or paid), in joining order."""
    return db.session.execute(select(GroupTeamMember, Member).join(Member, Member.id == GroupTeamMember.member_id)
                              .where(GroupTeamMember.team_id == team.id,
                                     GroupTeamMember.status.in_((GroupTeamMember.RESERVED, GroupTeamMember.PAID)))
                              .order_by(GroupTeamMember.id)).all()


def group_buy_orders(campaign_ids):
    return (select(GroupTeam.group_buy_id, GroupTeamMember.order_id)
            .join(GroupTeamMember, GroupTeamMember.team_id == GroupTeam.id)
            .where(GroupTeam.group_buy_id.in_(list(campaign_ids))))
