"""The distribution (分销) tables."""
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models import Timestamped, UtcDateTime, utcnow
from tenants.scoping import TenantScoped, tenant_foreign_key

MAX_LEVELS = 2  # WeChat's rules: never more than two levels of distribution
MAX_PERCENT = 50
MAX_SETTLE_DAYS = 90


class DistributionSettings(TenantScoped, Timestamped, db.Model):
    """A store's distribution rules; a store without a row uses the defaults (off)."""

    __tablename__ = "distribution_settings"
    __tenant_table_args__ = (
        UniqueConstraint("tenant_id"),
        CheckConstraint(f"level1_percent >= 1 AND level1_percent <= {MAX_PERCENT}", name="level1_percent_range"),
        CheckConstraint(f"level2_percent >= 0 AND level2_percent <= {MAX_PERCENT}", name="level2_percent_range"),
        CheckConstraint(f"settle_days >= 0 AND settle_days <= {MAX_SETTLE_DAYS}", name="settle_days_range"),
    )

    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    level1_percent: Mapped[int] = mapped_column(Integer, nullable=False, default=10)  # of the goods paid
    level2_percent: Mapped[int] = mapped_column(Integer, nullable=False, default=5)  # 0: only one level earns
    settle_days: Mapped[int] = mapped_column(Integer, nullable=False, default=7)  # after completion


class Distributor(TenantScoped, Timestamped, db.Model):
    """A member's application to distribute, and the store's decision."""

    __tablename__ = "distributors"
    __tenant_table_args__ = (
        tenant_foreign_key("member_id", "members", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "member_id"),
        Index("ix_distributors_tenant_status", "tenant_id", "status"),
    )

    PENDING = "pending"  # applied, waiting for the store
    APPROVED = "approved"  # earns commissions on the orders of their team
    REJECTED = "rejected"  # refused; may apply again
    STATUSES = (PENDING, APPROVED, REJECTED)

    member_id: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=PENDING)
    applied_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by: Mapped[int | None] = mapped_column(Integer)  # the staff user


class Referral(TenantScoped, db.Model):
    """Who brought whom: ``member_id`` was invited by ``referrer_id``. One row per member,
    written once; distribution and invite rewards both read it."""

    __tablename__ = "referrals"
    __tenant_table_args__ = (
        tenant_foreign_key("member_id", "members", ondelete="CASCADE"),
        tenant_foreign_key("referrer_id", "members", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "member_id"),
        CheckConstraint("member_id <> referrer_id", name="not_self"),
        Index("ix_referrals_tenant_referrer", "tenant_id", "referrer_id"),
    )

    member_id: Mapped[int] = mapped_column(Integer, nullable=False)
    referrer_id: Mapped[int] = mapped_column(Integer, nullable=False)
    bound_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)


class Commission(TenantScoped, Timestamped, db.Model):
    """What one distributor earns on one paid order, at one level. Money in fen."""

    __tablename__ = "commissions"
    __tenant_table_args__ = (
        tenant_foreign_key("order_id", "orders", ondelete="CASCADE"),
        tenant_foreign_key("member_id", "members", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "order_id", "level"),
        CheckConstraint(f"level >= 1 AND level <= {MAX_LEVELS}", name="level_within_cap"),
        CheckConstraint("amount >= 0 AND cancelled_amount >= 0 AND cancelled_amount <= amount",
                        name="cancelled_within_amount"),
        CheckConstraint("owed >= 0 AND owed <= cancelled_amount", name="owed_within_cancelled"),
        Index("ix_commissions_tenant_member_status", "tenant_id", "member_id", "status"),
        Index("ix_commissions_tenant_status_settle_after", "tenant_id", "status", "settle_after"),
    )

    FROZEN = "frozen"  # earned, waiting for the after-sales window to pass
    SETTLED = "settled"  # credited to the distributor's stored value
    CANCELLED = "cancelled"  # refunded in full before it was settled
    STATUSES = (FROZEN, SETTLED, CANCELLED)

    order_id: Mapped[int] = mapped_column(Integer, nullable=False)
    member_id: Mapped[int] = mapped_column(Integer, nullable=False)  # the distributor who earns it
    level: Mapped[int] = mapped_column(Integer, nullable=False)  # 1: the buyer's referrer; 2: theirs
    base: Mapped[int] = mapped_column(Integer, nullable=False)  # goods paid: order total − shipping
    percent: Mapped[int] = mapped_column(Integer, nullable=False)
    amount: Mapped[int] = mapped_column(Integer, nullable=False)  # as first earned
    cancelled_amount: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # taken away by refunds
    owed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # reversal the balance could not cover
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=FROZEN)
    settle_after: Mapped[datetime | None] = mapped_column(UtcDateTime)  # set when the order completes
    settled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    def earned(self):
        """Fen it is worth now: what refunds left of it."""
        return self.amount - self.cancelled_amount
