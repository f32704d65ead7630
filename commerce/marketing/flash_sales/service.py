"""Flash sales (秒杀): time windows in which chosen SKUs sell at a flash price from their own
campaign stock, with a per-member limit.

Campaign stock is pre-deducted with a conditional UPDATE (``stock = stock - q WHERE
stock >= q``) inside the order's transaction, together with the member's quota
(``bought = bought + q WHERE bought + q <= limit`` on one row per member and item) and the
SKU's own stock (``place_order``): 500 buyers racing for 20 units make exactly 20 orders
and nobody goes over their limit. Cancelling an unpaid order gives all three back.

A counter gate (``gate.py``, ``FLASH_SALE_GATE``, on by default) sits in front: the checkout
views take the units from it before any database work, so buyers beyond the units are
turned away at the cost of one Redis round trip; an order placed without the views (a job, a
test) takes them here. The database stays the one source of truth (see ``gate.py``).

Measured in-process (``python -m bench.flash_sale``, 500 buyers for 20 units, 50 at a time,
2 cores): exactly 20 orders either way, about 100 attempts/s when every attempt runs the
Python work and queries before the stock UPDATE; over HTTP with the gate in front of that
work see ``bench/flash_sale_http.py``.
"""
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from commerce.catalog.models import SKU
from commerce.marketing.flash_sales import gate
from commerce.marketing.flash_sales.errors import FlashSaleProblem, FlashSaleSoldOut
from commerce.marketing.flash_sales.models import FlashSale, FlashSaleItem, FlashSaleQuota
from commerce.marketing.flash_sales.queries import live_item_for_sku, live_items_for_skus
from commerce.marketing.windows import announce_window
from commerce.orders.hooks import order_hook
from commerce.orders.models import OrderLine
from commerce.pricing.rules import CampaignPrice, PriceRule, register_rule
from core.audit import record_audit
from core.extensions import db
from tenants.entitlements import require


def create_flash_sale(*, actor, title, starts_at, ends_at, items):
    """``items``: ``[(sku_id, price fen, campaign units, per-member limit)]``.

    :raise FlashSaleProblem: bad window, unknown SKU, price/stock/limit out of range
    """
    require("marketing")
    title = (title or "").strip()
    if not title or len(title) > 40:
        raise FlashSaleProblem(_("Give the flash sale a title (at most 40 characters)."), field="title", status=422)
    if not (isinstance(starts_at, datetime) and isinstance(ends_at, datetime)) or ends_at <= starts_at:
        raise FlashSaleProblem(_("The flash sale must end after it starts."), field="ends_at", status=422)
    if not items:
        raise FlashSaleProblem(_("Add at least one SKU."), field="items", status=422)
    sale = FlashSale(title=title, starts_at=starts_at, ends_at=ends_at)
    db.session.add(sale)
    db.session.flush()
    for sku_id, price, stock, limit in items:
        sku = db.session.scalar(select(SKU).where(SKU.id == sku_id))
        if sku is None:
            raise FlashSaleProblem(_("No such SKU in this store."), field="items", status=422)
        if not (isinstance(price, int) and 0 <= price <= sku.price):
            raise FlashSaleProblem(_("The flash price must be between ¥0 and the SKU's price."), field="items",
                                   status=422)
        if not (isinstance(stock, int) and 1 <= stock <= sku.stock):
            raise FlashSaleProblem(_("Campaign units must be between 1 and the SKU's stock (%(n)d).", n=sku.stock),
                                   field="items", status=422)
        if not (isinstance(limit, int) and 1 <= limit <= 99):
            raise FlashSaleProblem(_("The limit per shopper is 1 to 99."), field="items", status=422)
        db.session.add(FlashSaleItem(flash_sale_id=sale.id, sku_id=sku_id, price=price, stock=stock,
                                     initial_stock=stock, per_member_limit=limit))
    db.session.flush()
    record_audit("flash_sale.create", actor=actor, tenant_id=sale.tenant_id, target=sale, details={"title": title})
    announce_window(sale)
    return sale


