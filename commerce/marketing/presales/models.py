"""The pre-sale (预售) tables: a campaign on a product's SKUs with its own units, the
orders placed through it, and the store's pre-sale settings."""
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import Timestamped, UtcDateTime, utcnow
from tenants.scoping import TenantScoped, tenant_foreign_key


class Presale(TenantScoped, Timestamped, db.Model):
    __tablename__ = "presales"
    __tenant_table_args__ = (
        tenant_foreign_key("product_id", "products", ondelete="CASCADE"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("ships_from >= starts_at", name="ships_after_start"),
        CheckConstraint("mode IN ('full', 'deposit')", name="known_mode"),
        CheckConstraint("mode = 'full' OR (deposit > 0 AND deposit_worth >= deposit AND balance_starts_at IS NOT NULL"
                        " AND balance_ends_at > balance_starts_at)", name="deposit_terms"),
        Index("ix_presales_tenant_window", "tenant_id", "status", "starts_at", "ends_at"),
    )

    ACTIVE, PAUSED = "active", "paused"
    FULL, DEPOSIT = "full", "deposit"
    FORFEIT, REFUND = "forfeit", "refund"  # what an unpaid balance does to the deposit

    title: Mapped[str] = mapped_column(String(40), nullable=False)
    product_id: Mapped[int] = mapped_column(Integer, nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    ships_from: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    mode: Mapped[str] = mapped_column(String(8), nullable=False, default=FULL)
    deposit: Mapped[int | None] = mapped_column(Integer)  # fen per unit
    deposit_worth: Mapped[int | None] = mapped_column(Integer)  # fen per unit it takes off at the balance
    balance_starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    balance_ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    unpaid_balance: Mapped[str] = mapped_column(String(8), nullable=False, default=FORFEIT)
    status: Mapped[str] = mapped_column(String(8), nullable=False, default=ACTIVE)

    items = relationship("PresaleItem", order_by="PresaleItem.id", viewonly=True)

    def is_on(self, now=None):
        now = now or utcnow()
        return self.status == self.ACTIVE and self.starts_at <= now < self.ends_at

    @property
    def by_deposit(self):
        return self.mode == self.DEPOSIT

    @property
    def units_left(self):
        """Units still to be booked, over its SKUs."""
        return sum(item.stock for item in self.items)


class PresaleItem(TenantScoped, db.Model):
    __tablename__ = "presale_items"
    __tenant_table_args__ = (
        tenant_foreign_key("presale_id", "presales", ondelete="CASCADE"),
        tenant_foreign_key("sku_id", "skus", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "presale_id", "sku_id"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("price > 0", name="price_positive"),
    )

    presale_id: Mapped[int] = mapped_column(Integer, nullable=False)
    sku_id: Mapped[int] = mapped_column(Integer, nullable=False)
    price: Mapped[int] = mapped_column(Integer, nullable=False)  # fen, the pre-sale price
    stock: Mapped[int] = mapped_column(Integer, nullable=False)  # pre-sale units left
    initial_stock: Mapped[int] = mapped_column(Integer, nullable=False)


class PresaleOrder(TenantScoped, db.Model):
    """An order placed through a pre-sale: paid when the order is (``paid_at``), put on the
    packing lists from the ship-from date (``released_at``, from ``warehouse``)."""

    __tablename__ = "presale_orders"
    __tenant_table_args__ = (
        tenant_foreign_key("presale_id", "presales", ondelete="CASCADE"),
        tenant_foreign_key("item_id", "presale_items", ondelete="CASCADE"),
        tenant_foreign_key("order_id", "orders", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "order_id"),
        Index("ix_presale_orders_tenant_presale_paid", "tenant_id", "presale_id", "paid_at"),
    )

    presale_id: Mapped[int] = mapped_column(Integer, nullable=False)
    item_id: Mapped[int] = mapped_column(Integer, nullable=False)
    order_id: Mapped[int] = mapped_column(Integer, nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    ships_from: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    units_back: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # cancelled: units returned
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    warehouse: Mapped[str | None] = mapped_column(String(32))


class PresaleSettings(TenantScoped, db.Model):
    """A store's pre-sale settings (one row, made when first saved)."""

    __tablename__ = "presale_settings"
    __tenant_table_args__ = (UniqueConstraint("tenant_id"),
                             CheckConstraint("split_threshold >= 1", name="threshold_positive"))

    DEFAULT_THRESHOLD = 500

    # Above this many paid orders, a pre-sale's packing lists are spread over the warehouses.
    split_threshold: Mapped[int] = mapped_column(Integer, nullable=False, default=DEFAULT_THRESHOLD)
    warehouses: Mapped[str | None] = mapped_column(String(200))  # comma-separated; None: the products' warehouses
