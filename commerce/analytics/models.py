"""Behaviour events (raw, append-only) and the roll-ups the console reads.

``analytics_events`` is written only by ``commerce.analytics.collect`` (batched multi-row
INSERTs), changed only by the eraser (member → anonymous) and purged by retention. On
PostgreSQL it is partitioned by month on ``occurred_at`` (see ``partitions.py``), so its
primary key is ``(tenant_id, occurred_at, id)`` in the database and nothing may point at it;
the model names ``id`` alone, which is unique by its sequence. On SQLite it is a plain table.

The roll-ups are recomputed from raw events for one store and one China day at a time and
replaced whole (``rollup.py``), so they hold no state of their own. ``channel`` is a code of
``channels.CHANNELS`` or ``ALL`` for the store's whole day: visitors are counted distinct per
day and channel, so the ``ALL`` row is not the sum of the channel rows.
"""
from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, Index, Integer, PrimaryKeyConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models import UtcDateTime, utcnow
from tenants.scoping import TenantScoped

ALL = "all"  # the channel of a roll-up row that counts every channel together


class AnalyticsEvent(TenantScoped, db.Model):
    __tablename__ = "analytics_events"
    # Not TenantScoped's key: a partitioned table's unique keys must hold the partition key.
    # Nothing refers to an event, so no UNIQUE (tenant_id, id) is needed.
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "occurred_at", "id"),
        Index("ix_analytics_events_tenant_occurred", "tenant_id", "occurred_at"),
        Index("ix_analytics_events_tenant_member", "tenant_id", "member_id"),
        Index("ix_analytics_events_tenant_order", "tenant_id", "order_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True,
                                    autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # events.KINDS
    # The first-party cookie ``ds_vid`` (H5) or the mini-program's own random id; None for
    # events the server records (payments, refunds) and for erased members' events.
    visitor_id: Mapped[str | None] = mapped_column(String(40))
    member_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)  # channels.CHANNELS
    page: Mapped[str | None] = mapped_column(String(12))  # page_view: events.PAGES
    product_id: Mapped[int | None] = mapped_column(Integer)
    order_id: Mapped[int | None] = mapped_column(Integer)
    coupon_id: Mapped[int | None] = mapped_column(Integer)
    amount: Mapped[int | None] = mapped_column(Integer)  # fen: placed total, paid, refunded
    words: Mapped[str | None] = mapped_column(String(60))  # search
    result_count: Mapped[int | None] = mapped_column(Integer)  # search


AnalyticsEvent.__table__.info["partitioned_by"] = "occurred_at"


class HourlyFigure(TenantScoped, db.Model):
    """Events of one kind in one UTC hour and channel, and the distinct visitors behind them."""

    __tablename__ = "analytics_hourly"
    __tenant_table_args__ = (UniqueConstraint("tenant_id", "hour", "channel", "kind"),)

    hour: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)  # the hour's start, UTC
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    events: Mapped[int] = mapped_column(Integer, nullable=False)
    visitors: Mapped[int] = mapped_column(Integer, nullable=False)


class DailyFigure(TenantScoped, db.Model):
    """A store's China day in one channel (or ``ALL``): the funnel and the money."""

    __tablename__ = "analytics_daily"
    __tenant_table_args__ = (UniqueConstraint("tenant_id", "day", "channel"),)

    day: Mapped[date] = mapped_column(Date, nullable=False)  # China day
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    visitors: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # distinct, any event
    product_viewers: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    cart_visitors: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    checkout_visitors: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    buyers: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # distinct paying members
    paid_orders: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    gmv: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # fen paid (refunds not taken off)
    refunds: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # refunds settled that day
    refunded: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # fen refunded that day


class ProductDay(TenantScoped, db.Model):
    """One product's China day: its page views, cart adds and what was paid for it."""

    __tablename__ = "analytics_product_daily"
    __tenant_table_args__ = (
        UniqueConstraint("tenant_id", "day", "product_id"),
        Index("ix_analytics_product_daily_tenant_product", "tenant_id", "product_id", "day"),
    )

    day: Mapped[date] = mapped_column(Date, nullable=False)
    product_id: Mapped[int] = mapped_column(Integer, nullable=False)
    views: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    cart_adds: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    units_sold: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # in orders paid that day
    sales: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # fen: line price × units


class SearchDay(TenantScoped, db.Model):
    """The words shoppers searched on a China day, and how often they found nothing."""

    __tablename__ = "analytics_search_daily"
    __tenant_table_args__ = (UniqueConstraint("tenant_id", "day", "words"),)

    day: Mapped[date] = mapped_column(Date, nullable=False)
    words: Mapped[str] = mapped_column(String(60), nullable=False)
    searches: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    empty_searches: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # with no results


class BuyerDay(TenantScoped, db.Model):
    """A member who paid on a China day: new vs returning buyers and repurchase come from here."""

    __tablename__ = "analytics_buyer_daily"
    __tenant_table_args__ = (
        UniqueConstraint("tenant_id", "day", "member_id"),
        Index("ix_analytics_buyer_daily_tenant_member", "tenant_id", "member_id", "day"),
    )

    day: Mapped[date] = mapped_column(Date, nullable=False)
    member_id: Mapped[int] = mapped_column(Integer, nullable=False)
    paid_orders: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    gmv: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    first_purchase: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # their first paid order ever


class RollupRun(TenantScoped, db.Model):
    """When a store's China day was last rolled up (the sweep waits ``ROLLUP_EVERY`` between two)."""

    __tablename__ = "analytics_rollups"
    __tenant_table_args__ = (UniqueConstraint("tenant_id", "day"),)

    day: Mapped[date] = mapped_column(Date, nullable=False)
    rolled_up_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
