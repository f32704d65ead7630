"""Stock planning settings and batches. Quantities are whole units, times UTC, dates China days.

``stock_batches`` holds what arrived from a supplier under one batch number, and how much of
it is still in the warehouse (``remaining``): receiving adds to the SKU's stock and to a new
batch in one transaction; shipping takes each unit from a batch (FEFO, else FIFO) and writes
``batch_allocations`` in the shipment's transaction, so every shipped unit names its batch.
Units shipped beyond what batches hold (stock typed in before batches were used) come from the
SKU's opening batch (``is_opening``), whose received quantity grows by what it gave.
"""
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models import UtcDateTime, utcnow
from tenants.scoping import TenantScoped, tenant_foreign_key

OPENING_NUMBER = "OPENING"  # the opening batch's number; shown as 期初库存


class InventorySettings(TenantScoped, db.Model):
    """How a store plans stock: the sales window, the default lead time, the buffers, the share
    of sellers counted as hot, and the turnover target (the seed's ≤ 45 days)."""

    __tablename__ = "inventory_settings"
    __tenant_table_args__ = (
        UniqueConstraint("tenant_id"),
        CheckConstraint("hot_buffer_percent >= 20", name="hot_buffer_at_least_20"),
    )

    window_days: Mapped[int] = mapped_column(Integer, nullable=False, default=30)
    lead_time_days: Mapped[int] = mapped_column(Integer, nullable=False, default=7)
    buffer_percent: Mapped[int] = mapped_column(Integer, nullable=False, default=10)
    hot_buffer_percent: Mapped[int] = mapped_column(Integer, nullable=False, default=30)
    hot_share_percent: Mapped[int] = mapped_column(Integer, nullable=False, default=20)  # top sellers by units
    turnover_target_days: Mapped[int] = mapped_column(Integer, nullable=False, default=45)


class ProductLeadTime(TenantScoped, db.Model):
    """A product's own replenishment lead time, over the store default."""

    __tablename__ = "product_lead_times"
    __tenant_table_args__ = (
        tenant_foreign_key("product_id", "products", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "product_id"),
        CheckConstraint("lead_time_days > 0", name="lead_time_positive"),
    )

    product_id: Mapped[int] = mapped_column(Integer, nullable=False)
    lead_time_days: Mapped[int] = mapped_column(Integer, nullable=False)


class SafetyStockOverride(TenantScoped, db.Model):
    """The merchant's own safety stock for one SKU, in place of the computed one."""

    __tablename__ = "safety_stock_overrides"
    __tenant_table_args__ = (
        tenant_foreign_key("sku_id", "skus", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "sku_id"),
        CheckConstraint("safety_stock >= 0", name="safety_stock_not_negative"),
    )

    sku_id: Mapped[int] = mapped_column(Integer, nullable=False)
    safety_stock: Mapped[int] = mapped_column(Integer, nullable=False)


class StockBatch(TenantScoped, db.Model):
    """Units of one SKU received under one batch number."""

    __tablename__ = "stock_batches"
    __tenant_table_args__ = (
        # A product or option deleted before anything of it shipped takes its batches along
        # (once shipped it was ordered, and the catalog keeps it).
        tenant_foreign_key("sku_id", "skus", ondelete="CASCADE"),
        tenant_foreign_key("product_id", "products", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "sku_id", "batch_number"),
        CheckConstraint("received_quantity >= 0", name="received_not_negative"),
        CheckConstraint("remaining >= 0 AND remaining <= received_quantity", name="remaining_within_received"),
        CheckConstraint("expires_on IS NULL OR produced_on IS NULL OR expires_on >= produced_on",
                        name="expires_after_produced"),
        Index("ix_stock_batches_tenant_sku", "tenant_id", "sku_id", "expires_on", "id"),
    )

    sku_id: Mapped[int] = mapped_column(Integer, nullable=False)
    product_id: Mapped[int] = mapped_column(Integer, nullable=False)
    batch_number: Mapped[str] = mapped_column(String(40), nullable=False)
    supplier: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    produced_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    received_quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    remaining: Mapped[int] = mapped_column(Integer, nullable=False)
    is_opening: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
    staff_id: Mapped[int | None] = mapped_column(Integer)  # who received it; None for the opening batch

    def is_expired(self, today):
        return self.expires_on is not None and self.expires_on < today


class BatchAllocation(TenantScoped, db.Model):
    """``quantity`` units of an order line sent in a parcel, taken from one batch;
    ``returned_quantity`` of them came back to the batch (a return that restocks)."""

    __tablename__ = "batch_allocations"
    __tenant_table_args__ = (
        tenant_foreign_key("batch_id", "stock_batches"),
        tenant_foreign_key("order_id", "orders"),
        tenant_foreign_key("order_line_id", "order_lines", ondelete="CASCADE"),
        tenant_foreign_key("parcel_id", "parcels"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("returned_quantity >= 0 AND returned_quantity <= quantity", name="returned_within_quantity"),
        Index("ix_batch_allocations_tenant_batch", "tenant_id", "batch_id", "id"),
        Index("ix_batch_allocations_tenant_line", "tenant_id", "order_line_id"),
    )

    batch_id: Mapped[int] = mapped_column(Integer, nullable=False)
    order_id: Mapped[int] = mapped_column(Integer, nullable=False)
    order_line_id: Mapped[int] = mapped_column(Integer, nullable=False)
    parcel_id: Mapped[int] = mapped_column(Integer, nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    returned_quantity: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False, default=utcnow)
