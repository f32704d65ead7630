"""Roll-ups: a store's China day recomputed from its raw events and written over the day's
rows in the caller's transaction, so running it twice (or again after late events) leaves
the same rows as once. Two roll-ups of the same store and day at once wait for each other
(a transaction-scoped advisory lock on PostgreSQL; SQLite writes one at a time anyway).

``roll_up_due`` is a sweep step: every ``ROLLUP_EVERY`` it rolls up today and — until it has
been rolled up once ``LATE_EVENTS`` after its end — yesterday. ``flask analytics-rollup
--day`` rolls up any day in every store.

GMV is what was paid (``order_paid`` events' amounts); refunds are counted apart on the day
they were settled. A paid order counts in the channel its ``order_placed`` event was in,
looked up here rather than trusted from the row: the subscriber that records a payment may
run before the web process's buffer has written the order's ``order_placed`` (a shopper who
pays within a second of ordering), and then it could only guess ``direct``. Units and sales per product come from the lines of the orders
paid that day (line price × quantity, before order-level discounts).
"""
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import String, case, cast, delete, distinct, func, literal, select, text
from sqlalchemy.orm import aliased

from commerce.analytics import events as kinds
from commerce.analytics.models import (
    ALL,
    AnalyticsEvent,
    BuyerDay,
    DailyFigure,
    HourlyFigure,
    ProductDay,
    RollupRun,
    SearchDay,
)
from commerce.analytics.partitions import ensure_partitions
from commerce.orders.models import Order, OrderLine
from core.clock import china_date, china_day_bounds
from core.extensions import db
from core.models import utcnow
from core.sweep_steps import sweep_step
from core.tenancy import current_tenant_id, tenant_context, unscoped
from tenants.models import Tenant

log = logging.getLogger(__name__)

ROLLUP_EVERY = timedelta(minutes=10)
LATE_EVENTS = timedelta(minutes=15)  # buffers, the outbox and clocks settle within this after midnight


ORDER_KINDS = (kinds.ORDER_PAID, kinds.ORDER_REFUNDED, kinds.COUPON_USED)  # counted in the order's channel


def _channel():
    """The channel an event counts in: for a payment, refund or coupon used, the channel of
    its order's ``order_placed`` event (any day), else the one recorded."""
    placed = aliased(AnalyticsEvent)
    placed_in = (select(placed.channel).where(placed.tenant_id == AnalyticsEvent.tenant_id,
                                              placed.order_id == AnalyticsEvent.order_id,
                                              placed.kind == kinds.ORDER_PLACED)
                 .limit(1).scalar_subquery())
    return case((AnalyticsEvent.kind.in_(ORDER_KINDS) & AnalyticsEvent.order_id.is_not(None),
                 func.coalesce(placed_in, AnalyticsEvent.channel)), else_=AnalyticsEvent.channel).label("counted_in")
    # not labelled "channel": PostgreSQL reads GROUP BY channel as the table's own column


def _visitors_of(kind):
    return func.count(distinct(case((AnalyticsEvent.kind == kind, AnalyticsEvent.visitor_id))))


def _sum_of(kind, value=1):
    return func.coalesce(func.sum(case((AnalyticsEvent.kind == kind, value), else_=0)), 0)


DAILY_COLUMNS = {
    "visitors": func.count(distinct(AnalyticsEvent.visitor_id)),
    "product_viewers": _visitors_of(kinds.PRODUCT_VIEW),
    "cart_visitors": _visitors_of(kinds.ADD_TO_CART),
    "checkout_visitors": _visitors_of(kinds.CHECKOUT_STARTED),
    "buyers": func.count(distinct(case((AnalyticsEvent.kind == kinds.ORDER_PAID, AnalyticsEvent.member_id)))),
    "paid_orders": _sum_of(kinds.ORDER_PAID),
    "gmv": _sum_of(kinds.ORDER_PAID, AnalyticsEvent.amount),
    "refunds": _sum_of(kinds.ORDER_REFUNDED),
    "refunded": _sum_of(kinds.ORDER_REFUNDED, AnalyticsEvent.amount),
}


def roll_up_day(day, *, now=None):
    """Recompute the current store's roll-ups of China day ``day`` from its raw events and
    replace the old rows; returns ``{table: rows written}``. The caller commits."""
    now = now or utcnow()
    start, end = china_day_bounds(day)
    ensure_partitions(now)
    _lock(day)
    in_day = (AnalyticsEvent.occurred_at >= start, AnalyticsEvent.occurred_at < end)
    for model, where in ((DailyFigure, DailyFigure.day == day), (ProductDay, ProductDay.day == day),
                         (SearchDay, SearchDay.day == day), (BuyerDay, BuyerDay.day == day),
                         (HourlyFigure, (HourlyFigure.hour >= start) & (HourlyFigure.hour < end))):
        db.session.execute(delete(model).where(where).execution_options(synchronize_session=False))
    written = {
        "daily": _roll_up_daily(day, in_day),
        "hourly": _roll_up_hourly(in_day),
        "products": _roll_up_products(day, in_day),
        "searches": _roll_up_searches(day, in_day),
        "buyers": _roll_up_buyers(day, start, in_day),
    }
    run = db.session.scalars(select(RollupRun).where(RollupRun.day == day)).first()
    if run is None:
        db.session.add(RollupRun(day=day, rolled_up_at=now))
    else:
        run.rolled_up_at = now
    db.session.flush()
    return written


def _lock(day):
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:store, :day)"),
                           {"store": current_tenant_id(), "day": day.toordinal()})


def _insert(model, rows):
    if rows:
        db.session.execute(model.__table__.insert(), [{"tenant_id": current_tenant_id(), **row} for row in rows])
    return len(rows)


