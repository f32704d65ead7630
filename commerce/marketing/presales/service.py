"""Pre-sales (预售): a product's SKUs sold ahead of a ship-from date at a pre-sale price,
from the campaign's own units, paid in full or as a deposit (定金) now and a balance (尾款)
in a later window.

- Ordering goes through the chosen-campaign path (``Campaign("presale", id)``): the rule
  prices the SKU and, for a deposit pre-sale, gives the quote the ``DepositTerms``; the
  quote splits the total (``PaymentSplit``) and ``place_order`` keeps the two parts as
  ``order_instalments``, each paid through the usual WeChat Pay / stored-value path.
- Units are taken with a conditional UPDATE (``stock = stock - q WHERE stock >= q``) in the
  order's transaction before the SKU's own stock, and given back when the order is
  cancelled (an unpaid deposit, or a balance not paid by the window's end).
- An unpaid balance keeps the deposit (``FORFEIT``, the market's default, shown to the buyer
  before paying) or gives it back (``REFUND``), as the merchant chose.
- A paid pre-sale order is held back from the packing lists until its ship-from date (the
  "paid" hook); then an outbox event (and the sweep, in case it was lost) releases it. When a
  pre-sale has more paid orders than the store's threshold (500 unless set), its orders are
  dealt round robin over the store's warehouses in booking order instead of all from the
  product's own: every warehouse gets an equal share within one order.
"""
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from commerce.catalog.models import SKU, Product
from commerce.marketing.presales.errors import PresaleProblem, PresaleSoldOut
from commerce.marketing.presales.models import Presale, PresaleItem, PresaleOrder, PresaleSettings
from commerce.marketing.presales.queries import live_item, presale_settings
from commerce.marketing.windows import announce_window
from commerce.orders.fulfillment import assign_to_fulfillments
from commerce.orders.hooks import order_hook
from commerce.orders.models import Order, OrderLine
from commerce.pricing.rules import CampaignPrice, DepositTerms, PriceRule, register_rule
from core.audit import record_audit
from core.extensions import db
from core.models import utcnow
from core.outbox import publish
from tenants.entitlements import require

SHIPS_FROM = "presale.ships_from"  # at a pre-sale's ship-from date: its paid orders go on packing lists
MAX_UNITS = 100_000


def create_presale(*, actor, title, starts_at, ends_at, ships_from, items, product_id=None, mode=Presale.FULL,
                   deposit=None, deposit_worth=None, balance_starts_at=None, balance_ends_at=None,
                   unpaid_balance=Presale.FORFEIT):
    """``items``: ``[(sku id, pre-sale price fen, units)]`` of one product's SKUs (the
    product of the first, unless ``product_id`` names it).

    :raise PresaleProblem: a bad window, date, deposit, SKU, price or number of units
    """
    require("marketing")
    title = (title or "").strip()
    if not title or len(title) > 40:
        raise PresaleProblem(_("Give the pre-sale a title (at most 40 characters)."), field="title", status=422)
    if not all(isinstance(m, datetime) for m in (starts_at, ends_at, ships_from)) or ends_at <= starts_at:
        raise PresaleProblem(_("The pre-sale must end after it starts."), field="ends_at", status=422)
    if ships_from < starts_at:
        raise PresaleProblem(_("The ship-from date cannot be before the pre-sale starts."), field="ships_from",
                             status=422)
    if not items:
        raise PresaleProblem(_("Choose at least one SKU and its units."), field="items", status=422)
    if product_id is None:
        product_id = db.session.scalar(select(SKU.product_id).where(SKU.id == items[0][0]))
    product = db.session.scalar(select(Product).where(Product.id == product_id)) if product_id else None
    if product is None:
        raise PresaleProblem(_("No such product in this store."), field="items", status=422)
    skus = {sku.id: sku for sku in db.session.scalars(select(SKU).where(SKU.product_id == product.id))}
    for sku_id, price, units in items:
        sku = skus.get(sku_id)
        if sku is None:
            raise PresaleProblem(_("A pre-sale covers SKUs of one product only."), field="items", status=422)
        if not (isinstance(price, int) and 1 <= price <= 10_000_000):
            raise PresaleProblem(_("Give each SKU a pre-sale price above ¥0."), field="items", status=422)
        if not (isinstance(units, int) and 1 <= units <= min(sku.stock, MAX_UNITS)):
            raise PresaleProblem(_("Pre-sale units must be between 1 and the SKU's stock (%(n)d).", n=sku.stock),
                                 field="items", status=422)
    if unpaid_balance not in (Presale.FORFEIT, Presale.REFUND):
        raise PresaleProblem(_("Choose what happens to the deposit when the balance is not paid."),
                             field="unpaid_balance", status=422)
    if mode == Presale.DEPOSIT:
        _check_deposit(deposit, deposit_worth, balance_starts_at, balance_ends_at, starts_at, ends_at, ships_from,
                       min(price for _sku, price, _units in items))
    elif mode == Presale.FULL:
        deposit = deposit_worth = balance_starts_at = balance_ends_at = None
    else:
        raise PresaleProblem(_("Choose how the pre-sale is paid."), field="mode", status=422)
    presale = Presale(title=title, product_id=product.id, starts_at=starts_at, ends_at=ends_at, ships_from=ships_from,
                      mode=mode, deposit=deposit, deposit_worth=deposit_worth, balance_starts_at=balance_starts_at,
                      balance_ends_at=balance_ends_at, unpaid_balance=unpaid_balance)
    db.session.add(presale)
    db.session.flush()
    for sku_id, price, units in items:
        db.session.add(PresaleItem(presale_id=presale.id, sku_id=sku_id, price=price, stock=units,
                                   initial_stock=units))
    db.session.flush()
    publish(SHIPS_FROM, tenant_id=presale.tenant_id, available_at=max(ships_from, utcnow()) + timedelta(seconds=1),
            presale_id=presale.id)
    record_audit("presale.create", actor=actor, tenant_id=presale.tenant_id, target=presale,
                 details={"title": title, "mode": mode})
    announce_window(presale)
    return presale


