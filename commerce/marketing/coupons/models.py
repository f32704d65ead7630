"""Coupons: a store's templates (``Coupon``) and the copies members hold (``MemberCoupon``).
Money is integer fen.

A template's ``claimed_count`` only grows through a conditional UPDATE
(``… WHERE claimed_count < total_quantity``), and a member's copies are numbered
``claim_number`` 1…``per_member_limit`` under a unique key, so neither limit can be
exceeded by concurrent claims. A copy's ``status`` only changes through conditional UPDATEs
in ``commerce.marketing.coupons``.
"""
from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import Timestamped, UtcDateTime
from tenants.scoping import TenantScoped, tenant_foreign_key


class Coupon(TenantScoped, Timestamped, db.Model):
    __tablename__ = "coupons"
    __tenant_table_args__ = (
        CheckConstraint("claimed_count >= 0", name="claimed_not_negative"),
        CheckConstraint("total_quantity IS NULL OR claimed_count <= total_quantity", name="claimed_within_total"),
        Index("ix_coupons_tenant_status", "tenant_id", "status"),
    )

    AMOUNT_OFF = "amount_off"  # 满减: amount_off fen off once the eligible items reach threshold
    PERCENT_OFF = "percent_off"  # 折扣: percent_off % off the eligible items, at most max_discount
    NO_THRESHOLD = "no_threshold"  # 无门槛: amount_off fen off any order (never more than its items)
    KINDS = (AMOUNT_OFF, PERCENT_OFF, NO_THRESHOLD)

    ALL, CATEGORIES, PRODUCTS = "all", "categories", "products"  # what the discount applies to
    SCOPES = (ALL, CATEGORIES, PRODUCTS)

    ACTIVE = "active"  # members can claim it and the console can issue it
    PAUSED = "paused"  # no new claims or issues; copies already held stay usable
    STATUSES = (ACTIVE, PAUSED)

    name: Mapped[str] = mapped_column(String(40), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    amount_off: Mapped[int | None] = mapped_column(Integer)  # fen
    threshold: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # fen of eligible items
    percent_off: Mapped[int | None] = mapped_column(Integer)  # 1…99: 20 is 20 % off (八折)
    max_discount: Mapped[int | None] = mapped_column(Integer)  # fen, the cap of a percent-off coupon
    scope: Mapped[str] = mapped_column(String(12), nullable=False, default=ALL)
    target_ids: Mapped[list] = mapped_column(JSON, nullable=False, default=list)  # category or product ids
    valid_from: Mapped[datetime | None] = mapped_column(UtcDateTime)  # fixed window …
    valid_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    valid_days: Mapped[int | None] = mapped_column(Integer)  # … or this many days from claiming
    total_quantity: Mapped[int | None] = mapped_column(Integer)  # None: unlimited
    claimed_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    per_member_limit: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    stackable: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    status: Mapped[str] = mapped_column(String(8), nullable=False, default=ACTIVE)

    def is_active(self):
        return self.status == self.ACTIVE

    def has_fixed_window(self):
        return self.valid_days is None

    def remaining(self):
        return None if self.total_quantity is None else self.total_quantity - self.claimed_count

    def value(self):
        """Fen off at most, as the coupon strip shows it (a percent coupon's cap, if any)."""
        return self.amount_off if self.kind != self.PERCENT_OFF else (self.max_discount or 0)

    def min_spend(self):
        return 0 if self.kind == self.NO_THRESHOLD else self.threshold


class MemberCoupon(TenantScoped, Timestamped, db.Model):
    """One copy of a coupon held by a member, claimed by them or issued by the store."""

    __tablename__ = "member_coupons"
    __tenant_table_args__ = (
        tenant_foreign_key("coupon_id", "coupons", ondelete="CASCADE"),
        tenant_foreign_key("member_id", "members", ondelete="CASCADE"),
        tenant_foreign_key("order_id", "orders"),
        UniqueConstraint("tenant_id", "coupon_id", "member_id", "claim_number"),
        CheckConstraint("claim_number >= 1", name="claim_number_positive"),
        Index("ix_member_coupons_tenant_member_status", "tenant_id", "member_id", "status"),
        Index("ix_member_coupons_tenant_order", "tenant_id", "order_id"),
    )

    AVAILABLE = "available"  # can be used between valid_from and valid_until
    USED = "used"  # spent on order_id
    EXPIRED = "expired"  # ran out unused (or its order was cancelled after it ran out)
    RETURNED = "returned"  # its order was cancelled while it was still valid: usable again
    STATUSES = (AVAILABLE, USED, EXPIRED, RETURNED)
    USABLE = (AVAILABLE, RETURNED)

    CLAIMED, ISSUED = "claimed", "issued"

    coupon_id: Mapped[int] = mapped_column(Integer, nullable=False)
    member_id: Mapped[int] = mapped_column(Integer, nullable=False)
    claim_number: Mapped[int] = mapped_column(Integer, nullable=False)  # 1…per_member_limit
    source: Mapped[str] = mapped_column(String(8), nullable=False, default=CLAIMED)
    valid_from: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    valid_until: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=AVAILABLE)
    order_id: Mapped[int | None] = mapped_column(Integer)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    coupon = relationship(Coupon, viewonly=True)

    def is_usable_at(self, moment):
        return self.status in self.USABLE and self.valid_from <= moment < self.valid_until