def _roll_up_daily(day, in_day):
    columns = [value.label(name) for name, value in DAILY_COLUMNS.items()]
    channel = _channel()
    per_channel = db.session.execute(select(channel, *columns).where(*in_day).group_by(channel)).all()
    rows = [{"day": day, "channel": row.counted_in, **{name: getattr(row, name) for name in DAILY_COLUMNS}}
            for row in per_channel]
    if rows:
        everything = db.session.execute(select(literal(ALL, String).label("channel"), *columns).where(*in_day)).one()
        rows.append({"day": day, **everything._asdict()})
    return _insert(DailyFigure, rows)


def _hour_of(column):
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date_trunc("hour", column)
    return func.strftime("%Y-%m-%d %H:00:00", column)


def _roll_up_hourly(in_day):
    hour = _hour_of(AnalyticsEvent.occurred_at).label("hour")
    channel = _channel()
    found = db.session.execute(
        select(hour, channel, AnalyticsEvent.kind, func.count().label("events"),
               func.count(distinct(func.coalesce(AnalyticsEvent.visitor_id,
                                                 literal("m") + cast(AnalyticsEvent.member_id, String)))).label("visitors"))
        .where(*in_day).group_by(hour, channel, AnalyticsEvent.kind)).all()
    rows = [{"hour": _moment(row.hour), "channel": row.counted_in, "kind": row.kind, "events": row.events,
             "visitors": row.visitors} for row in found]
    return _insert(HourlyFigure, rows)


def _moment(value):
    if isinstance(value, str):  # SQLite's strftime
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _roll_up_products(day, in_day):
    figures = {}
    seen = db.session.execute(
        select(AnalyticsEvent.product_id, _sum_of(kinds.PRODUCT_VIEW).label("views"),
               _sum_of(kinds.ADD_TO_CART).label("cart_adds"))
        .where(*in_day, AnalyticsEvent.product_id.is_not(None),
               AnalyticsEvent.kind.in_((kinds.PRODUCT_VIEW, kinds.ADD_TO_CART)))
        .group_by(AnalyticsEvent.product_id)).all()
    for row in seen:
        figures[row.product_id] = {"views": row.views, "cart_adds": row.cart_adds, "units_sold": 0, "sales": 0}
    paid_orders = select(AnalyticsEvent.order_id).where(*in_day, AnalyticsEvent.kind == kinds.ORDER_PAID)
    sold = db.session.execute(
        select(OrderLine.product_id, func.sum(OrderLine.quantity).label("units"),
               func.sum(OrderLine.price * OrderLine.quantity).label("sales"))
        .where(OrderLine.order_id.in_(paid_orders)).group_by(OrderLine.product_id)).all()
    for row in sold:
        figure = figures.setdefault(row.product_id, {"views": 0, "cart_adds": 0})
        figure.update(units_sold=row.units, sales=row.sales)
    return _insert(ProductDay, [{"day": day, "product_id": product_id, **figure}
                                for product_id, figure in figures.items()])


def _roll_up_searches(day, in_day):
    found = db.session.execute(
        select(AnalyticsEvent.words, func.count().label("searches"),
               _sum_of(kinds.SEARCH, case((AnalyticsEvent.result_count == 0, 1), else_=0)).label("empty_searches"))
        .where(*in_day, AnalyticsEvent.kind == kinds.SEARCH, AnalyticsEvent.words.is_not(None))
        .group_by(AnalyticsEvent.words)).all()
    return _insert(SearchDay, [{"day": day, **row._asdict()} for row in found])


def _roll_up_buyers(day, start, in_day):
    found = db.session.execute(
        select(AnalyticsEvent.member_id, func.count().label("paid_orders"),
               func.coalesce(func.sum(AnalyticsEvent.amount), 0).label("gmv"))
        .where(*in_day, AnalyticsEvent.kind == kinds.ORDER_PAID, AnalyticsEvent.member_id.is_not(None))
        .group_by(AnalyticsEvent.member_id)).all()
    if not found:
        return 0
    paid_before = set(db.session.scalars(
        select(distinct(Order.member_id)).where(Order.member_id.in_([row.member_id for row in found]),
                                                Order.paid_at.is_not(None), Order.paid_at < start)))
    return _insert(BuyerDay, [{"day": day, **row._asdict(), "first_purchase": row.member_id not in paid_before}
                              for row in found])


@sweep_step(order=90, outcome="analytics_days")
def roll_up_due(now=None):
    """Roll up the current store's today and, until it is settled, yesterday (China days),
    each at most every ``ROLLUP_EVERY``. Returns how many days were rolled up."""
    now = now or utcnow()
    today = china_date(now)
    runs = {run.day: run.rolled_up_at for run in db.session.scalars(
        select(RollupRun).where(RollupRun.day.in_((today - timedelta(days=1), today))))}
    done = 0
    for day in (today - timedelta(days=1), today):
        last = runs.get(day)
        settled = last is not None and last >= china_day_bounds(day)[1] + LATE_EVENTS
        if last is not None and (settled or last > now - ROLLUP_EVERY):
            continue
        roll_up_day(day, now=now)
        done += 1
    return done


def roll_up_every_store(day, *, now=None):
    """``roll_up_day(day)`` in every store, each committed on its own (``flask analytics-rollup``);
    a store that fails is logged and the others go on. Returns the number of stores rolled up."""
    with unscoped():
        tenant_ids = db.session.scalars(select(Tenant.id).order_by(Tenant.id)).all()
    done = 0
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id):
            try:
                roll_up_day(day, now=now)
                db.session.commit()
                done += 1
            except Exception:
                db.session.rollback()
                log.exception("analytics roll-up of %s failed for store %s", day, tenant_id)
    return done
