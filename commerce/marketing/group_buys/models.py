"""The group-buy (拼团) tables."""
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models import Timestamped, UtcDateTime
from tenants.scoping import TenantScoped, tenant_foreign_key


class GroupBuy(TenantScoped, Timestamped, db.Model):
    __tablename__ = "group_buys"
    __tenant_table_args__ = (
        tenant_foreign_key("sku_id", "skus", ondelete="CASCADE"),
        CheckConstraint("size >= 2", name="size_at_least_two"),
        CheckConstraint("group_price >= 0", name="price_not_negative"),
    )

    ACTIVE, PAUSED = "active", "paused"

    title: Mapped[str] = mapped_column(String(40), nullable=False)
    sku_id: Mapped[int] = mapped_column(Integer, nullable=False)
    group_price: Mapped[int] = mapped_column(Integer, nullable=False)  # fen
    size: Mapped[int] = mapped_column(Integer, nullable=False)  # members a team needs
    hours: Mapped[int] = mapped_column(Integer, nullable=False, default=24)  # a team's time to fill up
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)  # no new teams after this
    status: Mapped[str] = mapped_column(String(8), nullable=False, default=ACTIVE)
    virtual_success: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class GroupTeam(TenantScoped, Timestamped, db.Model):
    __tablename__ = "group_teams"
    __tenant_table_args__ = (
        tenant_foreign_key("group_buy_id", "group_buys", ondelete="CASCADE"),
        CheckConstraint("seats_taken >= 0", name="seats_not_negative"),
    )

    OPEN, SUCCEEDED, FAILED = "open", "succeeded", "failed"

    group_buy_id: Mapped[int] = mapped_column(Integer, nullable=False)
    leader_member_id: Mapped[int] = mapped_column(Integer, nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    seats_taken: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=OPEN)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)


class GroupTeamMember(TenantScoped, Timestamped, db.Model):
    __tablename__ = "group_team_members"
    __tenant_table_args__ = (
        tenant_foreign_key("team_id", "group_teams", ondelete="CASCADE"),
        tenant_foreign_key("order_id", "orders", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "order_id"),
    )

    RESERVED, PAID, RELEASED, REFUNDING, REFUNDED = "reserved", "paid", "released", "refunding", "refunded"

    team_id: Mapped[int] = mapped_column(Integer, nullable=False)
    member_id: Mapped[int] = mapped_column(Integer, nullable=False)
    order_id: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=RESERVED)
