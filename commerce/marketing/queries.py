"""Read-only queries the campaign screens share: the SKUs a campaign may sell, their labels,
and how many campaigns of each kind run now."""
from sqlalchemy import func, select

from commerce.catalog.models import SKU, Product
from commerce.marketing.bargains.models import BargainCampaign
from commerce.marketing.coupons.models import Coupon
from commerce.marketing.flash_sales.models import FlashSale
from commerce.marketing.group_buys.models import GroupBuy
from commerce.marketing.presales.models import Presale
from core.extensions import db

MAX_SKU_CHOICES = 500  # the campaign forms' SKU menus


def skus_on_sale(limit=MAX_SKU_CHOICES):
    """``[(sku, product)]`` of the products on sale, for a campaign's SKU menu."""
    return db.session.execute(select(SKU, Product).join(Product, Product.id == SKU.product_id)
                              .where(Product.status == Product.ON_SALE).order_by(Product.id, SKU.id)
                              .limit(limit)).all()


def sku_labels(sku_ids, also=()):
    """``{sku id: "product title sku label"}`` for ``sku_ids`` and the ``(sku, product)``
    pairs in ``also`` (already loaded)."""
    labels = {sku.id: _label(sku, product) for sku, product in also}
    missing = set(sku_ids) - set(labels)
    if missing:
        for sku, product in db.session.execute(select(SKU, Product).join(Product, Product.id == SKU.product_id)
                                               .where(SKU.id.in_(missing))).all():
            labels[sku.id] = _label(sku, product)
    return labels


def _label(sku, product):
    return f"{product.title} {sku.label()}".strip()


def running_counts(now):
    """``{kind: campaigns running now}`` for the marketing hub."""
    def count(model, *conditions):
        return db.session.scalar(select(func.count(model.id)).where(*conditions))

    return {
        "coupons": count(Coupon, Coupon.status == Coupon.ACTIVE),
        "flash_sales": count(FlashSale, FlashSale.status == FlashSale.ACTIVE, FlashSale.ends_at > now),
        "group_buys": count(GroupBuy, GroupBuy.status == GroupBuy.ACTIVE, GroupBuy.ends_at > now),
        "bargains": count(BargainCampaign, BargainCampaign.status == BargainCampaign.ACTIVE,
                          BargainCampaign.ends_at > now),
        "presales": count(Presale, Presale.status == Presale.ACTIVE, Presale.ends_at > now),
    }