def _check_deposit(deposit, worth, balance_starts_at, balance_ends_at, starts_at, ends_at, ships_from, lowest_price):
    if not (isinstance(deposit, int) and 1 <= deposit < lowest_price):
        raise PresaleProblem(_("The deposit must be above ¥0 and below the pre-sale price."), field="deposit",
                             status=422)
    if not (isinstance(worth, int) and deposit <= worth < lowest_price):
        raise PresaleProblem(_("The deposit can count for at least itself and less than the pre-sale price."),
                             field="deposit_worth", status=422)
    if not (isinstance(balance_starts_at, datetime) and isinstance(balance_ends_at, datetime)) \
            or balance_ends_at <= balance_starts_at:
        raise PresaleProblem(_("The balance window must end after it starts."), field="balance_ends_at", status=422)
    if balance_starts_at < starts_at or balance_ends_at < ends_at:
        raise PresaleProblem(_("The balance window must start after the pre-sale starts and end no earlier "
                               "than the pre-sale."), field="balance_starts_at", status=422)
    if ships_from < balance_starts_at:
        raise PresaleProblem(_("The ship-from date cannot be before the balance can be paid."), field="ships_from",
                             status=422)


def set_presale_status(presale, status, *, actor):
    db.session.execute(update(Presale).where(Presale.id == presale.id).values(status=status)
                       .execution_options(synchronize_session=False))
    presale.status = status
    record_audit("presale.paused" if status == Presale.PAUSED else "presale.active", actor=actor,
                 tenant_id=presale.tenant_id, target=presale)
    announce_window(presale)


def save_presale_settings(*, actor, split_threshold, warehouses):
    """The store's threshold of paid orders above which a pre-sale's packing lists are spread
    over ``warehouses`` (names; empty: the warehouses of the store's products).

    :raise PresaleProblem: a threshold below 1, or a warehouse name too long
    """
    if not (isinstance(split_threshold, int) and 1 <= split_threshold <= 10_000_000):
        raise PresaleProblem(_("The threshold is a whole number of orders, at least 1."), field="split_threshold",
                             status=422)
    names = [name.strip() for name in (warehouses or "").replace("，", ",").split(",") if name.strip()]
    if any(len(name) > 32 for name in names) or len(",".join(names)) > 200:
        raise PresaleProblem(_("Each warehouse name can be at most 32 characters."), field="warehouses", status=422)
    settings = db.session.scalar(select(PresaleSettings))
    if settings is None:
        settings = PresaleSettings()
        db.session.add(settings)
    settings.split_threshold, settings.warehouses = split_threshold, ",".join(names) or None
    db.session.flush()
    record_audit("presale.settings", actor=actor, tenant_id=settings.tenant_id, target=settings,
                 details={"split_threshold": split_threshold, "warehouses": settings.warehouses})
    return settings


