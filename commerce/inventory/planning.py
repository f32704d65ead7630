"""Safety stock from sales velocity, and days of inventory (the turnover report).

For each SKU: units sold over the last ``window_days`` (paid orders, less units refunded)
÷ ``window_days`` is its daily sales; × the lead time (the product's own, else the store
default) × (1 + buffer) is its safety stock, rounded up. The buffer is the store's
``buffer_percent``, or ``hot_buffer_percent`` (never under 20%, the seed's rule) for hot
items: the top ``hot_share_percent`` of the SKUs that sold, by units. A merchant's own figure
for a SKU (``SafetyStockOverride``) replaces the computed one. A SKU of a product on sale is
low when its stock is at or below its safety stock (so one sold out counts too).

Days of inventory = stock ÷ daily sales (whole days, rounded down); a SKU with stock and no
sales in the window has none and is flagged with those over the target (the seed's 45 days).
Everything is one SQL statement over fresh stock, so lists page in the database.
"""
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import BigInteger, and_, case, cast, func, literal, or_, select

from commerce.catalog.models import SKU, Category, Product
from commerce.inventory.errors import InvalidStockPlan
from commerce.inventory.models import InventorySettings, ProductLeadTime, SafetyStockOverride
from commerce.orders.models import Order, OrderLine
from core.audit import record_audit
from core.extensions import db
from core.models import utcnow
from core.pagination import Key, Ordering, paginate

# (field, lowest, highest) of the store's settings
LIMITS = {
    "window_days": (7, 180),
    "lead_time_days": (1, 180),
    "buffer_percent": (0, 300),
    "hot_buffer_percent": (20, 300),
    "hot_share_percent": (1, 100),
    "turnover_target_days": (1, 365),
}
MAX_LEAD_TIME = 180
MAX_OVERRIDE = 1_000_000
NO_SALES_DAYS = 2_000_000_000  # sorts a SKU with stock and no sales above every other


def store_settings():
    """The store's settings (the defaults until the merchant saves some; not written)."""
    found = db.session.scalar(select(InventorySettings))
    if found is not None:
        return found
    return InventorySettings(**{name: column.default.arg for name, column in InventorySettings.__table__.c.items()
                                if name in LIMITS})


def save_settings(values, *, actor):
    """Save the store's planning settings (``values``: every field of ``LIMITS``).

    :raise InvalidStockPlan: a value missing or out of its range, naming the field
    """
    for name, (low, high) in LIMITS.items():
        value = values.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise InvalidStockPlan(_("Enter a whole number from %(low)d to %(high)d.", low=low, high=high), field=name)
    settings = db.session.scalar(select(InventorySettings).with_for_update())
    if settings is None:
        settings = InventorySettings()
        db.session.add(settings)
    for name in LIMITS:
        setattr(settings, name, values[name])
    db.session.flush()
    record_audit("inventory.settings", actor=actor, details={name: values[name] for name in LIMITS})
    return settings


def set_sku_plan(sku, *, safety_stock, lead_time_days, actor):
    """The merchant's safety stock for ``sku`` (None: computed) and its product's lead time
    (None: the store default).

    :raise InvalidStockPlan: a negative safety stock, a lead time outside 1–180 days
    """
    if safety_stock is not None and not 0 <= safety_stock <= MAX_OVERRIDE:
        raise InvalidStockPlan(_("Enter a whole number from %(low)d to %(high)d.", low=0, high=MAX_OVERRIDE),
                               field="safety_stock")
    if lead_time_days is not None and not 1 <= lead_time_days <= MAX_LEAD_TIME:
        raise InvalidStockPlan(_("Enter a whole number from %(low)d to %(high)d.", low=1, high=MAX_LEAD_TIME),
                               field="lead_time_days")
    _put(SafetyStockOverride, SafetyStockOverride.sku_id == sku.id, safety_stock,
         lambda: SafetyStockOverride(sku_id=sku.id, safety_stock=safety_stock), "safety_stock")
    _put(ProductLeadTime, ProductLeadTime.product_id == sku.product_id, lead_time_days,
         lambda: ProductLeadTime(product_id=sku.product_id, lead_time_days=lead_time_days), "lead_time_days")
    db.session.flush()
    record_audit("inventory.sku_plan", actor=actor, target=sku,
                 details={"safety_stock": safety_stock, "lead_time_days": lead_time_days})


def _put(model, where, value, make, attribute):
    row = db.session.scalar(select(model).where(where).with_for_update())
    if value is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(make())
    else:
        setattr(row, attribute, value)


def _sold_by_sku(settings, now):
    since = now - timedelta(days=settings.window_days)
    return (select(OrderLine.sku_id.label("sku_id"),
                   func.sum(OrderLine.quantity - OrderLine.refunded_quantity).label("sold"))
            .join(Order, Order.id == OrderLine.order_id)
            .where(Order.paid_at.is_not(None), Order.paid_at >= since)
            .group_by(OrderLine.sku_id).subquery("sold"))


