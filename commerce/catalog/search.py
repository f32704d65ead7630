"""Product search with Chinese text, one interface over two engines.

Chinese has no spaces between words, so word-based full-text search misses 绿茶 inside
特级绿茶礼盒; both engines match substrings instead:

- PostgreSQL: ``ILIKE`` per term, served by a pg_trgm GIN index on ``products.title`` for
  terms of three or more characters (the index cannot lead with ``tenant_id``; the tenant
  filter is applied on the matching rows), ranked by ``similarity``.
- SQLite: an FTS5 table ``products_fts`` with the trigram tokenizer, kept in sync with
  ``products`` by triggers made in migration 0003. Trigrams need three characters, so
  shorter terms (绿茶) use an escaped ``LIKE`` on the title.

Every term of the query (split on spaces) must match; ``%`` and ``_`` are literal.
"""
from sqlalchemy import and_, func, literal, literal_column, select, table
from sqlalchemy.orm import selectinload

from commerce.catalog.models import Product
from core.extensions import db
from core.tenancy import current_tenant_id

MAX_QUERY = 50
TRIGRAM = 3

_fts = table("products_fts", literal_column("rowid"), literal_column("tenant_id"))


def search_products(query, *, statuses=(Product.ON_SALE,), limit=50):
    """Products of the current store whose title contains every term of ``query``.

    ``statuses=None`` searches every status (the console); shoppers see only on-sale ones.
    """
    condition = title_matches(query)
    if condition is None:
        return []
    statement = select(Product).where(condition)
    if statuses is not None:
        statement = statement.where(Product.status.in_(statuses))
    if _postgres():
        statement = statement.order_by(func.similarity(Product.title, " ".join(_terms(query))).desc(), Product.id.desc())
    else:
        statement = statement.order_by(Product.id.desc())
    return db.session.scalars(statement.limit(limit).options(selectinload(Product.images))).all()


def title_matches(query):
    """The SQL condition "the title contains every term of ``query``", or None for no terms
    (for lists that page the matches in their own order)."""
    terms = _terms(query)
    if not terms:
        return None
    postgres = _postgres()
    return and_(*(_term_matches(term, postgres) for term in terms))


def _terms(query):
    # Control characters (a NUL breaks FTS5 and PostgreSQL text) never belong in a title.
    printable = "".join(ch if ch.isprintable() else " " for ch in (query or ""))
    return printable.strip()[:MAX_QUERY].split()


def _postgres():
    return db.session.get_bind().dialect.name == "postgresql"


def like_pattern(term):
    """``%term%`` with LIKE's wildcards and escape character made literal."""
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _term_matches(term, postgres):
    if postgres:
        return Product.title.ilike(like_pattern(term), escape="\\")
    if len(term) < TRIGRAM:
        return Product.title.like(like_pattern(term), escape="\\")
    phrase = '"' + term.replace('"', '""') + '"'  # one FTS5 phrase: no operators, no wildcards
    matching = select(_fts.c.rowid).where(
        literal_column("products_fts").op("MATCH")(literal(phrase)),
        _fts.c.tenant_id == current_tenant_id(),
    )
    return Product.id.in_(matching)
