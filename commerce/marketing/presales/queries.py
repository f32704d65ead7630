"""Read-only named queries over pre-sales (预售), for the storefront, the API and the console."""
from dataclasses import dataclass

from sqlalchemy import func, select

from commerce.marketing.presales.models import Presale, PresaleItem, PresaleOrder, PresaleSettings
from commerce.orders.instalments import instalments_of
from core.extensions import db
from core.models import utcnow
from core.pagination import Ordering, paginate

LATEST_FIRST = Ordering("presales.latest", Presale.starts_at.desc(), Presale.id.desc())


@dataclass(frozen=True)
class PresaleFigures:
    """A pre-sale in the console list: units booked and orders paid."""

    presale: Presale
    booked: int
    units: int
    paid_orders: int


def store_presales(*, cursor=None, per_page=50):
    """A ``core.pagination.Page`` of the store's pre-sales, latest start first, with a count.

    :raise BadCursor: ``cursor`` was not made for this list
    """
    return paginate(select(Presale), LATEST_FIRST, per_page=per_page, cursor=cursor, with_total=True)


def presale_figures(presales):
    """``{presale id: PresaleFigures}`` for the console list, in two queries."""
    ids = [p.id for p in presales]
    if not ids:
        return {}
    units = {pid: (initial, left) for pid, initial, left in db.session.execute(
        select(PresaleItem.presale_id, func.sum(PresaleItem.initial_stock), func.sum(PresaleItem.stock))
        .where(PresaleItem.presale_id.in_(ids)).group_by(PresaleItem.presale_id))}
    paid = dict(db.session.execute(select(PresaleOrder.presale_id, func.count()).where(
        PresaleOrder.presale_id.in_(ids), PresaleOrder.paid_at.is_not(None)).group_by(PresaleOrder.presale_id)).all())
    return {p.id: PresaleFigures(p, (units.get(p.id) or (0, 0))[0] - (units.get(p.id) or (0, 0))[1],
                                 (units.get(p.id) or (0, 0))[0], paid.get(p.id, 0)) for p in presales}


def find_presale(presale_id):
    """The current store's pre-sale, or None (another store's id finds nothing)."""
    return db.session.scalar(select(Presale).where(Presale.id == presale_id))


def live_presale_for_product(product_id, now=None):
    """The pre-sale on now for a product (its SKUs' items loaded), or None."""
    now = now or utcnow()
    return db.session.scalar(
        select(Presale).where(Presale.product_id == product_id, Presale.status == Presale.ACTIVE,
                              Presale.starts_at <= now, Presale.ends_at > now).order_by(Presale.id.desc()).limit(1))


def live_item(presale_id, sku_ids, now=None):
    """``(item, presale)`` of the running pre-sale ``presale_id`` for one of ``sku_ids``, or None."""
    now = now or utcnow()
    if not sku_ids:
        return None
    return db.session.execute(
        select(PresaleItem, Presale).join(Presale, Presale.id == PresaleItem.presale_id)
        .where(Presale.id == presale_id, PresaleItem.sku_id.in_(list(sku_ids)), Presale.status == Presale.ACTIVE,
               Presale.starts_at <= now, Presale.ends_at > now).order_by(PresaleItem.id).limit(1)).first()


def presale_of_order(order_id):
    """``(PresaleOrder, Presale)`` when the order was placed through a pre-sale, else None."""
    return db.session.execute(select(PresaleOrder, Presale).join(Presale, Presale.id == PresaleOrder.presale_id)
                              .where(PresaleOrder.order_id == order_id)).first()


def presale_orders_of(order_ids):
    """``{order id: PresaleOrder}`` for an order list's badges."""
    if not order_ids:
        return {}
    return {row.order_id: row for row in db.session.scalars(
        select(PresaleOrder).where(PresaleOrder.order_id.in_(list(order_ids))))}


def presale_settings():
    """The store's pre-sale settings (defaults when never saved; not added to the session)."""
    found = db.session.scalar(select(PresaleSettings))
    return found or PresaleSettings(split_threshold=PresaleSettings.DEFAULT_THRESHOLD, warehouses=None)


def presale_order_pairs(presale_ids):
    """A select of ``(pre-sale id, order id)`` for ``commerce.marketing.results.campaign_results``."""
    return select(PresaleOrder.presale_id, PresaleOrder.order_id).where(PresaleOrder.presale_id.in_(list(presale_ids)))


@dataclass(frozen=True)
class OrderPresale:
    """What an order page shows of a pre-sale order: the campaign, when it ships, and its
    parts (deposit and balance; empty when paid in full)."""

    presale: Presale
    ships_from: object
    parts: tuple

    @property
    def deposit(self):
        return self.parts[0] if self.parts else None

    @property
    def balance(self):
        return self.parts[1] if len(self.parts) > 1 else None


def order_presale(order):
    """The pre-sale side of ``order``, or None when it was not placed through a pre-sale."""
    found = presale_of_order(order.id)
    if found is None:
        return None
    booked, presale = found
    return OrderPresale(presale, booked.ships_from, tuple(instalments_of(order)))


def presale_item_for_sku(presale_id, sku_id):
    """The running pre-sale's item for one SKU, or None."""
    found = live_item(presale_id, [sku_id])
    return found[0] if found is not None else None
