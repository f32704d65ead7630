"""A thin WSGI layer in front of the Flask app: an anonymous shopper's repeat GET of a
storefront page the whole-response cache holds is answered here, without the limiter,
Babel, sessions, Flask-Login or the request hooks.

It never builds an answer of its own. When the full path answers a page from the
whole-response cache (``themes.published.cached_storefront_response`` marks the request
with a ``PageHit``), the layer keeps that response — status, headers, body — under what the
request said: host, scheme, path, query string, ``lang`` cookie and Accept-Language. The
next request saying the same is answered from the copy when

- it is a GET or HEAD with neither a session nor a remember-me cookie, and no ``ref`` code
  (the full path may set a referral cookie);
- this process's host → store cache still maps the host to the same store, open, with the
  same name and logo (``StoreRef.cache_namespace``) — an unknown or expired host goes to
  Flask, which looks it up again;
- the store's pages and catalog versions are still those the copy was made at (the same
  1 s process memo the full path reads, which hears of a change on another host at once).

Then it answers the copy's bytes and headers (304 when If-None-Match holds its ETag, as the
full path does), with its own ``X-Request-ID``. Anything else — a miss, a signed-in
shopper, a waiting flash message (which lives in the session), a POST, the console's
preview, a suspended store — goes to Flask exactly as before.
"""
import threading
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qsl

from werkzeug.http import parse_cookie, parse_etags, remove_entity_headers
from werkzeug.wsgi import get_host

from commerce.catalog.events import CATALOG
from core.cache import current_versions
from core.i18n import LANG_COOKIE
from tenants.resolve import remembered_store
from themes.published import PAGE_HIT, PAGES

MAX_COPIES = 256  # responses one process keeps (a page is ~50 KB: ≈ 13 MB at most)
REQUEST_ID = "X-Request-ID"
OK, NOT_MODIFIED = "200 OK", "304 NOT MODIFIED"
REF_PARAM = "ref"  # a distributor's code: the full path may answer it with a cookie (views/distribution.py)


@dataclass(frozen=True)
class Copy:
    host: str
    store_id: int
    cache_namespace: str
    versions: tuple
    etag: str
    headers: tuple  # the full path's 200 headers, less X-Request-ID
    not_modified_headers: tuple  # the same for a 304 (no entity headers, as werkzeug sends)
    body: bytes


class PageLayer:
    def __init__(self, app, wsgi_app, max_copies=MAX_COPIES):
        self.app = app
        self.wsgi_app = wsgi_app
        self.max_copies = max_copies
        self.private_cookies = (app.config["SESSION_COOKIE_NAME"], app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
        self._copies = {}
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        key = self._key(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        copy = self._copies.get(key)
        if copy is not None and self._fresh(copy):
            return self._answer(copy, environ, start_response)
        return self._pass_and_keep(key, environ, start_response)

    def forget(self):
        with self._lock:
            self._copies.clear()

    def _key(self, environ):
        """What the request says that a cached page depends on; None: not for this layer."""
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
            return None
        lang = None
        raw_cookies = environ.get("HTTP_COOKIE")
        if raw_cookies:
            cookies = parse_cookie(raw_cookies)
            if any(name in cookies for name in self.private_cookies):
                return None
            lang = cookies.get(LANG_COOKIE)
        query = environ.get("QUERY_STRING", "")
        if query and any(name == REF_PARAM for name, _ in parse_qsl(query, keep_blank_values=True)):
            return None
        return (get_host(environ), environ["wsgi.url_scheme"], environ.get("SCRIPT_NAME", ""),
                environ.get("PATH_INFO", ""), query, lang, environ.get("HTTP_ACCEPT_LANGUAGE"))

    def _fresh(self, copy):
        with self.app.app_context():
            store = remembered_store(copy.host)
            if store is None or store.id != copy.store_id or not store.is_open() \
                    or store.cache_namespace != copy.cache_namespace:
                return False
            return tuple(current_versions(store.id, PAGES, CATALOG)) == copy.versions

    def _answer(self, copy, environ, start_response):
        request_id = environ.get("HTTP_X_REQUEST_ID", "")
        if not (8 <= len(request_id) <= 64 and request_id.isalnum()):
            request_id = uuid.uuid4().hex
        if parse_etags(environ.get("HTTP_IF_NONE_MATCH")).contains(copy.etag):
            start_response(NOT_MODIFIED, [*copy.not_modified_headers, (REQUEST_ID, request_id)])
            return []
        start_response(OK, [*copy.headers, (REQUEST_ID, request_id)])
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [copy.body]

    def _pass_and_keep(self, key, environ, start_response):
        seen = {}

        def remember(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        result = self.wsgi_app(environ, remember)
        hit = environ.get(PAGE_HIT)
        if hit is not None and seen.get("status") == OK:
            self._keep(key, hit, seen["headers"])
        return result

    def _keep(self, key, hit, headers):
        names = {name.lower(): value for name, value in headers}
        body = hit.body.encode()
        if "set-cookie" in names or "etag" not in names or names.get("content-length") != str(len(body)):
            return  # not the cached page as it was kept (a cookie, or a body an after-request hook changed)
        kept = tuple((name, value) for name, value in headers if name != REQUEST_ID)
        not_modified = list(kept)
        remove_entity_headers(not_modified)
        copy = Copy(host=key[0], store_id=hit.store_id, cache_namespace=hit.cache_namespace,
                    versions=(hit.pages_version, hit.catalog_version), etag=names["etag"].strip('"'),
                    headers=kept, not_modified_headers=tuple(not_modified), body=body)
        with self._lock:
            if key not in self._copies and len(self._copies) >= self.max_copies:
                self._copies.pop(next(iter(self._copies)))
            self._copies[key] = copy


def init_app(app):
    """Put the layer in front of the app (inside any proxy fix, so it sees the client's host)."""
    layer = PageLayer(app, app.wsgi_app)
    app.wsgi_app = layer
    app.extensions["duoshop_page_layer"] = layer
    return layer