def hot_threshold(settings, now=None):
    """Units sold in the window from which a SKU is hot (the top ``hot_share_percent`` of the
    SKUs that sold, at least one SKU), or None when nothing sold."""
    sold = _sold_by_sku(settings, now or utcnow())
    counts = db.session.scalars(select(sold.c.sold).where(sold.c.sold > 0).order_by(sold.c.sold.desc())).all()
    if not counts:
        return None
    top = max(1, -(-len(counts) * settings.hot_share_percent // 100))
    return int(counts[top - 1])


class Plan:
    """The columns of one planning statement (for a store's settings, at ``now``)."""

    def __init__(self, settings=None, now=None):
        self.settings = settings or store_settings()
        now = now or utcnow()
        window = self.settings.window_days
        sold = _sold_by_sku(self.settings, now)
        self.sold_subquery = sold
        threshold = hot_threshold(self.settings, now)
        self.sold = func.coalesce(sold.c.sold, 0)
        self.hot = (self.sold >= threshold) if threshold is not None else literal(False)
        self.lead_time = func.coalesce(ProductLeadTime.lead_time_days, self.settings.lead_time_days)
        buffer = case((self.hot, self.settings.hot_buffer_percent), else_=self.settings.buffer_percent)
        scaled = cast(self.sold, BigInteger) * self.lead_time * (100 + buffer)
        self.computed = (scaled + window * 100 - 1) // (window * 100)
        self.safety = func.coalesce(SafetyStockOverride.safety_stock, self.computed)
        self.days = case((self.sold > 0, cast(SKU.stock, BigInteger) * window // self.sold),
                         (SKU.stock > 0, NO_SALES_DAYS), else_=0)
        self.over_target = or_(and_(self.sold <= 0, SKU.stock > 0), self.days > self.settings.turnover_target_days)

    def statement(self):
        return (select(SKU, Product.title.label("title"), Product.category_id.label("category_id"),
                       self.sold.label("sold"), self.hot.label("hot"), self.lead_time.label("lead_time"),
                       ProductLeadTime.lead_time_days.label("own_lead_time"),
                       self.computed.label("computed"), SafetyStockOverride.safety_stock.label("override"),
                       self.safety.label("safety"), self.days.label("days"), self.over_target.label("over_target"))
                .join(Product, Product.id == SKU.product_id)
                .outerjoin(self.sold_subquery, self.sold_subquery.c.sku_id == SKU.id)
                .outerjoin(ProductLeadTime, ProductLeadTime.product_id == SKU.product_id)
                .outerjoin(SafetyStockOverride, SafetyStockOverride.sku_id == SKU.id))

    def low(self):
        return and_(Product.status == Product.ON_SALE, SKU.stock <= self.safety)


SKU_KEY = Key(SKU.id, descending=True, value=lambda row: row[0].id, unique=True)  # rows start with the SKU
SAFETY_LIST = Ordering("console:safety", SKU_KEY)


def safety_page(*, low_only=False, cursor=None, per_page=50):
    """A page of the store's SKUs with their daily sales, lead time, safety stock and whether
    they are hot (``low_only``: those of products on sale at or below it), newest first.

    :raise BadCursor: ``cursor`` is not from this list
    """
    plan = Plan()
    statement = plan.statement()
    if low_only:
        statement = statement.where(plan.low())
    return paginate(statement, SAFETY_LIST, per_page=per_page, cursor=cursor, with_total=True)


def low_stock_count():
    """SKUs of products on sale at or below their safety stock (the 概况's 库存预警)."""
    plan = Plan()
    return db.session.scalar(select(func.count()).select_from(plan.statement().where(plan.low()).subquery()))


def sku_plan(sku):
    """One SKU's planning row (as the lists show it)."""
    plan = Plan()
    return db.session.execute(plan.statement().where(SKU.id == sku.id)).one()


def turnover_ordering(plan):
    return Ordering("console:turnover", Key(plan.days, descending=True, value=lambda row: row.days),
                    SKU_KEY)


def turnover_page(*, over_only=False, cursor=None, per_page=50):
    """A page of SKUs with stock or sales, slowest-moving first (most days of inventory).

    :raise BadCursor: ``cursor`` is not from this list
    """
    plan = Plan()
    statement = plan.statement().where(or_(SKU.stock > 0, plan.sold > 0))
    if over_only:
        statement = statement.where(plan.over_target)
    return plan, paginate(statement, turnover_ordering(plan), per_page=per_page, cursor=cursor, with_total=True)


def turnover_rows(plan=None):
    """Every SKU row of the turnover report, slowest first (the CSV export)."""
    plan = plan or Plan()
    statement = plan.statement().where(or_(SKU.stock > 0, plan.sold > 0))
    return db.session.execute(statement.order_by(plan.days.desc(), SKU.id.desc())).all()


def category_turnover(plan=None):
    """``[{"category": name or None, "stock", "sold", "days" (None: no sales), "over"}]`` per
    product category (uncategorised last), from the SKUs' stock and sales."""
    plan = plan or Plan()
    rows = plan.statement().subquery()
    totals = db.session.execute(
        select(rows.c.category_id, func.sum(rows.c.stock), func.sum(rows.c.sold)).group_by(rows.c.category_id)).all()
    names = dict(db.session.execute(select(Category.id, Category.name)).all())
    window, target = plan.settings.window_days, plan.settings.turnover_target_days
    result = []
    for category_id, stock, sold in totals:
        stock, sold = int(stock or 0), int(sold or 0)
        if not stock and not sold:
            continue
        days = stock * window // sold if sold > 0 else None
        result.append({"category": names.get(category_id), "stock": stock, "sold": sold, "days": days,
                       "over": (days is None and stock > 0) or (days is not None and days > target)})
    return sorted(result, key=lambda row: (row["category"] is None, -(row["days"] if row["days"] is not None
                                                                       else NO_SALES_DAYS)))


