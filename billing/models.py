"""Platform admins, store subscriptions, their invoices, credits and billing emails.

Money is integer fen. A subscription's ``status`` changes only through the conditional
UPDATEs of ``billing.subscriptions.TRANSITIONS``; an invoice's only through those in
``billing.invoices``. Invoices, credits, notices and emails belong to a store: they are
tenant-scoped (RLS on PostgreSQL) so the merchant console reads them like any store data,
and the platform console and jobs enter the store with ``tenant_context``.
"""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import Timestamped, UtcDateTime
from core.passwords import hash_password, password_matches
from tenants.scoping import TenantScoped, tenant_foreign_key


class PlatformAdmin(UserMixin, Timestamped, db.Model):
    """An operator of the platform itself; never a member of any store."""

    __tablename__ = "platform_admins"
    audit_actor_type = "platform_admin"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def set_password(self, password):
        self.password_hash = hash_password(password)

    def check_password(self, password):
        return password_matches(self.password_hash, password)

    def get_id(self):
        return f"admin:{self.id}"

    @property
    def is_active(self):
        return self.active


class Subscription(TenantScoped, Timestamped, db.Model):
    """A store's plan and where it stands. One per store."""

    __tablename__ = "subscriptions"
    __tenant_table_args__ = (UniqueConstraint("tenant_id"),)

    TRIALING = "trialing"  # free trial until trial_ends_at (= current_period_end)
    ACTIVE = "active"  # paid and current
    PAST_DUE = "past_due"  # period over, renewal unpaid, in the grace period until grace_ends_at
    SUSPENDED = "suspended"  # grace period over (or the platform closed it); store closed, data kept
    CANCELLED = "cancelled"  # ended by the merchant or the platform; a new paid invoice reactivates
    STATUSES = (TRIALING, ACTIVE, PAST_DUE, SUSPENDED, CANCELLED)

    MONTH, YEAR = "month", "year"  # billing intervals
    INTERVALS = (MONTH, YEAR)

    plan: Mapped[str] = mapped_column(String(32), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=TRIALING)
    trial_ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    current_period_end: Mapped[datetime | None] = mapped_column(UtcDateTime)
    interval: Mapped[str] = mapped_column(String(8), nullable=False, default=MONTH, server_default=MONTH)
    current_period_start: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # A downgrade or interval change waits for the period end (no refund for the rest of the period).
    pending_plan: Mapped[str | None] = mapped_column(String(32))
    pending_interval: Mapped[str | None] = mapped_column(String(8))
    past_due_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    grace_ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    suspended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    suspended_reason: Mapped[str | None] = mapped_column(String(255))
    # The status it was suspended from (trialing, active or past_due): resuming returns there.
    suspended_from: Mapped[str | None] = mapped_column(String(16))
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    invoice_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")

    def is_trialing(self):
        return self.status == self.TRIALING

    def is_closed(self):
        """The storefront is closed (suspended or cancelled); the console stays reachable."""
        return self.status in (self.SUSPENDED, self.CANCELLED)

    def next_plan(self):
        return self.pending_plan or self.plan

    def next_interval(self):
        return self.pending_interval or self.interval