def set_flash_sale_status(sale, status, *, actor):
    db.session.execute(update(FlashSale).where(FlashSale.id == sale.id).values(status=status)
                       .execution_options(synchronize_session=False))
    sale.status = status
    record_audit(f"flash_sale.{status}", actor=actor, tenant_id=sale.tenant_id, target=sale)
    announce_window(sale)


def reserve_flash_units(item, member_id, quantity):
    """Take ``quantity`` campaign units for the member, inside the caller's transaction.

    :raise FlashSaleProblem: the campaign units are gone, or the member's limit is reached
    """
    if not gate.taken_here(item):
        gate.take_units(item.tenant_id, item.sku_id, quantity)
    taken = db.session.execute(
        update(FlashSaleItem).where(FlashSaleItem.id == item.id, FlashSaleItem.stock >= quantity)
        .values(stock=FlashSaleItem.stock - quantity).execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        gate.forget_after_transaction(item.tenant_id, item.sku_id)  # it let through units that are not there
        raise FlashSaleSoldOut()
    try:
        with db.session.begin_nested():
            db.session.add(FlashSaleQuota(item_id=item.id, member_id=member_id, bought=0))
    except IntegrityError:
        pass  # the member's row exists already
    within = db.session.execute(
        update(FlashSaleQuota).where(FlashSaleQuota.item_id == item.id, FlashSaleQuota.member_id == member_id,
                                     FlashSaleQuota.bought + quantity <= item.per_member_limit)
        .values(bought=FlashSaleQuota.bought + quantity).execution_options(synchronize_session=False)).rowcount
    if within != 1:
        raise FlashSaleProblem(_("You can buy at most %(n)d of this in the flash sale.", n=item.per_member_limit))


def release_flash_units(item_id, member_id, quantity):
    """A cancelled order gives its flash units back (campaign stock, the member's quota, and
    the gate once the cancellation is committed)."""
    item = db.session.get(FlashSaleItem, item_id)
    gate.give_back_after_commit(item.tenant_id, item.sku_id, item.id, quantity)
    db.session.execute(update(FlashSaleItem).where(FlashSaleItem.id == item_id)
                       .values(stock=FlashSaleItem.stock + quantity).execution_options(synchronize_session=False))
    db.session.execute(update(FlashSaleQuota).where(FlashSaleQuota.item_id == item_id,
                                                    FlashSaleQuota.member_id == member_id,
                                                    FlashSaleQuota.bought >= quantity)
                       .values(bought=FlashSaleQuota.bought - quantity).execution_options(synchronize_session=False))


class FlashSalePrice(PriceRule):
    """A flash sale prices its SKUs in every cart while it runs; the order takes its
    campaign units and the member's quota before the SKU's own stock."""

    kind = "flash_sale"
    automatic = True

    def prices(self, sku_ids, *, member_id, campaign, now):
        return {sku_id: CampaignPrice(self.kind, sale.title, sku_id, item.price, item.id,
                                      line_fields=(("flash_sale_item_id", item.id),))
                for sku_id, (item, sale) in live_items_for_skus(sku_ids, now).items()}

    def reserve(self, price, *, member_id, quantity, now):
        reserve_flash_units(db.session.get(FlashSaleItem, price.ref), member_id, quantity)


register_rule(FlashSalePrice())


@order_hook("cancelled")
def release_order_flash_units(order):
    """A cancelled order's flash-sale lines give their units back, with the cancel."""
    for line in db.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id,
                                                          OrderLine.flash_sale_item_id.is_not(None))):
        release_flash_units(line.flash_sale_item_id, order.member_id, line.quantity)


@order_hook("price_now")
def flash_sale_price_now(sku):
    """The flash-sale price of ``sku`` while a sale is on (the cart shows it)."""
    item = live_item_for_sku(sku.id)
    return item.price if item is not None else None
