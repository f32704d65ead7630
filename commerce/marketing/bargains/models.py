"""The bargain (砍价) tables."""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models import Timestamped, UtcDateTime, utcnow
from tenants.scoping import TenantScoped, tenant_foreign_key


class BargainCampaign(TenantScoped, Timestamped, db.Model):
    __tablename__ = "bargain_campaigns"
    __tenant_table_args__ = (
        tenant_foreign_key("sku_id", "skus", ondelete="CASCADE"),
        CheckConstraint("floor_price >= 0", name="floor_not_negative"),
        CheckConstraint("max_helps BETWEEN 2 AND 50", name="max_helps_in_range"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_bargain_campaigns_tenant_window", "tenant_id", "status", "starts_at", "ends_at"),
    )

    ACTIVE = "active"  # bargains start and take helps inside the window
    PAUSED = "paused"  # no new bargains, no helps; bargains under way keep their deadline

    title: Mapped[str] = mapped_column(String(40), nullable=False)
    sku_id: Mapped[int] = mapped_column(Integer, nullable=False)
    floor_price: Mapped[int] = mapped_column(Integer, nullable=False)  # fen: the lowest price friends can reach
    max_helps: Mapped[int] = mapped_column(Integer, nullable=False)  # K: the floor is reached by the K-th help
    hours: Mapped[int] = mapped_column(Integer, nullable=False)  # a bargain's time to finish
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)  # no new bargains or helps after this
    status: Mapped[str] = mapped_column(String(8), nullable=False, default=ACTIVE)

    def is_on(self, now=None):
        now = now or utcnow()
        return self.status == self.ACTIVE and self.starts_at <= now < self.ends_at


class Bargain(TenantScoped, Timestamped, db.Model):
    __tablename__ = "bargains"
    __tenant_table_args__ = (
        tenant_foreign_key("campaign_id", "bargain_campaigns", ondelete="CASCADE"),
        tenant_foreign_key("starter_member_id", "members", ondelete="CASCADE"),
        tenant_foreign_key("sku_id", "skus", ondelete="CASCADE"),
        tenant_foreign_key("order_id", "orders"),
        CheckConstraint("current_price >= floor_price", name="never_below_floor"),
        CheckConstraint("helps_count >= 0 AND helps_count <= max_helps", name="helps_within_max"),
        Index("ix_bargains_one_live_per_starter", "tenant_id", "campaign_id", "starter_member_id", unique=True,
              postgresql_where=text("status <> 'expired'"), sqlite_where=text("status <> 'expired'")),
    )

    OPEN = "open"  # friends can cut; the starter can buy at the current price
    FLOOR_REACHED = "floor_reached"  # at the floor: no more cuts, the starter can buy
    ORDERED = "ordered"  # the starter ordered it (``order_id``); an unpaid cancel reopens it
    EXPIRED = "expired"  # time ran out before anyone ordered
    BUYABLE = (OPEN, FLOOR_REACHED)

    campaign_id: Mapped[int] = mapped_column(Integer, nullable=False)
    starter_member_id: Mapped[int] = mapped_column(Integer, nullable=False)
    sku_id: Mapped[int] = mapped_column(Integer, nullable=False)
    original_price: Mapped[int] = mapped_column(Integer, nullable=False)  # fen, the SKU's price at the start
    floor_price: Mapped[int] = mapped_column(Integer, nullable=False)
    max_helps: Mapped[int] = mapped_column(Integer, nullable=False)  # K, at most one help per fen to cut
    current_price: Mapped[int] = mapped_column(Integer, nullable=False)
    helps_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=OPEN)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    order_id: Mapped[int | None] = mapped_column(Integer)  # the order holding it now

    def is_buyable(self, now=None):
        return self.status in self.BUYABLE and self.expires_at > (now or utcnow())

    def is_open_for_help(self, now=None):
        return self.status == self.OPEN and self.expires_at > (now or utcnow())

    def shown_status(self, now=None):
        """The status a shopper should see: past its deadline, an unbought bargain is over."""
        if self.status in self.BUYABLE and self.expires_at <= (now or utcnow()):
            return self.EXPIRED
        return self.status

    def cut_so_far(self):
        return self.original_price - self.current_price

    def progress_percent(self):
        total = self.original_price - self.floor_price
        return 100 if total <= 0 else self.cut_so_far() * 100 // total


class BargainHelp(TenantScoped, Timestamped, db.Model):
    __tablename__ = "bargain_helps"
    __tenant_table_args__ = (
        tenant_foreign_key("bargain_id", "bargains", ondelete="CASCADE"),
        tenant_foreign_key("helper_member_id", "members", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "bargain_id", "helper_member_id"),
        CheckConstraint("cut >= 1", name="cut_at_least_one_fen"),
    )

    bargain_id: Mapped[int] = mapped_column(Integer, nullable=False)
    helper_member_id: Mapped[int] = mapped_column(Integer, nullable=False)
    cut: Mapped[int] = mapped_column(Integer, nullable=False)  # fen
    price_after: Mapped[int] = mapped_column(Integer, nullable=False)


class BargainHelpDay(TenantScoped, db.Model):
    """How many helps a member gave in this store on one day (the daily cap's counter)."""

    __tablename__ = "bargain_help_days"
    __tenant_table_args__ = (
        tenant_foreign_key("member_id", "members", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "member_id", "day"),
        CheckConstraint("helps >= 0", name="helps_not_negative"),
    )

    member_id: Mapped[int] = mapped_column(Integer, nullable=False)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    helps: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class BargainOrder(TenantScoped, db.Model):
    """Every order placed through a bargain, cancelled ones included (for the results)."""

    __tablename__ = "bargain_orders"
    __tenant_table_args__ = (
        tenant_foreign_key("bargain_id", "bargains", ondelete="CASCADE"),
        tenant_foreign_key("order_id", "orders", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "order_id"),
    )

    bargain_id: Mapped[int] = mapped_column(Integer, nullable=False)
    order_id: Mapped[int] = mapped_column(Integer, nullable=False)
