"""Published pages as shoppers get them: rendered once, then served from the cache.

The cache key holds everything the HTML depends on — page version, theme and its
settings version, the catalog version (bumped by any product or category change in the
store) and the language — so nothing is ever deleted: a change makes a new key. The ETag
is derived from the same key, so a repeat visit gets 304 without rendering.
"""
import hashlib
from dataclasses import dataclass

from flask_babel import get_locale
from markupsafe import Markup
from sqlalchemy import select

from commerce.catalog.events import CATALOG
from core.cache import cache_get, cache_set, current_version
from core.extensions import db
from themes.models import Page
from themes.pages import store_theme
from themes.renderer import render_document
from themes.theme import get_theme, theme_css


@dataclass(frozen=True)
class PublishedPage:
    page: Page
    cache_key: str

    @property
    def etag(self):
        return hashlib.sha1(self.cache_key.encode()).hexdigest()


def find_published_page(*, slug=None, kind=None):
    statement = select(Page).where(Page.published_document.is_not(None))
    statement = statement.where(Page.slug == slug) if slug else statement.where(Page.kind == kind)
    page = db.session.scalar(statement)
    if page is None:
        return None
    theme_row = store_theme()
    key = (f"page:{page.id}:v{page.published_version}:{theme_row.theme}:t{theme_row.version}"
           f":c{current_version(page.tenant_id, CATALOG)}:{get_locale()}")
    return PublishedPage(page, key)


def render_published(published, *, store):
    """The page's HTML, from the cache when it is there. The cached text is our renderer's
    own escaped output, so it is marked safe here, in one place, not in every view."""
    html = cache_get(published.page.tenant_id, published.cache_key)
    if html is None:
        html = str(render_draft_or_published(published.page.published_document, store=store))
        cache_set(published.page.tenant_id, published.cache_key, html)
    return Markup(html)


def render_draft_or_published(document, *, store):
    row = store_theme()
    theme = get_theme(row.theme)
    return render_document(document, theme=theme, theme_settings=theme.settings_from(row.settings), store=store)


def store_theme_css():
    row = store_theme()
    return theme_css(get_theme(row.theme).settings_from(row.settings)), row
