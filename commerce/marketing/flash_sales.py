"""Flash sales (秒杀): time windows in which chosen SKUs sell at a flash price from their own
campaign stock, with a per-member limit.

Campaign stock is pre-deducted with a conditional UPDATE (``stock = stock - q WHERE
stock >= q``) inside the order's transaction, together with the member's quota
(``bought = bought + q WHERE bought + q <= limit`` on one row per member and item) and the
SKU's own stock (``place_order``): 500 buyers racing for 20 units make exactly 20 orders
and nobody goes over their limit. Cancelling an unpaid order gives all three back.

Optionally (``FLASH_SALE_GATE``, off by default) a counter gate in the cache sits in front:
a buyer first takes units from the counter (``INCRBY -q``; below zero gives them back and
answers "sold out" before the stock UPDATE). The database stays the one source of truth: a
lost counter is set again from the database stock, an order that fails after the gate puts
its units back when the session rolls back, a cancelled one once committed.

Measured (``python -m bench.flash_sale``, in ``make bench``: 500 buyers for 20 units, 50 at a
time, PostgreSQL + Redis on loopback, 2 cores): both exactly 20 orders; the gate keeps 480
buyers from the row lock (20 stock UPDATEs instead of 500) but is not faster — about 100
attempts/s either way, p99 2.2 s without it and 4.9 s with it — because an attempt's cost is
the Python work and the queries before the stock UPDATE, not waiting for the lock. So the
conditional UPDATE alone is the default; the gate is a switch for a deployment where the hot
row's lock is the bottleneck (many workers on one SKU), to be measured there with the same
benchmark.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import CheckConstraint, Index, Integer, String, UniqueConstraint, event, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from commerce.pricing.rules import CampaignPrice, PriceRule, register_rule
from core.audit import record_audit
from core.cache import cache_add, cache_incr
from core.database import savepoint_only
from core.errors import DomainError
from core.extensions import db
from core.models import Timestamped, UtcDateTime, utcnow
from core.outbox import publish, subscriber
from tenants.entitlements import require
from tenants.scoping import TenantScoped, tenant_foreign_key


class FlashSale(TenantScoped, Timestamped, db.Model):
    __tablename__ = "flash_sales"
    __tenant_table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_flash_sales_tenant_window", "tenant_id", "status", "starts_at", "ends_at"),
    )

    ACTIVE, PAUSED = "active", "paused"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(40), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    status: Mapped[str] = mapped_column(String(8), nullable=False, default=ACTIVE)

    items = relationship("FlashSaleItem", order_by="FlashSaleItem.id", viewonly=True)

    def is_on(self, now=None):
        now = now or utcnow()
        return self.status == self.ACTIVE and self.starts_at <= now < self.ends_at


class FlashSaleItem(TenantScoped, db.Model):
    __tablename__ = "flash_sale_items"
    __tenant_table_args__ = (
        tenant_foreign_key("flash_sale_id", "flash_sales", ondelete="CASCADE"),
        tenant_foreign_key("sku_id", "skus", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "flash_sale_id", "sku_id"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("per_member_limit > 0", name="limit_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    flash_sale_id: Mapped[int] = mapped_column(Integer, nullable=False)
    sku_id: Mapped[int] = mapped_column(Integer, nullable=False)
    price: Mapped[int] = mapped_column(Integer, nullable=False)  # fen
    stock: Mapped[int] = mapped_column(Integer, nullable=False)  # campaign units left
    initial_stock: Mapped[int] = mapped_column(Integer, nullable=False)
    per_member_limit: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class FlashSaleQuota(TenantScoped, db.Model):
    """How many units of an item a member holds in orders that are not cancelled."""

    __tablename__ = "flash_sale_quotas"
    __tenant_table_args__ = (
        tenant_foreign_key("item_id", "flash_sale_items", ondelete="CASCADE"),
        tenant_foreign_key("member_id", "members", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "item_id", "member_id"),
        CheckConstraint("bought >= 0", name="bought_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer, nullable=False)
    member_id: Mapped[int] = mapped_column(Integer, nullable=False)
    bought: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class FlashSaleProblem(DomainError):
    """The flash sale cannot be bought or saved as asked; ``field`` names what to fix."""

    status = 409


def create_flash_sale(*, actor, title, starts_at, ends_at, items):
    """``items``: ``[(sku_id, price fen, campaign units, per-member limit)]``.

    :raise FlashSaleProblem: bad window, unknown SKU, price/stock/limit out of range
    """
    require("marketing")
    from commerce.catalog.models import SKU

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


def announce_window(sale):
    """Cached pages show flash prices: rebuild them now, when the sale starts and when it ends."""
    from commerce.catalog.events import catalog_changed

    catalog_changed(db.session(), sale.tenant_id)
    now = utcnow()
    for moment in (sale.starts_at, sale.ends_at):
        if moment > now:
            refresh_pages_at(sale.tenant_id, moment)


CAMPAIGN_BOUNDARY = "campaign.boundary"


def refresh_pages_at(tenant_id, moment):
    """In the current transaction: the store's cached pages are rebuilt at ``moment`` (a
    campaign of any kind starts or ends then)."""
    publish(CAMPAIGN_BOUNDARY, tenant_id=tenant_id, available_at=moment + timedelta(seconds=1))


def refresh_flash_pages():
    """At a campaign's start or end (flash sales, group buys, bargains): the store's cached
    pages change price or offers."""
    from commerce.catalog.events import catalog_changed
    from core.tenancy import current_tenant_id

    catalog_changed(db.session(), current_tenant_id())
    db.session.commit()


@subscriber(CAMPAIGN_BOUNDARY)
def refresh_pages_at_boundary(event):
    refresh_flash_pages()


@dataclass(frozen=True)
class FlashDeal:
    """A flash sale item as the storefront shows it."""

    product: object
    sku: object
    price: int
    ends_at: datetime


def flash_deals(limit=20, now=None):
    """The deals on now, with their products (pictures loaded), soonest-ending first."""
    from sqlalchemy.orm import selectinload

    from commerce.catalog.models import SKU, Product

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


def reserve_flash_units(item, member_id, quantity):
    """Take ``quantity`` campaign units for the member, inside the caller's transaction.

    :raise FlashSaleProblem: the campaign units are gone, or the member's limit is reached
    """
    if not _take_from_gate(item, quantity):
        raise FlashSaleProblem(_("Sorry, the flash sale is sold out."))
    taken = db.session.execute(
        update(FlashSaleItem).where(FlashSaleItem.id == item.id, FlashSaleItem.stock >= quantity)
        .values(stock=FlashSaleItem.stock - quantity).execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        raise FlashSaleProblem(_("Sorry, the flash sale is sold out."))
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
    db.session().info.setdefault(_GATE_RELEASED, []).append((item.tenant_id, _gate_key(item), quantity))
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


# --- the gate -------------------------------------------------------------------------------

_GATE_TAKEN = "duoshop_flash_gate_taken"  # session.info: units to give back if the transaction rolls back
_GATE_RELEASED = "duoshop_flash_gate_released"  # … and units to give back once it commits


def _gate_key(item):
    """The item's counter. The sale's creation time is part of it: a database restored or reset
    while the cache lives on (ids start again) must not find an old sale's counter."""
    created = db.session.get(FlashSale, item.flash_sale_id).created_at
    return f"flash:{item.id}:{int(created.timestamp() * 1_000_000)}:units"


