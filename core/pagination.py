"""Keyset pagination for every list: storefront tabs, the JSON API and console tables.

An ``Ordering`` names a sort and lists its keys, the last one unique (the primary key), so
the order is total. ``paginate(statement, ordering, per_page=…, cursor=…)`` runs one page of
a ``select`` and returns a ``Page`` with opaque cursors for the next and previous pages: a
cursor holds the sort key of the row at the page boundary, signed (``core.tokens``) and tied
to the ordering, so a forged cursor, or one made for another sort, is refused as
``BadCursor`` rather than trusted as SQL. A page starts strictly after (or before) that key,
which stays right while rows are added or removed in between; an OFFSET would repeat or
skip them.

Sort keys must not be NULL (SQLite and PostgreSQL put NULLs at opposite ends): order by
``coalesce(...)`` through a ``Key`` if a column is nullable.
"""
import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from core.errors import DomainError
from core.extensions import db
from core.tokens import BadToken, sign, unsign

MAX_CURSOR_LENGTH = 1000  # ours are ~100 characters; anything far longer is not worth verifying
_AFTER, _BEFORE = "a", "b"


class BadCursor(DomainError):
    """The cursor is not one we handed out for this ordering (forged, damaged, another sort)."""

    status = 400

    def __init__(self, message=None):
        super().__init__(message or _l("This page link is not valid for this list; start again from the first page."),
                         field="cursor")


@dataclass(frozen=True)
class Key:
    """One sort key: a column or SQL expression, its direction, and how a loaded row gives its
    value (default: the row's attribute named like the column). ``unique`` marks a computed
    expression as a valid tie-breaker."""

    expression: object
    descending: bool = False
    value: object = None  # callable(row) -> value
    unique: bool = False

    def value_of(self, row):
        if self.value is not None:
            return self.value(row)
        name = getattr(self.expression, "key", None)
        if name is None:
            raise TypeError(f"give Key({self.expression}) a value= to read it from a row")
        return getattr(row, name)


class Ordering:
    """A named, total order: ``Ordering("newest", Order.created_at.desc(), Order.id.desc())``.

    Keys are columns (ascending), ``column.asc()``/``column.desc()``, or ``Key``s; the last
    must be unique (a primary key or unique column), so rows that tie on the others still
    have one place in the order.
    """

    def __init__(self, name, *keys):
        if not keys:
            raise ValueError("an ordering needs at least one key")
        self.name = name
        self.keys = tuple(_as_key(key) for key in keys)
        if not _is_unique(self.keys[-1]):
            raise ValueError(f"ordering {name!r} must end with a unique key, like the primary key")
        shape = "|".join(f"{key.expression}:{int(key.descending)}" for key in self.keys)
        # Changing the keys behind a name invalidates its cursors as surely as another name does.
        self.fingerprint = hashlib.sha256(f"{name}|{shape}".encode()).hexdigest()[:12]

    def __repr__(self):
        return f"Ordering({self.name!r}, {len(self.keys)} keys)"


@dataclass(frozen=True)
class Page:
    items: list
    next_cursor: str | None  # None on the last page
    previous_cursor: str | None  # None on the first page
    total: int | None = None  # rows of the unpaged query, when asked for

    @property
    def has_next(self):
        return self.next_cursor is not None

    @property
    def has_previous(self):
        return self.previous_cursor is not None


def paginate(statement, ordering, *, per_page, cursor=None, with_total=False, session=None):
    """One page of ``statement`` (a ``select``; its own ORDER BY is replaced) in ``ordering``.

    ``items`` are ORM objects for ``select(Model)``, rows otherwise. ``total`` counts the
    whole unpaged query with one more query, only when ``with_total`` is true.

    :raise BadCursor: ``cursor`` was not made by ``paginate`` for ``ordering``
    """
    if not isinstance(per_page, int) or per_page < 1:
        raise ValueError("per_page must be a whole number above 0")
    session = session or db.session
    total = _count(session, statement) if with_total else None
    if not cursor:
        return _page(session, statement, ordering, per_page, None, _AFTER, total)
    direction, key = _decode(cursor, ordering)
    return _page(session, statement, ordering, per_page, key, direction, total)


