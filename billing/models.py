"""Platform admins and store subscriptions."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from core.extensions import db
from core.models import Timestamped
from tenants.scoping import TenantScoped


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
        self.password_hash = generate_password_hash(password)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    def get_id(self):
        return f"admin:{self.id}"

    @property
    def is_active(self):
        return self.active


class Subscription(TenantScoped, Timestamped, db.Model):
    """A store's plan. One per store; the billing issue adds invoices and transitions."""

    __tablename__ = "subscriptions"
    __tenant_table_args__ = (UniqueConstraint("tenant_id"),)

    TRIALING = "trialing"  # free trial until trial_ends_at
    ACTIVE = "active"  # paid and current
    PAST_DUE = "past_due"  # renewal unpaid, in the grace period
    SUSPENDED = "suspended"  # grace period over; store closed, data kept
    CANCELLED = "cancelled"  # ended by the merchant or the platform
    STATUSES = (TRIALING, ACTIVE, PAST_DUE, SUSPENDED, CANCELLED)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan: Mapped[str] = mapped_column(String(32), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=TRIALING)
    trial_ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    current_period_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
