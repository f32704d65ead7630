"""Keeps each product's search words (``Product.search_terms``/``search_title``) in step with
what they are made of, in the same flush as the change: a product added or its title,
subtitle, tags or category changed; a category renamed or moved (its products and those of
its sub-categories). A bulk UPDATE of those columns would go unseen: change them through the
ORM (``categories.delete_category`` does). ``reindex_every_store`` (``flask reindex-search``)
fills every product again, for when ``search_terms.py`` changes how it indexes."""
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from commerce.catalog.categories import category_tree
from commerce.catalog.models import Category, Product
from commerce.catalog.search_terms import product_index
from core.extensions import db
from core.tenancy import tenant_context, unscoped
from tenants.models import Tenant

PRODUCT_FIELDS = ("title", "subtitle", "tags", "category_id")
CATEGORY_FIELDS = ("name", "parent_id")


@event.listens_for(Session, "before_flush")
def _index_changed_products(session, flush_context, instances):
    products = [obj for obj in session.new if isinstance(obj, Product)]
    products += [obj for obj in session.dirty if isinstance(obj, Product) and _changed(obj, PRODUCT_FIELDS)]
    categories = [obj.id for obj in session.dirty
                  if isinstance(obj, Category) and obj.id is not None and _changed(obj, CATEGORY_FIELDS)]
    with session.no_autoflush:
        if categories:
            products += _products_under(session, categories)
        for product in dict.fromkeys(products):
            index_product(session, product)


def index_product(session, product):
    """Fill ``product``'s search words from its fields as they are now."""
    product.search_terms, product.search_title = product_index(
        product.title, product.subtitle, product.tags or (), _category_names(session, product.category_id))


def reindex_every_store():
    """Index every product of every store again, a store per transaction; returns how many."""
    with unscoped():
        tenant_ids = db.session.scalars(select(Tenant.id).order_by(Tenant.id)).all()
    count = 0
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id):
            for product in db.session.scalars(select(Product)):
                index_product(db.session, product)
                count += 1
            db.session.commit()
    return count


def _changed(obj, fields):
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


def _category_names(session, category_id):
    """The product's category and the categories above it, nearest first."""
    names = []
    while category_id is not None and len(names) < Category.MAX_DEPTH:
        category = session.get(Category, category_id)
        if category is None:
            break
        names.append(category.name)
        category_id = category.parent_id
    return names


def _products_under(session, category_ids):
    tree = category_tree()
    below = {sub for category_id in category_ids for sub in tree.subtree_ids(category_id)}
    return list(session.scalars(select(Product).where(Product.category_id.in_(below))))
