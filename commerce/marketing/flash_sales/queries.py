"""Read-only named queries over flash-sale (秒杀) campaigns, for views, blocks and the console."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from commerce.catalog.models import SKU, Product
from commerce.marketing.flash_sales.models import FlashSale, FlashSaleItem
from commerce.orders.models import OrderLine
from core.extensions import db
from core.models import utcnow
from core.pagination import Ordering, paginate


@dataclass(frozen=True)
class FlashDeal:
    """A flash sale item as the storefront shows it."""

    product: object
    sku: object
    price: int
    ends_at: datetime


LATEST_FIRST = Ordering("flash_sales.latest", FlashSale.starts_at.desc(), FlashSale.id.desc())


def store_flash_sales(*, cursor=None, per_page=50):
    """A ``core.pagination.Page`` of the store's flash sales, latest start first, with a count.

    :raise BadCursor: ``cursor`` was not made for this list
    """
    return paginate(select(FlashSale), LATEST_FIRST, per_page=per_page, cursor=cursor, with_total=True)


def find_flash_sale(sale_id):
    """The current store's flash sale, or None (another store's id finds nothing)."""
    return db.session.scalar(select(FlashSale).where(FlashSale.id == sale_id))


def flash_deals(limit=20, now=None):
    """The deals on now, with their products (pictures loaded), soonest-ending first."""
    rows = live_flash_items(limit=limit, now=now)
    skus = {sku.id: sku for sku in db.session.scalars(select(SKU).where(SKU.id.in_([i.sku_id for i, _s in rows])))}
    products = {p.id: p for p in db.session.scalars(
        select(Product).where(Product.id.in_([sku.product_id for sku in skus.values()]),
                              Product.status == Product.ON_SALE).options(selectinload(Product.images)))}
    return [FlashDeal(products[skus[item.sku_id].product_id], skus[item.sku_id], item.price, sale.ends_at)
            for item, sale in rows if skus[item.sku_id].product_id in products]


def live_item_for_sku(sku_id, now=None):
    """The flash sale item selling this SKU right now, or None."""
    now = now or utcnow()
    return db.session.scalar(
        select(FlashSaleItem).join(FlashSale, FlashSale.id == FlashSaleItem.flash_sale_id)
        .where(FlashSaleItem.sku_id == sku_id, FlashSale.status == FlashSale.ACTIVE,
               FlashSale.starts_at <= now, FlashSale.ends_at > now)
        .order_by(FlashSaleItem.id).limit(1))


def live_items_for_skus(sku_ids, now=None):
    """``{sku id: (item, sale)}`` for the SKUs selling at a flash price right now."""
    now = now or utcnow()
    if not sku_ids:
        return {}
    rows = db.session.execute(
        select(FlashSaleItem, FlashSale).join(FlashSale, FlashSale.id == FlashSaleItem.flash_sale_id)
        .where(FlashSaleItem.sku_id.in_(list(sku_ids)), FlashSale.status == FlashSale.ACTIVE,
               FlashSale.starts_at <= now, FlashSale.ends_at > now).order_by(FlashSaleItem.id.desc())).all()
    return {item.sku_id: (item, sale) for item, sale in rows}


def live_flash_items(limit=20, now=None):
    """``[(item, sale)]`` of the flash sales on now, for the storefront block."""
    now = now or utcnow()
    return db.session.execute(
        select(FlashSaleItem, FlashSale).join(FlashSale, FlashSale.id == FlashSaleItem.flash_sale_id)
        .where(FlashSale.status == FlashSale.ACTIVE, FlashSale.starts_at <= now, FlashSale.ends_at > now)
        .order_by(FlashSale.ends_at, FlashSaleItem.id).limit(limit)).all()


def flash_sale_orders(sale_ids):
    return (select(FlashSaleItem.flash_sale_id, OrderLine.order_id)
            .join(OrderLine, OrderLine.flash_sale_item_id == FlashSaleItem.id)
            .where(FlashSaleItem.flash_sale_id.in_(list(sale_ids))))
