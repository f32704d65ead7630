"""What shoppers browse: products on sale, sorted and filtered, paged by keyset in SQL.

Sorts (the tabs of a Chinese shop list): ``default`` 综合 (in stock first, then best
selling, then newest), ``sales`` 销量, ``price_asc`` / ``price_desc`` 价格↑↓, ``newest``
新品. Every sort ends with the product id, so the order is total; pages and their signed
cursors come from ``core.pagination`` (one paginator for the storefront, the API and the
console), which refuses a forged or stale cursor as ``BadCursor``.
"""
from dataclasses import dataclass

from sqlalchemy import case, select
from sqlalchemy.orm import selectinload

from commerce.catalog.categories import category_tree
from commerce.catalog.models import Product
from core.pagination import BadCursor, Key, Ordering, paginate

__all__ = ["SORTS", "BadCursor", "Filters", "browse_products", "on_sale_products", "PRODUCT_ORDERINGS"]

MAX_LIMIT = 50

_IN_STOCK = case((Product.stock > 0, 1), else_=0)
PRODUCT_ORDERINGS = {
    "default": Ordering("products:default", Key(_IN_STOCK, descending=True, value=lambda p: int(p.stock > 0)),
                        Product.sold_count.desc(), Product.id.desc()),
    "sales": Ordering("products:sales", Product.sold_count.desc(), Product.id.desc()),
    "price_asc": Ordering("products:price_asc", Product.price.asc(), Product.id.desc()),
    "price_desc": Ordering("products:price_desc", Product.price.desc(), Product.id.desc()),
    "newest": Ordering("products:newest", Product.id.desc()),
}
SORTS = tuple(PRODUCT_ORDERINGS)


@dataclass(frozen=True)
class Filters:
    category_id: int | None = None  # the category and everything under it
    min_price: int | None = None  # fen, inclusive
    max_price: int | None = None
    in_stock: bool = False


def on_sale_products(filters=Filters()):
    """The ``select`` of the current store's products on sale matching ``filters``, images loaded."""
    return (select(Product).where(Product.status == Product.ON_SALE, *_filter_conditions(filters))
            .options(selectinload(Product.images)))


def browse_products(*, sort="default", filters=Filters(), cursor=None, limit=20):
    """One ``core.pagination.Page`` of the current store's products on sale, images loaded.

    :raise BadCursor: ``cursor`` was not made for ``sort``
    :raise ValueError: unknown ``sort`` or a limit outside 1..50
    """
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError("limit out of range")
    return paginate(on_sale_products(filters), PRODUCT_ORDERINGS[sort], per_page=limit, cursor=cursor)


def _filter_conditions(filters):
    conditions = []
    if filters.category_id is not None:
        conditions.append(Product.category_id.in_(category_tree().subtree_ids(filters.category_id)))
    if filters.min_price is not None:
        conditions.append(Product.price >= filters.min_price)
    if filters.max_price is not None:
        conditions.append(Product.price <= filters.max_price)
    if filters.in_stock:
        conditions.append(Product.stock > 0)
    return conditions
