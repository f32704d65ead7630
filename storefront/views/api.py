"""The mini-program JSON API (/api/v1): store, home page, categories, products, search.

The store comes from the host or the mini-program's AppID (``tenants.resolve``); every
error, a bad parameter included, becomes problem+json in ``core.errors``. Product lists
page with opaque cursors over a stable order (ties broken by id), so products added or
removed while a shopper scrolls never make another product repeat or go missing.
"""
import json
import re

from flask import Blueprint, Response, abort, g, jsonify, request
from flask_babel import lazy_gettext as _l
from pydantic import ValidationError

from commerce.catalog.categories import category_tree
from commerce.catalog.events import CATALOG
from commerce.catalog.listing import PRODUCT_ORDERINGS, Filters, on_sale_products
from commerce.catalog.search import did_you_mean, search_products
from commerce.catalog.service import get_product_on_sale
from commerce.members.wechat_auth import code2session
from commerce.members.wechat_login import (
    API_TOKEN_MAX_AGE,
    NotAuthenticated,
    issue_api_token,
    member_for_openid,
    member_from_api_token,
    mini_program_credentials,
)
from core.cache import cache_get, cache_get_versioned, cache_set, cache_set_versioned, current_versions
from core.errors import DomainError
from core.extensions import csrf
from core.pagination import BadCursor, paginate
from core.transaction import committed
from storefront.openapi import MAX_LIMIT, openapi_document
from tenants.resolve import StoreNotFound, appid_from_request
from themes.blocks.registry import load_blocks
from themes.data import load_page_data
from themes.models import Page
from themes.pages import store_theme
from themes.published import find_published_page

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(api_bp)  # the API authenticates by token, never by cookie

DEFAULT_LIMIT = 20
MAX_QUERY_LENGTH = 50
SORTS = ("newest", "price_asc", "price_desc", "sales")  # the orderings of commerce.catalog.listing the API offers
SEARCH_SORTS = ("relevance", *SORTS)  # with q (/search, /products?q=) the default is relevance
STORE_FREE_ENDPOINTS = {"api.openapi_json"}  # served on the platform host without an AppID
DIGITS = re.compile(r"^[0-9]{1,9}$")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
MAX_ID = 2**31 - 1  # ids are 32-bit in the database; a larger one names nothing


class BadParameter(DomainError):
    """A query parameter the API cannot use; the problem names it."""

    status = 400

    def __init__(self, name, message):
        super().__init__(message, field=name, extra={"invalid_params": [{"name": name, "reason": str(message)}]})


@api_bp.before_request
def api_needs_store():
    """:raise StoreNotFound: the request names no store (platform host without AppID)"""
    if request.endpoint in STORE_FREE_ENDPOINTS:
        return
    if g.get("tenant") is None:
        raise StoreNotFound("no AppID")


@api_bp.after_request
def cache_published_content(response):
    if (request.method in ("GET", "HEAD") and response.status_code == 200 and not response.cache_control.no_cache
            and response.cache_control.max_age is None):
        response.cache_control.public = True
        response.cache_control.max_age = 60
        response.vary.update(("X-Duoshop-AppID", "Referer", "Accept-Language"))
    return response


# --- parameters --------------------------------------------------------------------------

def _positive_int(name, raw):
    if raw is None or not DIGITS.match(raw) or int(raw) < 1:
        raise BadParameter(name, _l("%(name)s must be a positive whole number.", name=name))
    return int(raw)


