"""What the console shows of a store's behaviour and sales: read only from the roll-ups
(``models``), never from raw events, in the current store's context.

Days are China days (``core.clock``); ``start`` and ``end`` are ``date``s, both included.
Money is integer fen. Ratios (conversion, drop-off, repurchase rate) are ``Decimal`` fractions
rounded to 4 places (``Decimal("0.0325")`` is 3.25 %), ``Decimal(0)`` when there is nothing
to divide by. Visitors over a range of days are visitor-days: a shopper who came on two days
counts twice (the roll-ups keep distinct visitors per day, as 有赞/微盟 show 访客数 per day);
buyers over a range are distinct members (read from ``BuyerDay``).
"""
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from commerce.analytics.channels import CHANNELS
from commerce.analytics.models import ALL, BuyerDay, DailyFigure, ProductDay, RollupRun, SearchDay
from commerce.catalog.models import Product
from core.extensions import db

REPURCHASE_TARGET = Decimal("0.40")  # the seed's 复购率 ≥ 40 %
_PLACES = Decimal("0.0001")


def ratio(part, whole):
    """``part / whole`` as a Decimal fraction of 4 places; 0 when ``whole`` is 0."""
    if not whole:
        return Decimal(0)
    return (Decimal(part) / Decimal(whole)).quantize(_PLACES, rounding=ROUND_HALF_UP)


def _quotient(total, count):
    """Integer fen ``total / count`` rounded half up; 0 when ``count`` is 0."""
    if not count:
        return 0
    return (2 * total + count) // (2 * count)


def _days(start, end):
    if start > end:
        raise ValueError("start is after end")
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


@dataclass(frozen=True)
class DayFigures:
    day: date
    gmv: int  # fen paid that day (refunds are not taken off; see ``refunded``)
    paid_orders: int
    average_order_value: int  # fen: gmv / paid_orders, rounded half up
    visitors: int  # distinct visitors that day
    buyers: int  # distinct members who paid that day
    conversion: Decimal  # buyers / visitors
    refunded: int = 0  # fen refunded that day


def _figures(day, row):
    if row is None:
        return DayFigures(day, 0, 0, 0, 0, 0, Decimal(0))
    return DayFigures(day, row.gmv, row.paid_orders, _quotient(row.gmv, row.paid_orders), row.visitors,
                      row.buyers, ratio(row.buyers, row.visitors), row.refunded)


def day_figures(day):
    """``DayFigures`` of the store's China day ``day`` (zeros when nothing happened)."""
    row = db.session.scalars(select(DailyFigure).where(DailyFigure.day == day, DailyFigure.channel == ALL)).first()
    return _figures(day, row)


def daily_series(start, end):
    """``[DayFigures]`` for every day from ``start`` to ``end``, zeros where none."""
    rows = {row.day: row for row in db.session.scalars(
        select(DailyFigure).where(DailyFigure.day.between(start, end), DailyFigure.channel == ALL))}
    return [_figures(day, rows.get(day)) for day in _days(start, end)]


@dataclass(frozen=True)
class FunnelStep:
    step: str  # visit, product_view, cart, checkout, paid
    label: str
    visitors: int  # visitor-days at this step (paid: paying buyer-days)
    rate: Decimal  # visitors / the first step's visitors
    drop_off: Decimal  # 1 - visitors / the step before's (0 for the first step, never below 0)


FUNNEL = (
    ("visit", _l("Visited"), DailyFigure.visitors),
    ("product_view", _l("Viewed a product"), DailyFigure.product_viewers),
    ("cart", _l("Added to cart"), DailyFigure.cart_visitors),
    ("checkout", _l("Started checkout"), DailyFigure.checkout_visitors),
    ("paid", _l("Paid an order"), DailyFigure.buyers),
)


def funnel(start, end, channel=None):
    """The conversion funnel over ``start``…``end`` for ``channel`` (a ``CHANNELS`` code;
    None: every channel): ``[FunnelStep]`` in order, each with the drop-off from the step before."""
    if channel is not None and channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    totals = db.session.execute(
        select(*(func.coalesce(func.sum(column), 0) for _, _, column in FUNNEL))
        .where(DailyFigure.day.between(start, end), DailyFigure.channel == (channel or ALL))).one()
    steps, first, before = [], totals[0], None
    for (code, label, _), visitors in zip(FUNNEL, totals, strict=True):
        drop_off = max(Decimal(0), Decimal(1) - ratio(visitors, before)) if before else Decimal(0)
        steps.append(FunnelStep(code, str(label), visitors, ratio(visitors, first), drop_off))
        before = visitors
    return steps


