"""Category tree and products. Money is integer fen."""
from sqlalchemy import CheckConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import Timestamped
from tenants.scoping import TenantScoped, tenant_foreign_key


class Category(TenantScoped, Timestamped, db.Model):
    __tablename__ = "categories"
    __tenant_table_args__ = (
        tenant_foreign_key("parent_id", "categories"),
        Index("ix_categories_tenant_parent", "tenant_id", "parent_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(60), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Product(TenantScoped, Timestamped, db.Model):
    __tablename__ = "products"
    __tenant_table_args__ = (
        tenant_foreign_key("category_id", "categories"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        Index("ix_products_tenant_status", "tenant_id", "status"),
    )

    DRAFT = "draft"  # being written; invisible to shoppers
    ON_SALE = "on_sale"  # listed and purchasable
    OFF_SHELF = "off_shelf"  # hidden from shoppers, kept for orders and history
    STATUSES = (DRAFT, ON_SALE, OFF_SHELF)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(120), nullable=False)
    subtitle: Mapped[str | None] = mapped_column(String(200))
    price: Mapped[int] = mapped_column(Integer, nullable=False)  # fen
    stock: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=DRAFT)
    sold_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")  # for best-selling lists

    category = relationship(Category, viewonly=True)

    def is_on_sale(self):
        return self.status == self.ON_SALE
