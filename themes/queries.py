"""Named reads of a store's pages for the console (the session scopes every select)."""
from sqlalchemy import case, select

from core.extensions import db
from core.pagination import Key, Ordering, paginate
from themes.models import Page

_KIND_RANK = {Page.HOME: 0, Page.PRODUCT_DETAIL: 1}  # the fixed pages first, then custom ones by age
CONSOLE_PAGES = Ordering("console:pages",
                         Key(case(_KIND_RANK, value=Page.kind, else_=2), value=lambda p: _KIND_RANK.get(p.kind, 2)),
                         Page.id)


def find_page(page_id):
    """The current store's page, or None."""
    return db.session.scalar(select(Page).where(Page.id == page_id))


def console_pages(*, cursor=None, per_page=50):
    """A ``core.pagination.Page`` of the store's pages (home, product layout, then custom
    pages oldest first) with the total count.

    :raise BadCursor: ``cursor`` is not from this list
    """
    return paginate(select(Page), CONSOLE_PAGES, per_page=per_page, cursor=cursor, with_total=True)


def custom_pages_by_title():
    return db.session.scalars(select(Page).where(Page.kind == Page.CUSTOM).order_by(Page.title)).all()


def published_custom_pages():
    """``[(slug, published_at), …]`` of the store's published custom pages (for the sitemap)."""
    return db.session.execute(select(Page.slug, Page.published_at).where(
        Page.kind == Page.CUSTOM, Page.published_at.is_not(None)).order_by(Page.id)).all()