class Invoice(TenantScoped, Timestamped, db.Model):
    """What a store owes for one period (renewal) or an upgrade; paid by WeChat Pay Native."""

    __tablename__ = "invoices"
    __tenant_table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        UniqueConstraint("tenant_id", "out_trade_no"),
        UniqueConstraint("tenant_id", "dedupe_key"),  # one renewal invoice per period, even if a job runs twice
        CheckConstraint("subtotal >= 0 AND credit_applied >= 0 AND total >= 0", name="amounts_not_negative"),
        CheckConstraint("total = subtotal - credit_applied", name="total_is_subtotal_less_credit"),
        Index("ix_invoices_tenant_status", "tenant_id", "status"),
    )

    DRAFT = "draft"  # being assembled; never shown as owed
    OPEN = "open"  # issued, waiting for payment until due_at (and through the grace period)
    PAID = "paid"  # WeChat Pay confirmed it (or credit covered it all)
    VOID = "void"  # withdrawn (plan changed, trial extended, subscription cancelled); nothing owed
    REFUNDED = "refunded"  # paid, then refunded through WeChat Pay by a platform admin
    STATUSES = (DRAFT, OPEN, PAID, VOID, REFUNDED)

    RENEWAL = "renewal"  # the next period of the current (or pending) plan
    UPGRADE = "upgrade"  # the prorated difference for the rest of the current period
    MANUAL = "manual"  # issued by a platform admin (e.g. to reactivate a cancelled store)
    KINDS = (RENEWAL, UPGRADE, MANUAL)

    number: Mapped[str] = mapped_column(String(32), nullable=False)  # per store: DS<store>-<n>
    out_trade_no: Mapped[str] = mapped_column(String(32), nullable=False)  # WeChat's: unique on the platform
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=OPEN)
    plan: Mapped[str] = mapped_column(String(32), nullable=False)  # the plan this invoice pays for
    interval: Mapped[str] = mapped_column(String(8), nullable=False)
    period_start: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    period_end: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    subtotal: Mapped[int] = mapped_column(Integer, nullable=False)  # fen, sum of the lines
    credit_applied: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # fen
    total: Mapped[int] = mapped_column(Integer, nullable=False)  # fen to pay
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    transaction_id: Mapped[str | None] = mapped_column(String(64))  # WeChat Pay's
    code_url: Mapped[str | None] = mapped_column(String(255))  # the Native QR of the open invoice
    dedupe_key: Mapped[str | None] = mapped_column(String(64))  # "renewal:<period start>"; cleared when void
    refunded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    note: Mapped[str | None] = mapped_column(String(255))  # why it was voided or refunded

    lines: Mapped[list["InvoiceLine"]] = relationship(order_by="InvoiceLine.id", lazy="selectin",
                                                     cascade="all, delete-orphan")

    def is_payable(self):
        return self.status == self.OPEN and self.total > 0


class InvoiceLine(TenantScoped, Timestamped, db.Model):
    __tablename__ = "invoice_lines"
    __tenant_table_args__ = (tenant_foreign_key("invoice_id", "invoices", ondelete="CASCADE"),)

    invoice_id: Mapped[int] = mapped_column(Integer, nullable=False)
    description: Mapped[str] = mapped_column(String(255), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    unit_amount: Mapped[int] = mapped_column(Integer, nullable=False)  # fen
    amount: Mapped[int] = mapped_column(Integer, nullable=False)  # fen, quantity × unit_amount (rounded)


class Credit(TenantScoped, Timestamped, db.Model):
    """Money the platform granted a store; consumed by its next invoices (oldest first).
    ``remaining`` only shrinks through a conditional UPDATE (``WHERE remaining >= x``)."""

    __tablename__ = "credits"
    __tenant_table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("remaining >= 0 AND remaining <= amount", name="remaining_within_amount"),
    )

    amount: Mapped[int] = mapped_column(Integer, nullable=False)  # fen granted
    remaining: Mapped[int] = mapped_column(Integer, nullable=False)  # fen not yet applied to an invoice
    note: Mapped[str] = mapped_column(String(255), nullable=False)
    granted_by: Mapped[str | None] = mapped_column(String(255))  # the admin's email, for the console


class BillingNotice(TenantScoped, Timestamped, db.Model):
    """One reminder sent about one invoice (``key`` like ``due-7`` or ``overdue-3``): the
    unique key makes each reminder go out once however often the billing job runs."""

    __tablename__ = "billing_notices"
    __tenant_table_args__ = (
        tenant_foreign_key("invoice_id", "invoices", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "invoice_id", "key"),
    )

    invoice_id: Mapped[int] = mapped_column(Integer, nullable=False)
    key: Mapped[str] = mapped_column(String(32), nullable=False)


class OutboxEmail(TenantScoped, Timestamped, db.Model):
    """A billing email as the development/test mail backend "sent" it (shown in the console)."""

    __tablename__ = "outbox_emails"

    to: Mapped[str] = mapped_column(String(255), nullable=False)
    subject: Mapped[str] = mapped_column(String(255), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
