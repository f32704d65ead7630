"""Read-only named queries over bargain (砍价) campaigns, for views, blocks and the console."""
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from commerce.catalog.models import SKU, Product
from commerce.marketing.bargains.models import Bargain, BargainCampaign, BargainHelp, BargainOrder
from commerce.marketing.results import campaign_results
from commerce.members.models import Member
from core.extensions import db
from core.models import utcnow
from core.pagination import Ordering, paginate

NEWEST_FIRST = Ordering("bargain_campaigns.newest", BargainCampaign.id.desc())


def store_bargain_campaigns(*, cursor=None, per_page=50):
    """A ``core.pagination.Page`` of the store's bargain campaigns, newest first, with a count.

    :raise BadCursor: ``cursor`` was not made for this list
    """
    return paginate(select(BargainCampaign), NEWEST_FIRST, per_page=per_page, cursor=cursor, with_total=True)


def find_bargain_campaign(campaign_id):
    """The current store's campaign, or None (another store's id finds nothing)."""
    return db.session.scalar(select(BargainCampaign).where(BargainCampaign.id == campaign_id))


def _live_campaigns(now):
    return select(BargainCampaign).where(BargainCampaign.status == BargainCampaign.ACTIVE,
                                         BargainCampaign.starts_at <= now, BargainCampaign.ends_at > now)


def live_bargain_campaigns_for_skus(sku_ids, now=None):
    """The campaigns a shopper can start a bargain in now on these SKUs."""
    if not sku_ids:
        return []
    return db.session.scalars(_live_campaigns(now or utcnow()).where(BargainCampaign.sku_id.in_(list(sku_ids)))
                              .order_by(BargainCampaign.floor_price)).all()


@dataclass(frozen=True)
class BargainDeal:
    """A live campaign as the storefront lists it."""

    campaign: BargainCampaign
    product: object
    sku: object
    floor_price: int
    price: int  # the SKU's price today


def bargain_deals(limit=20, now=None):
    """The campaigns on now with their products (pictures loaded) on sale, soonest-ending first."""
    rows = db.session.execute(
        _live_campaigns(now or utcnow()).add_columns(SKU, Product)
        .join(SKU, SKU.id == BargainCampaign.sku_id).join(Product, Product.id == SKU.product_id)
        .where(Product.status == Product.ON_SALE).options(selectinload(Product.images))
        .order_by(BargainCampaign.ends_at, BargainCampaign.id).limit(limit)).all()
    return [BargainDeal(campaign, product, sku, campaign.floor_price, sku.price) for campaign, sku, product in rows]


def live_bargain_of(campaign_id, member_id):
    return db.session.scalar(select(Bargain).where(Bargain.campaign_id == campaign_id,
                                                   Bargain.starter_member_id == member_id,
                                                   Bargain.status != Bargain.EXPIRED))


def bargain_helps(bargain):
    """``[(help, member)]`` in the order they came."""
    return db.session.execute(select(BargainHelp, Member).join(Member, Member.id == BargainHelp.helper_member_id)
                              .where(BargainHelp.bargain_id == bargain.id).order_by(BargainHelp.id)).all()


@dataclass(frozen=True)
class BargainResults:
    started: int = 0  # bargains started
    helpers: int = 0  # distinct members who helped
    participants: int = 0  # distinct members who ordered
    orders: int = 0  # orders placed, paid or not
    paid_orders: int = 0
    gmv: int = 0  # fen, paid orders' totals


def bargain_results(campaign_ids):
    """``{campaign id: BargainResults}`` in four queries, whatever the number of campaigns."""
    campaign_ids = list(campaign_ids)
    if not campaign_ids:
        return {}
    started = dict(db.session.execute(select(Bargain.campaign_id, func.count(Bargain.id))
                                      .where(Bargain.campaign_id.in_(campaign_ids)).group_by(Bargain.campaign_id)).all())
    helpers = dict(db.session.execute(
        select(Bargain.campaign_id, func.count(func.distinct(BargainHelp.helper_member_id)))
        .join(BargainHelp, BargainHelp.bargain_id == Bargain.id)
        .where(Bargain.campaign_id.in_(campaign_ids)).group_by(Bargain.campaign_id)).all())
    ordered = campaign_results(select(Bargain.campaign_id, BargainOrder.order_id)
                               .join(BargainOrder, BargainOrder.bargain_id == Bargain.id)
                               .where(Bargain.campaign_id.in_(campaign_ids)))
    results = {}
    for campaign_id in campaign_ids:
        sales = ordered.get(campaign_id)
        results[campaign_id] = BargainResults(
            started.get(campaign_id, 0), helpers.get(campaign_id, 0),
            *((sales.participants, sales.orders, sales.paid_orders, sales.gmv) if sales else ()))
    return results


def campaign_bargains(campaign_id, limit=100):
    """``[(bargain, starter member)]``, newest first, for the console's results page."""
    return db.session.execute(select(Bargain, Member).join(Member, Member.id == Bargain.starter_member_id)
                              .where(Bargain.campaign_id == campaign_id).order_by(Bargain.id.desc())
                              .limit(limit)).all()
