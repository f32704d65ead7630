"""Category tree, products, their spec matrix and SKUs. Money is integer fen."""
from sqlalchemy import JSON, CheckConstraint, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import Timestamped
from core.storage import media_url
from tenants.entitlements import count_rows
from tenants.scoping import TenantScoped, tenant_foreign_key


class Category(TenantScoped, Timestamped, db.Model):
    __tablename__ = "categories"
    __tenant_table_args__ = (
        tenant_foreign_key("parent_id", "categories"),
        Index("ix_categories_tenant_parent", "tenant_id", "parent_id", "position"),
    )

    MAX_DEPTH = 3  # top level is depth 1

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
        # Trigram index for title substring search (the page editor picker) on PostgreSQL; plain on SQLite.
        Index("ix_products_title_trgm", "title", postgresql_using="gin", postgresql_ops={"title": "gin_trgm_ops"}),
        # Shopper search (search.py) asks LIKE '% token %' of search_terms; trigrams serve it on PostgreSQL.
        Index("ix_products_search_terms_trgm", "search_terms", postgresql_using="gin",
              postgresql_ops={"search_terms": "gin_trgm_ops"}),
    )

    DRAFT = "draft"  # being written; invisible to shoppers
    ON_SALE = "on_sale"  # listed and purchasable
    OFF_SHELF = "off_shelf"  # hidden from shoppers, kept for orders and history
    STATUSES = (DRAFT, ON_SALE, OFF_SHELF)

    category_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(120), nullable=False)
    subtitle: Mapped[str | None] = mapped_column(String(200))
    price: Mapped[int] = mapped_column(Integer, nullable=False)  # fen; the lowest SKU price
    stock: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # sum of SKU stock
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=DRAFT)
    sold_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")  # for best-selling lists
    description: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")  # sanitized rich text
    video_url: Mapped[str | None] = mapped_column(String(500))  # an https MP4 or one of our uploads
    tags: Mapped[list] = mapped_column(JSON, nullable=False, default=list, server_default="[]")
    warehouse: Mapped[str | None] = mapped_column(String(32))  # where it ships from; paid orders split by it
    # Kept by search_index.py from title, subtitle, tags and category names (search_terms.py):
    search_terms: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    search_title: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")  # normalized

    category = relationship(Category, viewonly=True)
    specs = relationship("ProductSpec", order_by="ProductSpec.position", viewonly=True)
    skus = relationship("SKU", order_by="SKU.id", viewonly=True)
    images = relationship("ProductImage", order_by="(ProductImage.position, ProductImage.id)", viewonly=True)

    def is_on_sale(self):
        return self.status == self.ON_SALE


class ProductSpec(TenantScoped, db.Model):
    """One axis of a product's spec matrix, e.g. 颜色 with values [红, 蓝]."""

    __tablename__ = "product_specs"
    __tenant_table_args__ = (
        tenant_foreign_key("product_id", "products", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "product_id", "name"),
    )

    product_id: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(20), nullable=False)
    values: Mapped[list] = mapped_column(JSON, nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class SKU(TenantScoped, Timestamped, db.Model):
    """One sellable combination of spec values, with its own price, stock and code."""

    __tablename__ = "skus"
    # At or below: the product list's quick 库存紧张 filter. The 概况's to-do counts SKUs at or
    # below their safety stock instead (commerce.inventory.planning).
    LOW_STOCK = 10
    __tenant_table_args__ = (
        tenant_foreign_key("product_id", "products", ondelete="CASCADE"),
        UniqueConstraint("tenant_id", "code"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("market_price IS NULL OR market_price >= price", name="market_price_not_below_price"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("weight IS NULL OR weight >= 0", name="weight_not_negative"),
        Index("ix_skus_tenant_product", "tenant_id", "product_id"),
    )

    product_id: Mapped[int] = mapped_column(Integer, nullable=False)
    spec_values: Mapped[list] = mapped_column(JSON, nullable=False)  # in the order of the product's specs
    price: Mapped[int] = mapped_column(Integer, nullable=False)  # fen
    market_price: Mapped[int | None] = mapped_column(Integer)  # fen; the struck-through "was" price
    stock: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    weight: Mapped[int | None] = mapped_column(Integer)  # grams
    code: Mapped[str | None] = mapped_column(String(64))  # merchant's own code, unique per store
    image: Mapped[str | None] = mapped_column(String(64))  # a media name from the image library; shown when chosen

    def label(self):
        return " / ".join(self.spec_values)

    def image_url(self):
        return media_url(self.tenant_id, self.image) if self.image else None


class ProductImage(TenantScoped, Timestamped, db.Model):
    """A picture of a product in the store's media storage; the first by position is the cover."""

    __tablename__ = "product_images"
    __tenant_table_args__ = (
        tenant_foreign_key("product_id", "products", ondelete="CASCADE"),
        Index("ix_product_images_tenant_product", "tenant_id", "product_id", "position"),
    )

    product_id: Mapped[int] = mapped_column(Integer, nullable=False)
    filename: Mapped[str] = mapped_column(String(64), nullable=False)  # a core.storage media name
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    thumbnail: Mapped[str | None] = mapped_column(String(64))  # made by commerce.catalog.jobs; empty until then
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    def url(self):
        return media_url(self.tenant_id, self.filename)

    def thumbnail_url(self):
        """The small version once the job has made it, the original until then."""
        return media_url(self.tenant_id, self.thumbnail or self.filename)


class LibraryImage(TenantScoped, Timestamped, db.Model):
    """One picture in the store's image library (图片空间): every image the merchant uploads
    lands here, and every image field of the console picks from here. The file is the media
    name ``filename`` under the store's own media path; ``name`` is what the merchant calls it."""

    __tablename__ = "library_images"
    __tenant_table_args__ = (
        UniqueConstraint("tenant_id", "filename"),
        Index("ix_library_images_tenant_folder", "tenant_id", "folder", "id"),
    )

    MAX_NAME = 80
    MAX_FOLDER = 30

    filename: Mapped[str] = mapped_column(String(64), nullable=False)  # a core.storage media name
    name: Mapped[str] = mapped_column(String(MAX_NAME), nullable=False)
    folder: Mapped[str] = mapped_column(String(MAX_FOLDER), nullable=False, default="", server_default="")  # "": 未分组
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")  # bytes

    def url(self):
        return media_url(self.tenant_id, self.filename)


count_rows("products", Product)
