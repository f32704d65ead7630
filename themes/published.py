"""Published pages as shoppers get them: rendered once, then served from the cache.

The cache key holds everything the HTML depends on — page version, theme and its
settings version, the catalog version (bumped by any product or category change in the
store) and the language — so nothing is ever deleted: a change makes a new key. The ETag
is derived from the same key, so a repeat visit gets 304 without rendering.

``cached_storefront_response`` goes further for anonymous shoppers: the whole response
(shell included) is kept under a key made of the store's ``pages`` version (bumped when a
page is published or rolled back, or the theme or its settings change), its catalog
version, its name and logo, the host and the language, so a cached page, or a 304, is
answered with one cache read (the versions; the body is kept in the process too) and no
SQL at all.
"""
import hashlib
from dataclasses import dataclass

from flask import Response, current_app, g, request, session
from flask_babel import get_locale
from markupsafe import Markup
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from commerce.catalog.events import CATALOG
from core.cache import (
    bump_version_on_commit,
    cache_get,
    cache_get_versioned,
    cache_set,
    cache_set_versioned,
    current_version,
    current_versions,
)
from core.extensions import db
from core.script_integrity import scripts_fingerprint
from themes.models import Page, PageVersion, StoreTheme
from themes.pages import store_theme
from themes.renderer import render_document
from themes.theme import get_theme, theme_css

PAGES = "pages"  # version of the store's published pages and theme
PAGE_MODELS = (Page, PageVersion, StoreTheme)  # publish adds a PageVersion; a theme change edits StoreTheme


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


@event.listens_for(Session, "after_flush")
def _pages_changed(session, flush_context):
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, PAGE_MODELS) and obj.tenant_id is not None:
            bump_version_on_commit(session, obj.tenant_id, PAGES)


PAGE_HIT = "duoshop.page_hit"  # WSGI environ key: what the whole-response cache answered (storefront.page_layer)


@dataclass(frozen=True)
class PageHit:
    """A whole page answered from the cache, and everything its key was made of that the
    request did not say itself: ``storefront.page_layer`` keeps the response with it."""

    store_id: int
    cache_namespace: str
    pages_version: int
    catalog_version: int
    body: str


def _is_anonymous():
    return request.method in ("GET", "HEAD") and current_app.config["SESSION_COOKIE_NAME"] not in request.cookies


def cached_storefront_response(name, build):
    """The response of a storefront page for anonymous shoppers, from the cache, or
    ``build()`` kept there when it is a 200 that started no session; 304 when the browser
    already has it. ``name`` tells this page from the store's others (``"home"``,
    ``"p/sale"``, ``"product/12"``); everything a page shows must follow from the store's
    pages and catalog versions, its name and logo, the host, the language and the scripts'
    hashes (``core.script_integrity``). Visitors with a session (a signed-in shopper, flashed
    messages) always get ``build()``.
    """
    if not _is_anonymous() or not current_app.config.get("PAGE_CACHE", True):
        return build()
    store = g.tenant
    pages_version, catalog_version = current_versions(store.id, PAGES, CATALOG)
    key = (f"response:{name}:{request.host}:{store.cache_namespace}"
           f":p{pages_version}:c{catalog_version}:{get_locale()}:s{scripts_fingerprint()}")
    etag = hashlib.sha1(key.encode()).hexdigest()
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        body = cache_get_versioned(store.id, key)
        if body is not None:
            response = Response(body, mimetype="text/html")
            request.environ[PAGE_HIT] = PageHit(store.id, store.cache_namespace, pages_version, catalog_version, body)
        else:
            response = build()
            if response.status_code != 200 or session.modified or response.is_streamed:
                return response
            cache_set_versioned(store.id, key, response.get_data(as_text=True))
    response.set_etag(etag)
    response.cache_control.no_cache = True  # revalidate every time: the ETag makes that cheap
    response.vary.update(("Cookie", "Accept-Language"))
    return response
