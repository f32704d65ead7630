"""The invite (邀请有礼) tables."""
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Index,
    Integer,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models import Timestamped, UtcDateTime, utcnow
from tenants.scoping import TenantScoped, tenant_foreign_key


class InviteSettings(TenantScoped, Timestamped, db.Model):
    """A store's invite tiers; a store without a row has none (the program is off)."""

    __tablename__ = "invite_settings"
    __tenant_table_args__ = (UniqueConstraint("tenant_id"),)

    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # [{"invites": 1, "coupon_id": 3, "points": 0}, …], by invites ascending; a tier gives its
    # coupon and/or its points.
    tiers: Mapped[list] = mapped_column(JSON, nullable=False, default=list)


class InviteReward(TenantScoped, db.Model):
    """A tier an inviter reached, and what it gave them; once per inviter and tier."""

    __tablename__ = "invite_rewards"
    __tenant_table_args__ = (
        tenant_foreign_key("inviter_id", "members", ondelete="CASCADE"),
        tenant_foreign_key("invitee_id", "members", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "inviter_id", "tier"),
        CheckConstraint("tier >= 1", name="tier_positive"),
        Index("ix_invite_rewards_tenant_created", "tenant_id", "created_at"),
    )

    inviter_id: Mapped[int] = mapped_column(Integer, nullable=False)
    tier: Mapped[int] = mapped_column(Integer, nullable=False)  # invitees it takes
    invitee_id: Mapped[int] = mapped_column(Integer, nullable=False)  # whose first order reached it
    coupon_id: Mapped[int | None] = mapped_column(Integer)  # the tier's coupon at the time
    coupon_issued: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # False: paused or gone
    points: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
