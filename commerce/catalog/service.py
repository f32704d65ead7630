"""Catalog verbs. Sample categories for new stores; the full catalog comes later."""
from flask_babel import gettext as _
from sqlalchemy import select

from commerce.catalog.models import Category, Product
from core.extensions import db
from tenants.provisioning import provisioning_step


def sample_category_names():
    return [_("New arrivals"), _("Best sellers"), _("Gifts")]


@provisioning_step(order=20)
def create_sample_categories(tenant):
    """A new store starts with a few categories, unless it already has some."""
    if db.session.scalar(select(Category.id).limit(1)) is not None:
        return []
    categories = [Category(name=name, position=i) for i, name in enumerate(sample_category_names())]
    db.session.add_all(categories)
    db.session.flush()
    return categories


def list_categories():
    return db.session.scalars(select(Category).order_by(Category.position, Category.id)).all()


def list_products_on_sale(limit=50):
    return db.session.scalars(
        select(Product).where(Product.status == Product.ON_SALE).order_by(Product.id.desc()).limit(limit)
    ).all()


def get_product_on_sale(product_id):
    """The product shoppers may see, or None (another store's id finds nothing)."""
    return db.session.scalar(
        select(Product).where(Product.id == product_id, Product.status == Product.ON_SALE)
    )


def search_products(query, limit=50):
    """Products on sale whose title contains ``query`` (a plain substring match; the
    catalog issue replaces it with Chinese-aware full-text search)."""
    text = (query or "").strip()[:50]
    if not text:
        return []
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return db.session.scalars(
        select(Product).where(Product.status == Product.ON_SALE, Product.title.like(pattern, escape="\\"))
        .order_by(Product.id.desc()).limit(limit)
    ).all()