class PresalePrice(PriceRule):
    """A pre-sale prices its SKU when the shopper books through it; a deposit pre-sale adds
    its deposit terms, from which the quote splits the total."""

    kind = "presale"

    def prices(self, sku_ids, *, member_id, campaign, now):
        found = live_item(campaign.id, sku_ids, now)
        if found is None:
            return {}
        item, presale = found
        terms = DepositTerms(presale.deposit, presale.deposit_worth, presale.balance_starts_at,
                             presale.balance_ends_at, kept=presale.unpaid_balance == Presale.FORFEIT) \
            if presale.by_deposit else None
        return {item.sku_id: CampaignPrice(self.kind, presale.title, item.sku_id, item.price, item.id,
                                           ships_from=presale.ships_from, deposit=terms)}

    def claim(self, price, *, campaign, order, member_id, now):
        lines = db.session.execute(select(OrderLine.sku_id, OrderLine.quantity)
                                   .where(OrderLine.order_id == order.id)).all()
        if any(sku_id != price.sku_id for sku_id, _quantity in lines):
            raise PresaleProblem(_("A pre-sale order holds the pre-sale item only; buy other items in their own order."))
        db.session.add(PresaleOrder(presale_id=campaign.id, item_id=price.ref, order_id=order.id,
                                    quantity=sum(q for _sku, q in lines), ships_from=price.ships_from))
        db.session.flush()

    def reserve(self, price, *, member_id, quantity, now):
        taken = db.session.execute(
            update(PresaleItem).where(PresaleItem.id == price.ref, PresaleItem.stock >= quantity)
            .values(stock=PresaleItem.stock - quantity).execution_options(synchronize_session=False)).rowcount
        if taken != 1:
            raise PresaleSoldOut()


register_rule(PresalePrice())


@order_hook("cancelled")
def give_presale_units_back(order):
    """A cancelled pre-sale order gives its units back, once, with the cancel."""
    booked = db.session.scalar(select(PresaleOrder).where(PresaleOrder.order_id == order.id))
    if booked is None:
        return
    back = db.session.execute(update(PresaleOrder).where(PresaleOrder.id == booked.id, PresaleOrder.units_back.is_(False))
                              .values(units_back=True).execution_options(synchronize_session=False)).rowcount
    if back == 1:
        db.session.execute(update(PresaleItem).where(PresaleItem.id == booked.item_id)
                           .values(stock=PresaleItem.stock + booked.quantity)
                           .execution_options(synchronize_session=False))


@order_hook("paid")
def hold_presale_until_ship_date(order):
    """A paid pre-sale order waits for its ship-from date before it goes on a packing list
    (True: held back from the usual assignment); past that date it goes on at once."""
    booked = db.session.scalar(select(PresaleOrder).where(PresaleOrder.order_id == order.id))
    if booked is None:
        return False
    now = utcnow()
    db.session.execute(update(PresaleOrder).where(PresaleOrder.id == booked.id).values(paid_at=now)
                       .execution_options(synchronize_session=False))
    if booked.ships_from <= now:
        release_presale_order(booked.id, order)
    return True


def release_presale_orders(presale_id, now=None):
    """The pre-sale's paid orders whose ship-from date has come go on the packing lists (each
    once, in booking order). Returns how many this call released."""
    now = now or utcnow()
    waiting = db.session.execute(
        select(PresaleOrder.id, Order).join(Order, Order.id == PresaleOrder.order_id)
        .where(PresaleOrder.presale_id == presale_id, PresaleOrder.paid_at.is_not(None),
               PresaleOrder.released_at.is_(None), PresaleOrder.ships_from <= now, Order.status == Order.PAID)
        .order_by(PresaleOrder.id)).all()
    return sum(release_presale_order(booked_id, order, now=now) for booked_id, order in waiting)


def release_presale_order(booked_id, order, now=None):
    """Put one paid pre-sale order on the packing lists, from the warehouse its turn gives
    when the pre-sale is over the threshold. False when another run released it first."""
    booked = db.session.get(PresaleOrder, booked_id)
    warehouse = _warehouse_for(booked)
    claimed = db.session.execute(
        update(PresaleOrder).where(PresaleOrder.id == booked_id, PresaleOrder.released_at.is_(None))
        .values(released_at=now or utcnow(), warehouse=warehouse).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        return False
    assign_to_fulfillments(order, warehouse=warehouse)
    return True


def _warehouse_for(booked):
    """None (the product's own warehouse) up to the threshold of paid orders; above it the
    store's warehouses in turn, by the order's place among the pre-sale's paid orders."""
    settings = presale_settings()
    paid = PresaleOrder.presale_id == booked.presale_id, PresaleOrder.paid_at.is_not(None)
    if db.session.scalar(select(func.count()).select_from(PresaleOrder).where(*paid)) <= settings.split_threshold:
        return None
    warehouses = store_warehouses(settings)
    if len(warehouses) < 2:
        return None
    place = db.session.scalar(select(func.count()).select_from(PresaleOrder).where(*paid, PresaleOrder.id < booked.id))
    return warehouses[place % len(warehouses)]


def store_warehouses(settings=None):
    """The warehouses a big pre-sale is spread over: the settings' list, else every warehouse
    the store's products name (sorted)."""
    settings = settings or presale_settings()
    if settings.warehouses:
        return [name for name in settings.warehouses.split(",") if name]
    return sorted(name for name in db.session.scalars(
        select(Product.warehouse).where(Product.warehouse.is_not(None)).distinct()) if name and name.strip())