def _take_from_gate(item, quantity):
    """False when the gate says the units are gone; otherwise the units are taken from it
    until this transaction ends (given back if it rolls back)."""
    if not current_app.config["FLASH_SALE_GATE"]:
        return True
    key = _gate_key(item)
    ttl = max(60, int((db.session.get(FlashSale, item.flash_sale_id).ends_at - utcnow()).total_seconds()) + 3600)
    cache_add(item.tenant_id, key, item.stock, ttl)  # a lost or new counter starts from the database's stock
    left = cache_incr(item.tenant_id, key, -quantity)
    if left is None:
        return True  # the cache is unreachable: the conditional UPDATE alone decides, as with the gate off
    if left < 0:
        cache_incr(item.tenant_id, key, quantity)
        return False
    db.session().info.setdefault(_GATE_TAKEN, []).append((item.tenant_id, key, quantity))
    return True


@event.listens_for(Session, "after_commit")
def _gate_after_commit(session):
    if savepoint_only(session):
        return
    session.info.pop(_GATE_TAKEN, None)
    for tenant_id, key, quantity in session.info.pop(_GATE_RELEASED, []):
        cache_incr(tenant_id, key, quantity)


@event.listens_for(Session, "after_soft_rollback")
def _gate_after_rollback(session, previous_transaction):
    if previous_transaction.nested:
        return  # a savepoint: the order's transaction goes on
    session.info.pop(_GATE_RELEASED, None)
    for tenant_id, key, quantity in session.info.pop(_GATE_TAKEN, []):
        cache_incr(tenant_id, key, quantity)
