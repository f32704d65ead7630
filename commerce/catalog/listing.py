"""What shoppers browse: products on sale, sorted and filtered, paged by keyset in SQL.

Sorts (the tabs of a Chinese shop list): ``default`` 综合 (in stock first, then best
selling, then newest), ``sales`` 销量, ``price_asc`` / ``price_desc`` 价格↑↓, ``newest``
新品. Every sort ends with the product id, so the order is total and a page boundary is a
plain key: the next page starts after the last product's key, which stays right while
products are added or sold in between (an OFFSET would repeat or skip them).

The key is handed out as an opaque cursor: a list of the sort's values for that product,
checked on the way back in (a forged or stale cursor is refused, never trusted as SQL).
"""
import base64
import binascii
import json
from dataclasses import dataclass

from sqlalchemy import and_, case, or_, select
from sqlalchemy.orm import selectinload

from commerce.catalog.models import Category, Product
from core.extensions import db

SORTS = ("default", "sales", "price_asc", "price_desc", "newest")
MAX_LIMIT = 50
MAX_KEY = 2**31 - 1  # ids, prices and counts are 32-bit columns

_IN_STOCK = case((Product.stock > 0, 1), else_=0)
# (expression, descending, how a product gives its value) per sort; the id always last.
_ORDERS = {
    "default": ((_IN_STOCK, True, lambda p: int(p.stock > 0)), (Product.sold_count, True, lambda p: p.sold_count),
                (Product.id, True, lambda p: p.id)),
    "sales": ((Product.sold_count, True, lambda p: p.sold_count), (Product.id, True, lambda p: p.id)),
    "price_asc": ((Product.price, False, lambda p: p.price), (Product.id, True, lambda p: p.id)),
    "price_desc": ((Product.price, True, lambda p: p.price), (Product.id, True, lambda p: p.id)),
    "newest": ((Product.id, True, lambda p: p.id),),
}


class BadCursor(ValueError):
    """The cursor is not one we handed out for this sort."""


@dataclass(frozen=True)
class Filters:
    category_id: int | None = None  # the category and everything under it
    min_price: int | None = None  # fen, inclusive
    max_price: int | None = None
    in_stock: bool = False


@dataclass(frozen=True)
class ProductPage:
    products: list
    next_cursor: str | None  # None on the last page


def browse_products(*, sort="default", filters=Filters(), cursor=None, limit=20):
    """One page of the current store's products on sale, with their images loaded.

    :raise BadCursor: ``cursor`` was not made by this function for ``sort``
    :raise ValueError: unknown ``sort`` or a limit outside 1..50
    """
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}")
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError("limit out of range")
    order = _ORDERS[sort]
    statement = (select(Product).where(Product.status == Product.ON_SALE, *_filter_conditions(filters))
                 .options(selectinload(Product.images)))
    if cursor:
        statement = statement.where(_after(order, decode_cursor(cursor, sort)))
    statement = statement.order_by(*(expression.desc() if descending else expression.asc()
                                     for expression, descending, _value in order))
    rows = db.session.scalars(statement.limit(limit + 1)).all()
    products, more = rows[:limit], len(rows) > limit
    next_cursor = encode_cursor(sort, [value(products[-1]) for _e, _d, value in order]) if more else None
    return ProductPage(products, next_cursor)


def category_and_descendants(category_id):
    """Ids of the category and every category below it (the tree is at most 3 deep)."""
    parents = dict(db.session.execute(select(Category.id, Category.parent_id)).all())
    if category_id not in parents:
        return []
    found = {category_id}
    changed = True
    while changed:
        before = len(found)
        found |= {child for child, parent in parents.items() if parent in found}
        changed = len(found) != before
    return sorted(found)


def _filter_conditions(filters):
    conditions = []
    if filters.category_id is not None:
        conditions.append(Product.category_id.in_(category_and_descendants(filters.category_id)))
    if filters.min_price is not None:
        conditions.append(Product.price >= filters.min_price)
    if filters.max_price is not None:
        conditions.append(Product.price <= filters.max_price)
    if filters.in_stock:
        conditions.append(Product.stock > 0)
    return conditions


def _after(order, key):
    """Rows strictly after ``key`` in ``order``: (a > x) or (a = x and (b > y or …))."""
    condition = None
    for (expression, descending, _value), value in reversed(list(zip(order, key, strict=True))):
        beyond = expression < value if descending else expression > value
        condition = beyond if condition is None else or_(beyond, and_(expression == value, condition))
    return condition


def encode_cursor(sort, key):
    raw = json.dumps([sort, *key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor, sort):
    """The key a cursor holds. :raise BadCursor: not ours, or made for another sort"""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        raise BadCursor(cursor) from None
    if (not isinstance(values, list) or not values or values[0] != sort
            or len(values) != len(_ORDERS[sort]) + 1
            or not all(type(v) is int and 0 <= v <= MAX_KEY for v in values[1:])):
        raise BadCursor(cursor)
    return values[1:]

