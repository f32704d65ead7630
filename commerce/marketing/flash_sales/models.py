"""The flash-sale (秒杀) tables."""
from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import Timestamped, UtcDateTime, utcnow
from tenants.scoping import TenantScoped, tenant_foreign_key


class FlashSale(TenantScoped, Timestamped, db.Model):
    __tablename__ = "flash_sales"
    __tenant_table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_flash_sales_tenant_window", "tenant_id", "status", "starts_at", "ends_at"),
    )

    ACTIVE, PAUSED = "active", "paused"

    title: Mapped[str] = mapped_column(String(40), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    status: Mapped[str] = mapped_column(String(8), nullable=False, default=ACTIVE)

    items = relationship("FlashSaleItem", order_by="FlashSaleItem.id", viewonly=True)

    def is_on(self, now=None):
        now = now or utcnow()
        return self.status == self.ACTIVE and self.starts_at <= now < self.ends_at


class FlashSaleItem(TenantScoped, db.Model):
    __tablename__ = "flash_sale_items"
    __tenant_table_args__ = (
        tenant_foreign_key("flash_sale_id", "flash_sales", ondelete="CASCADE"),
        tenant_foreign_key("sku_id", "skus", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "flash_sale_id", "sku_id"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("per_member_limit > 0", name="limit_positive"),
    )

    flash_sale_id: Mapped[int] = mapped_column(Integer, nullable=False)
    sku_id: Mapped[int] = mapped_column(Integer, nullable=False)
    price: Mapped[int] = mapped_column(Integer, nullable=False)  # fen
    stock: Mapped[int] = mapped_column(Integer, nullable=False)  # campaign units left
    initial_stock: Mapped[int] = mapped_column(Integer, nullable=False)
    per_member_limit: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class FlashSaleQuota(TenantScoped, db.Model):
    """How many units of an item a member holds in orders that are not cancelled."""

    __tablename__ = "flash_sale_quotas"
    __tenant_table_args__ = (
        tenant_foreign_key("item_id", "flash_sale_items", ondelete="CASCADE"),
        tenant_foreign_key("member_id", "members", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "item_id", "member_id"),
        CheckConstraint("bought >= 0", name="bought_not_negative"),
    )

    item_id: Mapped[int] = mapped_column(Integer, nullable=False)
    member_id: Mapped[int] = mapped_column(Integer, nullable=False)
    bought: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