@dataclass(frozen=True)
class ProductFigures:
    product_id: int
    title: str  # the product's title now ("" when it was deleted)
    views: int
    cart_adds: int
    units_sold: int
    sales: int  # fen


TOP_BY = {"views": "views", "cart_adds": "cart_adds", "sales": "sales"}


def top_products(start, end, by="views", limit=20):
    """The ``limit`` products with the most ``by`` (views, cart_adds or sales) over the range."""
    if by not in TOP_BY:
        raise ValueError(f"unknown order {by!r}")
    sums = {name: func.sum(getattr(ProductDay, name)).label(name)
            for name in ("views", "cart_adds", "units_sold", "sales")}
    ranked = (select(ProductDay.product_id, *sums.values())
              .where(ProductDay.day.between(start, end)).group_by(ProductDay.product_id)
              .order_by(sums[TOP_BY[by]].desc(), ProductDay.product_id).limit(limit)).subquery()
    rows = db.session.execute(
        select(ranked, Product.title).outerjoin(Product, Product.id == ranked.c.product_id)
        .order_by(getattr(ranked.c, TOP_BY[by]).desc(), ranked.c.product_id)).all()
    return [ProductFigures(row.product_id, row.title or "", row.views, row.cart_adds, row.units_sold, row.sales)
            for row in rows]


@dataclass(frozen=True)
class BuyerMix:
    buyers: int  # distinct members who paid in the range
    new_buyers: int  # … whose first paid order ever was in the range
    returning_buyers: int  # … who had paid before the range
    repeat_buyers: int  # … with ≥ 2 paid orders in the range
    repurchase_rate: Decimal  # repeat_buyers / buyers
    target: Decimal = REPURCHASE_TARGET


def buyer_mix(start, end):
    """New vs returning buyers and the repurchase rate (复购率) over the range."""
    per_member = (select(BuyerDay.member_id, func.sum(BuyerDay.paid_orders).label("orders"),
                         func.max(case((BuyerDay.first_purchase, 1), else_=0)).label("new"))
                  .where(BuyerDay.day.between(start, end)).group_by(BuyerDay.member_id)).subquery()
    buyers, new, repeat = db.session.execute(select(
        func.count(), func.coalesce(func.sum(per_member.c.new), 0),
        func.coalesce(func.sum(case((per_member.c.orders >= 2, 1), else_=0)), 0))).one()
    return BuyerMix(buyers, new, buyers - new, repeat, ratio(repeat, buyers))


@dataclass(frozen=True)
class EmptySearch:
    words: str
    searches: int  # searches for these words that found nothing


def empty_searches(start, end, limit=50):
    """The words most searched without any result over the range, most first."""
    total = func.sum(SearchDay.empty_searches).label("searches")
    rows = db.session.execute(
        select(SearchDay.words, total).where(SearchDay.day.between(start, end), SearchDay.empty_searches > 0)
        .group_by(SearchDay.words).order_by(total.desc(), SearchDay.words).limit(limit)).all()
    return [EmptySearch(row.words, row.searches) for row in rows]


@dataclass(frozen=True)
class ChannelFigures:
    channel: str  # a CHANNELS code
    label: str
    visitors: int  # visitor-days
    buyers: int  # buyer-days
    paid_orders: int
    gmv: int  # fen
    conversion: Decimal  # buyers / visitors


def channel_table(start, end):
    """``[ChannelFigures]`` for every channel of ``CHANNELS``, in its order (zeros where none)."""
    rows = {row.channel: row for row in db.session.execute(
        select(DailyFigure.channel, func.sum(DailyFigure.visitors).label("visitors"),
               func.sum(DailyFigure.buyers).label("buyers"), func.sum(DailyFigure.paid_orders).label("paid_orders"),
               func.sum(DailyFigure.gmv).label("gmv"))
        .where(DailyFigure.day.between(start, end), DailyFigure.channel != ALL).group_by(DailyFigure.channel))}
    table = []
    for code, label in CHANNELS.items():
        row = rows.get(code)
        visitors, buyers = (row.visitors, row.buyers) if row else (0, 0)
        table.append(ChannelFigures(code, str(label), visitors, buyers, row.paid_orders if row else 0,
                                    row.gmv if row else 0, ratio(buyers, visitors)))
    return table


def last_rolled_up_at(day):
    """When the store's China day ``day`` was last rolled up (UTC), or None: the console's
    「数据更新于」."""
    return db.session.scalar(select(RollupRun.rolled_up_at).where(RollupRun.day == day))
