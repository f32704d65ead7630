"""Product search that finds what a shopper means: the one search of the storefront's
/search page and the API's /search (and the console's product filter).

Matching (same SQL on SQLite and PostgreSQL): the query's terms (``search_terms.py``: jieba
words cut down to one or two characters, Latin prefixes, whole numbers) must each be one of
the product's index tokens, in any order: ``search_terms LIKE '% 陶瓷 %' AND … LIKE '% 杯 %'``.
On PostgreSQL a pg_trgm GIN index on ``search_terms`` serves those LIKEs (a token pattern
padded with spaces has trigrams even for one character); on SQLite they are checked on the
store's on-sale rows, which is plenty for one store's catalog. pg_trgm on the raw title was
not enough: it needs three characters, and similarity ranks 「陶瓷杯」 far from
「手作陶瓷马克杯」 however the words are spread.

Ranking (``sort="relevance"``, the default): 2 points for every term found in the title (not
only in the subtitle, tags or category), 3 more when the title holds the whole query as
typed; then best selling, then newest. The score is computed in SQL and again from the loaded
row for the page cursor, from the same normalized title, so both agree.

No match: ``did_you_mean`` offers the on-sale titles sharing most of the query's characters
and words (at least half), for 「你是不是要找」.
"""
from sqlalchemy import and_, case, or_, select

from commerce.catalog.listing import PRODUCT_ORDERINGS, Filters, on_sale_products
from commerce.catalog.models import Product
from commerce.catalog.search_terms import phrase, query_terms, query_units
from core.extensions import db
from core.pagination import BadCursor, Key, Ordering, Page, paginate

TITLE_POINTS = 2
PHRASE_POINTS = 3
SUGGESTIONS = 5


def search_products(query, *, sort="relevance", filters=None, cursor=None, limit=20):
    """One ``core.pagination.Page`` of the current store's products on sale matching every
    term of ``query``, images loaded; an empty page when the query has no terms.

    :raise BadCursor: ``cursor`` was not made for this sort (a query with no terms has no
        pages, so any cursor with it is one we never handed out)
    :raise KeyError: unknown ``sort``
    """
    terms = query_terms(query)
    if not terms:
        if cursor:
            raise BadCursor()
        return Page([], None, None)
    ordering = relevance_ordering(query, terms) if sort == "relevance" else PRODUCT_ORDERINGS[sort]
    statement = on_sale_products(filters or Filters()).where(_all_of(terms))
    return paginate(statement, ordering, per_page=limit, cursor=cursor)


def matches(query):
    """The SQL condition "the product has every term of ``query``", or None for no terms
    (for lists that page the matches in their own order, like the console's)."""
    terms = query_terms(query)
    return _all_of(terms) if terms else None


def relevance_ordering(query, terms):
    typed = phrase(query)
    score = sum((case((_any_in_title(term), TITLE_POINTS), else_=0) for term in terms),
                case((Product.search_title.like(_contains(typed), escape="\\"), PHRASE_POINTS), else_=0))

    def score_of(product):
        title = product.search_title
        return (sum(TITLE_POINTS for term in terms if any(alt in title for alt in term.alternatives))
                + (PHRASE_POINTS if typed in title else 0))

    return Ordering("products:relevance", Key(score, descending=True, value=score_of),
                    Product.sold_count.desc(), Product.id.desc())


def did_you_mean(query, limit=SUGGESTIONS):
    """Titles of on-sale products that share at least half of the query's characters and
    words, most shared first (then best selling): for a query that found nothing."""
    units = query_units(query)
    if not units:
        return []
    shared = sum(case((Product.search_terms.like(_token(unit), escape="\\"), 1), else_=0) for unit in units)
    statement = (select(Product.title).where(Product.status == Product.ON_SALE, shared >= (len(units) + 1) // 2)
                 .order_by(shared.desc(), Product.sold_count.desc(), Product.id.desc()).limit(limit))
    return list(db.session.scalars(statement))


def _all_of(terms):
    return and_(*(_has(term) for term in terms))


def _has(term):
    pattern = _token_start if term.prefix else _token
    return or_(*(Product.search_terms.like(pattern(alt), escape="\\") for alt in term.alternatives))


def _any_in_title(term):
    return or_(*(Product.search_title.like(_contains(alt), escape="\\") for alt in term.alternatives))


def _escape(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _token(text):
    return f"% {_escape(text)} %"


def _token_start(text):
    return f"% {_escape(text)}%"


def _contains(text):
    return f"%{_escape(text)}%"

