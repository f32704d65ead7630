"""Named reads of the catalog for the console: one product, category or image of the current
store (another store's id finds nothing: the session scopes every select), and the product
list a page at a time."""
from sqlalchemy import false, func, select
from sqlalchemy.orm import selectinload

from commerce.catalog.models import SKU, Category, LibraryImage, Product, ProductImage
from commerce.catalog.search import matches
from core.extensions import db
from core.pagination import Ordering, paginate

CONSOLE_PRODUCTS = Ordering("console:products", Product.id.desc())  # newest first
LIBRARY_IMAGES = Ordering("console:library", LibraryImage.id.desc())  # newest first


def find_product(product_id):
    """The current store's product, or None."""
    return db.session.scalar(select(Product).where(Product.id == product_id))


def product_id_of_sku(sku_id):
    """The product id of the current store's SKU, or None (from the session's identity map
    when the SKU was just loaded, as after adding it to a cart)."""
    sku = db.session.get(SKU, sku_id)
    return sku.product_id if sku is not None else None


def find_category(category_id):
    return db.session.scalar(select(Category).where(Category.id == category_id))


def find_product_image(image_id):
    return db.session.scalar(select(ProductImage).where(ProductImage.id == image_id))


def _has_low_stock_sku():
    return Product.id.in_(select(SKU.product_id).where(SKU.stock <= SKU.LOW_STOCK))


def console_products(*, query="", statuses=None, low_stock=False, cursor=None, per_page=50):
    """A ``core.pagination.Page`` of the store's products (every status unless ``statuses``),
    newest first, having every term of ``query`` (``search.matches``), with the total count;
    each with its category and pictures loaded (the list shows them). ``low_stock``: only
    those with an SKU at or below ``SKU.LOW_STOCK``.

    :raise BadCursor: ``cursor`` is not from this list
    """
    statement = select(Product).options(selectinload(Product.category), selectinload(Product.images))
    if query:
        condition = matches(query)  # None: only punctuation or control characters, nothing matches
        statement = statement.where(false() if condition is None else condition)
    if statuses:
        statement = statement.where(Product.status.in_(statuses))
    if low_stock:
        statement = statement.where(_has_low_stock_sku())
    return paginate(statement, CONSOLE_PRODUCTS, per_page=per_page, cursor=cursor, with_total=True)


def sku_price_ranges(product_ids):
    """``{product id: (lowest, highest SKU price in fen)}`` of the store's products among ``product_ids``."""
    if not product_ids:
        return {}
    rows = db.session.execute(select(SKU.product_id, func.min(SKU.price), func.max(SKU.price))
                              .where(SKU.product_id.in_(list(product_ids))).group_by(SKU.product_id))
    return {product_id: (lowest, highest) for product_id, lowest, highest in rows}


def picked_products(*, ids=(), title="", limit=20):
    """Products for the page editor's picker, newest first: those of ``ids`` if given, whose
    title contains ``title`` (literally) if given."""
    statement = select(Product).order_by(Product.id.desc()).limit(limit)
    if ids:
        statement = statement.where(Product.id.in_(list(ids)[:limit]))
    if title:
        statement = statement.where(Product.title.icontains(title, autoescape=True))
    return db.session.scalars(statement).all()


def sitemap_categories():
    """``[(id, updated_at), …]`` of the store's categories."""
    return db.session.execute(select(Category.id, Category.updated_at).order_by(Category.id)).all()


def sitemap_products(limit):
    """``[(id, updated_at), …]`` of the store's products on sale, oldest first, at most ``limit``."""
    return db.session.execute(select(Product.id, Product.updated_at).where(Product.status == Product.ON_SALE)
                              .order_by(Product.id).limit(limit)).all()


def find_library_image(image_id):
    """The current store's library image, or None."""
    return db.session.scalar(select(LibraryImage).where(LibraryImage.id == image_id))


def library_images(*, query="", folder=None, cursor=None, per_page=60):
    """A ``core.pagination.Page`` of the store's library images, newest first, whose name
    contains ``query`` (literally) if given, in ``folder`` if given (``""``: 未分组).

    :raise BadCursor: ``cursor`` is not from this list
    """
    statement = select(LibraryImage)
    if query:
        statement = statement.where(LibraryImage.name.icontains(query, autoescape=True))
    if folder is not None:
        statement = statement.where(LibraryImage.folder == folder)
    return paginate(statement, LIBRARY_IMAGES, per_page=per_page, cursor=cursor, with_total=True)


def library_folders():
    """The store's folder names, sorted (``""``, 未分组, left out)."""
    return list(db.session.scalars(select(LibraryImage.folder).where(LibraryImage.folder != "").distinct()
                                   .order_by(LibraryImage.folder)))