def _page(session, statement, ordering, per_page, key, direction, total):
    forward = direction == _AFTER
    keys = ordering.keys
    paged = statement.order_by(None)
    if key is not None:
        paged = paged.where(_beyond(keys, key, forward=forward))
    paged = paged.order_by(*(_sql_order(k, flip=not forward) for k in keys)).limit(per_page + 1)
    rows = _run(session, paged)
    more = len(rows) > per_page
    rows = rows[:per_page]
    if forward:
        items = rows
        next_cursor = _encode(ordering, _AFTER, items[-1]) if more else None
        previous_cursor = _encode(ordering, _BEFORE, items[0]) if key is not None and items else None
    else:
        if not more:
            # Back at the start (rows before it may have gone): show a full first page.
            return _page(session, statement, ordering, per_page, None, _AFTER, total)
        items = rows[::-1]
        previous_cursor = _encode(ordering, _BEFORE, items[0])
        next_cursor = _encode(ordering, _AFTER, items[-1])
    return Page(items, next_cursor, previous_cursor, total)


def _beyond(keys, key, *, forward):
    """Rows strictly after ``key`` (before it, going back): (a > x) or (a = x and (b > y …))."""
    condition = None
    for sort_key, value in reversed(list(zip(keys, key, strict=True))):
        expression = sort_key.expression
        smaller = sort_key.descending == forward  # forward past a descending key, or back past an ascending one
        beyond = expression < value if smaller else expression > value
        condition = beyond if condition is None else or_(beyond, and_(expression == value, condition))
    return condition


def _sql_order(key, *, flip):
    return key.expression.desc() if key.descending != flip else key.expression.asc()


def _run(session, statement):
    if len(statement.column_descriptions) == 1:
        return list(session.scalars(statement).all())
    return list(session.execute(statement).all())


def _count(session, statement):
    unpaged = statement.order_by(None).limit(None).offset(None).subquery()
    return session.scalar(select(func.count()).select_from(unpaged))


def _encode(ordering, direction, row):
    values = []
    for key in ordering.keys:
        value = key.value_of(row)
        if value is None:
            raise ValueError(f"ordering {ordering.name!r}: a sort key is NULL; order by coalesce(...)")
        values.append(_plain(value))
    return sign("cursor", [ordering.fingerprint, direction, values])


def _decode(cursor, ordering):
    if not isinstance(cursor, str) or len(cursor) > MAX_CURSOR_LENGTH:
        raise BadCursor()
    try:
        fingerprint, direction, values = unsign("cursor", cursor)
        if fingerprint != ordering.fingerprint or direction not in (_AFTER, _BEFORE):
            raise BadCursor()
        return direction, [_typed(value) for value in values]
    except (BadToken, TypeError, ValueError, KeyError):
        raise BadCursor() from None


def _plain(value):
    """A key value as JSON: datetimes, dates and decimals tagged so they come back typed."""
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    if isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot put a {type(value).__name__} in a cursor")


def _typed(value):
    if isinstance(value, dict):
        (tag, text), = value.items()
        return {"t": datetime.fromisoformat, "d": date.fromisoformat, "n": Decimal}[tag](text)
    return value


def _as_key(key):
    if isinstance(key, Key):
        return key
    if isinstance(key, UnaryExpression) and key.modifier in (operators.desc_op, operators.asc_op):
        return Key(key.element, descending=key.modifier is operators.desc_op)
    return Key(key)


def _is_unique(key):
    column = getattr(key.expression, "expression", key.expression)
    if key.unique or getattr(column, "unique", False):
        return True
    if not getattr(column, "primary_key", False):
        return False
    # A tenant table's key is (tenant_id, id): its id is unique alone (one sequence per table).
    return len(column.table.primary_key.columns) == 1 or column.name == "id"