def _limit():
    raw = request.args.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    if not DIGITS.match(raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadParameter("limit", _l("limit must be a whole number from 1 to %(max)d.", max=MAX_LIMIT))
    return int(raw)


def _sort(choices=SORTS, default="newest"):
    sort = request.args.get("sort", default)
    if sort not in choices:
        raise BadParameter("sort", _l("sort must be one of: %(choices)s.", choices=", ".join(choices)))
    return sort


def _query(*, required):
    text = request.args.get("q", "").strip()
    if required and not text:
        raise BadParameter("q", _l("q must name what to search for."))
    if len(text) > MAX_QUERY_LENGTH:
        raise BadParameter("q", _l("q must be at most %(max)d characters.", max=MAX_QUERY_LENGTH))
    if CONTROL_CHARACTERS.search(text):
        raise BadParameter("q", _l("q must be plain text, without control characters."))
    return text


# --- serializers (tolerant: SKUs and images appear once the catalog has them) ----------------

def _plain(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def _pick(obj, names):
    return {name: _plain(getattr(obj, name)) for name in names if hasattr(obj, name)}


SKU_FIELDS = ("id", "code", "spec_values", "price", "market_price", "stock", "weight")
SPEC_FIELDS = ("name", "values")
IMAGE_FIELDS = ("id", "url", "thumbnail_url", "alt", "position")


def _image_json(image):
    return {"url": image} if isinstance(image, str) else _pick(image, IMAGE_FIELDS)


def product_json(product, *, detail=False):
    """A list item, or with ``detail`` the whole product (its spec matrix and SKUs, loaded
    per product, hence not in lists)."""
    body = {"id": product.id, "title": product.title, "subtitle": product.subtitle, "price": product.price,
            "category_id": product.category_id, "stock": getattr(product, "stock", 0),
            "sold_count": getattr(product, "sold_count", 0) or 0}
    if hasattr(product, "images"):
        body["images"] = [_image_json(image) for image in product.images or []]
    if detail and hasattr(product, "specs"):
        body["specs"] = [_pick(spec, SPEC_FIELDS) for spec in product.specs or []]
    if detail and hasattr(product, "skus"):
        body["skus"] = [_sku_json(sku) for sku in product.skus or []]
    return body


def _sku_json(sku):
    """A SKU's fields, with the address of its own picture (None when it has none)."""
    image = getattr(sku, "image_url", None)
    return {**_pick(sku, SKU_FIELDS), "image_url": image() if callable(image) else None}


def category_json(category):
    return {"id": category.id, "name": category.name, "parent_id": category.parent_id}


# --- routes --------------------------------------------------------------------------------

@api_bp.route("/openapi.json")
def openapi_json():
    response = jsonify(openapi_document())
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


@api_bp.route("/store")
def store():
    tenant = g.tenant
    return jsonify({"slug": tenant.slug, "name": tenant.name, "logo_url": tenant.logo_url,
                    "theme": store_theme().theme})


@api_bp.route("/home")
def home():
    """The published home page: visible blocks in order with their settings and data."""
    published = find_published_page(kind=Page.HOME)
    if published is None:
        return jsonify({"page": None, "blocks": []})
    cache_key = "api:" + published.cache_key  # page, theme, catalog and language versions
    body = cache_get(g.tenant.id, cache_key)
    if body is None:
        body = json.dumps(home_json(published.page), ensure_ascii=False, separators=(",", ":"))
        cache_set(g.tenant.id, cache_key, body)
    response = Response(body, mimetype="application/json")
    response.set_etag(published.etag)
    return response.make_conditional(request)


def home_json(page):
    document = page.published_document or {}
    registry = load_blocks()
    prepared = []
    for block_id in document.get("order", []):
        block = document.get("blocks", {}).get(block_id) or {}
        block_type = registry.get(block.get("type"))
        if block_type is None or block.get("hidden"):
            continue
        try:  # a block stored under an older schema is skipped, as the H5 renderer does
            settings = block_type.settings.model_validate(block.get("settings") or {})
            children = []
            for child_id in block.get("order", []):
                child = block["blocks"][child_id]
                if not child.get("hidden"):
                    child_settings = registry[child["type"]].settings.model_validate(child.get("settings") or {})
                    children.append({"id": child_id, "type": child["type"],
                                     "settings": child_settings.model_dump(mode="json")})
        except (ValidationError, KeyError, TypeError):
            continue
        prepared.append((block_id, block_type, settings, children))
    data = load_page_data({block_id: (bt.needs(settings) if bt.needs else [])
                           for block_id, bt, settings, _ in prepared})
    blocks = []
    for block_id, block_type, settings, children in prepared:
        item = {"id": block_id, "type": block_type.name, "settings": settings.model_dump(mode="json"),
                "blocks": children}
        if "products" in data[block_id]:
            item["products"] = [product_json(p) for p in data[block_id]["products"]]
        if "categories" in data[block_id]:
            shown = data[block_id]["categories"] or []
            item["categories"] = [category_json(c) for c in shown[: getattr(settings, "count", len(shown))]]
        blocks.append(item)
    return {"page": {"id": page.id, "title": page.title, "version": page.published_version}, "blocks": blocks}


@api_bp.route("/categories")
def categories():
    return jsonify({"items": category_tree().nested(category_json)})


@api_bp.route("/products")
def products():
    return _product_page(query=_query(required=False))


@api_bp.route("/search")
def search():
    return _product_page(query=_query(required=True))


def _product_page(*, query):
    """One page of a product list. The body is cached per store under its catalog version
    and the parsed parameters, so a catalog change is seen on the next request. With a
    query, the list is ``commerce.catalog.search``'s (the storefront's search too), best
    match first unless ``sort`` says otherwise."""
    limit = _limit()
    sort = _sort(SEARCH_SORTS, "relevance") if query else _sort()
    category_raw = request.args.get("category_id")
    category_id = _positive_int("category_id", category_raw) if category_raw is not None else None
    cursor = request.args.get("cursor") or None

    store = g.tenant
    (catalog_version,) = current_versions(store.id, CATALOG)
    key = (f"api:products:{store.cache_namespace}:c{catalog_version}:"
           + json.dumps([query, category_id, sort, limit, cursor], ensure_ascii=False, separators=(",", ":")))
    body = cache_get_versioned(store.id, key)
    if body is None:  # a refused cursor raises before anything is cached
        body = json.dumps(_product_page_json(query, category_id, sort, limit, cursor), ensure_ascii=False,
                          separators=(",", ":"))
        cache_set_versioned(store.id, key, body)
    return Response(body, mimetype="application/json")


def _product_page_json(query, category_id, sort, limit, cursor):
    """:raise BadParameter: the cursor is not one we issued for this sort"""
    filters = Filters(category_id=category_id)
    try:
        if query:
            page = search_products(query, sort=sort, filters=filters, cursor=cursor, limit=limit)
        else:
            page = paginate(on_sale_products(filters), PRODUCT_ORDERINGS[sort], per_page=limit, cursor=cursor)
    except BadCursor:
        raise BadParameter("cursor", _l("cursor is not valid for this list; start again without it.")) from None
    body = {"items": [product_json(p) for p in page.items], "next_cursor": page.next_cursor}
    if query:  # 「你是不是要找」: titles to search for instead, when nothing matched
        body["suggestions"] = did_you_mean(query) if not page.items and not cursor else []
    return body


@api_bp.route("/products/<int:product_id>")
def product(product_id):
    """:raise 404: no such product on sale in this store (another store's id included)"""
    found = get_product_on_sale(product_id) if product_id <= MAX_ID else None
    if found is None:
        abort(404)
    return jsonify(product_json(found, detail=True))


# --- shoppers --------------------------------------------------------------------------------

MAX_CODE_LENGTH = 128


def _private(response):
    response.cache_control.private = True
    response.cache_control.no_store = True
    response.cache_control.max_age = 0  # never cached as published content
    return response


def current_api_member():
    """The member named by the ``Authorization: Bearer`` token, in this store.

    :raise NotAuthenticated: no token, or a forged, expired or other store's one
    """
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated(_l("Send the token from POST /api/v1/session as Authorization: Bearer <token>."))
    return member_from_api_token(token.strip(), g.tenant.id)


@api_bp.route("/session", methods=["POST"])
def create_session():
    """wx.login()'s code → code2session → the store's member → a bearer token."""
    body = request.get_json(silent=True)
    code = body.get("code") if isinstance(body, dict) else None
    if not isinstance(code, str) or not code.strip() or len(code) > MAX_CODE_LENGTH \
            or CONTROL_CHARACTERS.search(code):
        raise BadParameter("code", _l("code must be the code from wx.login()."))
    appid, secret = mini_program_credentials(appid_from_request(request.headers.get("X-Duoshop-AppID"),
                                                                request.headers.get("Referer")))
    wechat_session = code2session(appid, secret, code.strip())
    with committed():
        member = member_for_openid(wechat_session.openid)
    return _private(jsonify({"token": issue_api_token(member), "token_type": "Bearer",
                             "expires_in": API_TOKEN_MAX_AGE, "member": member_json(member)}))


def member_json(member):
    return {"id": member.id, "nickname": member.nickname, "has_phone": bool(member.phone)}


@api_bp.route("/me")
def me():
    return _private(jsonify(member_json(current_api_member())))
