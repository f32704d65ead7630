"""What a mini-program browses: the store, its published pages, categories, products and
search. Product lists page with opaque cursors over a stable order (ties broken by id), so
products added or removed while a shopper scrolls never repeat or go missing."""
import hashlib
import json
import re
from typing import Literal

from flask import Response, abort, g, jsonify, request
from flask_babel import lazy_gettext as _l
from pydantic import Field, ValidationError, field_validator

from commerce.catalog.categories import category_tree
from commerce.catalog.events import CATALOG
from commerce.catalog.listing import PRODUCT_ORDERINGS, Filters, on_sale_products
from commerce.catalog.search import did_you_mean, search_products
from commerce.catalog.service import get_product_on_sale
from core.cache import cache_get, cache_get_versioned, cache_set, cache_set_versioned, current_versions
from core.pagination import BadCursor, paginate
from storefront.api.blueprint import MAX_ID, BadParameter, absolute, api_bp
from storefront.api.models import MAX_LIMIT, Category, Model, PageQuery, Product, Url
from storefront.api.spec import link, openapi_document, responses, spec
from themes.blocks.registry import load_blocks
from themes.data import load_page_data
from themes.models import Page
from themes.pages import PAGE_SLUG, store_colors, store_theme
from themes.published import find_published_page
from themes.share import page_share, product_share

MAX_QUERY_LENGTH = 50
SORTS = ("newest", "price_asc", "price_desc", "sales")  # the orderings of commerce.catalog.listing the API offers
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
TAG = "catalog"


# --- models ----------------------------------------------------------------------------------

class StoreInfo(Model):
    slug: str
    name: str
    logo_url: Url | None
    theme: str = Field(description="Name of the store's theme (default, promo, boutique …).")
    colors: dict[str, str] = Field(description="The theme's colours by role: primary, accent, background "
                                               "(CSS colours). A theme change shows here at once.")


class CategoryNode(Category):
    children: list["CategoryNode"]


class CategoryTree(Model):
    items: list[CategoryNode]


class ChildBlock(Model):
    id: str
    type: str
    settings: dict


class Block(Model):
    """A visible block of the page, in display order; product and category blocks carry what
    they show."""

    id: str
    type: str = Field(description="Block type, e.g. banner, product_grid, category_grid.")
    settings: dict = Field(description="The block's settings, as validated by its schema.")
    blocks: list[ChildBlock] = Field(description="Nested blocks (slides …).")
    products: list[Product] | None = None
    categories: list[Category] | None = None


class ShareCard(Model):
    """What a share of this page or product shows (the H5 store's duoshop:share-* meta tags):
    pass to ``onShareAppMessage`` as title, imageUrl and path."""

    title: str
    desc: str
    image: Url | None = Field(description="The card's picture; null when the store has none to offer.")
    path: str = Field(description="The mini-program page that opens the shared page or product.")


class PageInfo(Model):
    id: int
    title: str
    version: int


class PublishedPage(Model):
    page: PageInfo | None = Field(description="null when the store has never published this page.")
    blocks: list[Block]
    share: ShareCard


class ProductDetail(Product):
    share: ShareCard


class ProductPage(Model):
    items: list[Product] = Field(max_length=MAX_LIMIT)
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")
    suggestions: list[str] | None = Field(None, max_length=5, description=(
        "With `q` only: when nothing matched (first page), titles of products sharing most of its words, "
        "to offer as 你是不是要找; else empty."))


class ProductQuery(PageQuery):
    sort: Literal["relevance", "newest", "price_asc", "price_desc", "sales"] | None = Field(
        None, description="`relevance` (best match first) only with `q`, and then the default; else `newest`.")
    category_id: int | None = Field(None, ge=1, le=MAX_ID, description="Only this category and its subcategories.")
    q: str | None = Field(None, max_length=MAX_QUERY_LENGTH, pattern=r"^[^\x00-\x1f\x7f]*$",
                          description="Search text.")

    @field_validator("q")
    @classmethod
    def _stripped(cls, text):
        return text.strip() if text is not None else None


class SearchQuery(ProductQuery):
    q: str = Field(min_length=1, max_length=MAX_QUERY_LENGTH, pattern=r"^[^\x00-\x1f\x7f]*$",
                   description="Search text.")

    @field_validator("q")
    @classmethod
    def _something(cls, text):
        if not text.strip():
            raise ValueError("must name what to search for")
        return text.strip()


# --- serializers -----------------------------------------------------------------------------

def image_json(image):
    return {"id": image.id, "url": absolute(image.url()), "thumbnail_url": absolute(image.thumbnail_url()),
            "width": image.width, "height": image.height, "position": image.position}


def product_json(product, *, detail=False):
    """A list item, or with ``detail`` the whole product (its spec matrix and SKUs, loaded per
    product, hence not in lists)."""
    body = {"id": product.id, "title": product.title, "subtitle": product.subtitle, "price": product.price,
            "category_id": product.category_id, "stock": product.stock, "sold_count": product.sold_count or 0,
            "images": [image_json(image) for image in product.images]}
    if detail:
        body["specs"] = [{"name": spec_.name, "values": list(spec_.values)} for spec_ in product.specs]
        body["skus"] = [sku_json(sku) for sku in product.skus]
        body["description"] = product.description
    return body


def sku_json(sku):
    return {"id": sku.id, "code": sku.code, "spec_values": list(sku.spec_values or []), "price": sku.price,
            "market_price": sku.market_price, "stock": sku.stock,
            "weight": sku.weight, "image_url": absolute(sku.image_url())}


def category_json(category):
    return {"id": category.id, "name": category.name, "parent_id": category.parent_id}


# --- routes ------------------------------------------------------------------------------------

@api_bp.route("/openapi.json")
def openapi_json():
    """This document (not itself described in it)."""
    response = jsonify(openapi_document())
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


@api_bp.route("/store")
@spec.validate(resp=responses(StoreInfo, errors=(404,)), tags=[TAG])
def store():
    """The store: its name, logo, theme and colours."""
    tenant = g.tenant
    return jsonify({"slug": tenant.slug, "name": tenant.name, "logo_url": absolute(tenant.logo_url),
                    "theme": store_theme().theme, "colors": store_colors()})


@api_bp.route("/home")
@spec.validate(resp=responses(PublishedPage, errors=(404,), no_body=(304,)), tags=[TAG])
def home():
    """The published home page: visible blocks in order with their settings and data."""
    return _published(find_published_page(kind=Page.HOME))


@api_bp.route("/pages/<slug>")
@spec.validate(resp=responses(PublishedPage, errors=(404,), no_body=(304,)), tags=[TAG],
               path_parameter_descriptions={"slug": "The page's address name, as in the H5 store's /p/{slug}."})
def page(slug):
    """Another published page of the store (a campaign or custom page a block links to)."""
    found = find_published_page(slug=slug) if PAGE_SLUG.match(slug) else None
    if found is None:
        abort(404)
    return _published(found)


def _published(published):
    if published is None:
        return jsonify({"page": None, "blocks": [], "share": share_json(
            {"title": g.tenant.name, "desc": g.tenant.name, "image": g.tenant.logo_url}, HOME_PATH)})
    # page, theme, catalog and language versions; the store's name and logo (the share card's defaults)
    cache_key = f"api:{published.cache_key}:{g.tenant.cache_namespace}"
    body = cache_get(g.tenant.id, cache_key)
    if body is None:
        body = json.dumps(page_json(published.page), ensure_ascii=False, separators=(",", ":"))
        cache_set(g.tenant.id, cache_key, body)
    response = Response(body, mimetype="application/json")
    response.set_etag(hashlib.sha1(cache_key.encode()).hexdigest())
    return response.make_conditional(request)


HOME_PATH = "/pages/home/home"  # the mini-program's pages that open a shared page or product


def share_json(card, path):
    return {"title": card["title"], "desc": card["desc"], "image": absolute(card["image"] or None), "path": path}


def page_path(page):
    return HOME_PATH if page.kind == Page.HOME else f"/pages/page/page?slug={page.slug}"


def page_json(page):
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
                                     "settings": _absolute_images(child_settings.model_dump(mode="json"))})
        except (ValidationError, KeyError, TypeError):
            continue
        prepared.append((block_id, block_type, settings, children))
    data = load_page_data({block_id: (bt.needs(settings) if bt.needs else [])
                           for block_id, bt, settings, _ in prepared})
    blocks = []
    for block_id, block_type, settings, children in prepared:
        item = {"id": block_id, "type": block_type.name,
                "settings": _absolute_images(settings.model_dump(mode="json")), "blocks": children}
        if "products" in data[block_id]:
            item["products"] = [product_json(p) for p in data[block_id]["products"]]
        if "categories" in data[block_id]:
            shown = data[block_id]["categories"] or []
            item["categories"] = [category_json(c) for c in shown[: getattr(settings, "count", len(shown))]]
        blocks.append(item)
    return {"page": {"id": page.id, "title": page.title, "version": page.published_version}, "blocks": blocks,
            "share": share_json(page_share(page, g.tenant), page_path(page))}


def _absolute_images(settings):
    """Image settings hold the store's media paths; the mini-program needs whole links."""
    return {name: absolute(value) if isinstance(value, str) and value.startswith("/media/") else value
            for name, value in settings.items()}


@api_bp.route("/categories")
@spec.validate(resp=responses(CategoryTree, errors=(404,)), tags=[TAG])
def categories():
    """The category tree: root categories, each with its children."""
    return jsonify({"items": category_tree().nested(category_json)})


@link(200, "OpenFirst", to="product", parameters={"path.product_id": "$response.body#/items/0/id"})
@api_bp.route("/products")
@spec.validate(query=ProductQuery, resp=responses(ProductPage, errors=(400, 404)), tags=[TAG])
def products():
    """Products on sale, a page at a time; with `q`, the search's matches."""
    return _product_page(request.context.query)


@api_bp.route("/search")
@spec.validate(query=SearchQuery, resp=responses(ProductPage, errors=(400, 404)), tags=[TAG])
def search():
    """Search products on sale (the storefront's search): best match first unless `sort` says."""
    return _product_page(request.context.query)


def _product_page(params):
    """One page of a product list. The body is cached per store under its catalog version and
    the parsed parameters, so a catalog change is seen on the next request."""
    query = params.q or ""
    sort = params.sort or ("relevance" if query else "newest")
    if sort == "relevance" and not query:
        raise BadParameter("sort", _l("sort must be one of: %(choices)s.", choices=", ".join(SORTS)))
    store = g.tenant
    (catalog_version,) = current_versions(store.id, CATALOG)
    key = (f"api:products:{store.cache_namespace}:c{catalog_version}:"
           + json.dumps([query, params.category_id, sort, params.limit, params.cursor], ensure_ascii=False,
                        separators=(",", ":")))
    body = cache_get_versioned(store.id, key)
    if body is None:  # a refused cursor raises before anything is cached
        body = json.dumps(_product_page_json(query, params.category_id, sort, params.limit, params.cursor),
                          ensure_ascii=False, separators=(",", ":"))
        cache_set_versioned(store.id, key, body)
    return Response(body, mimetype="application/json")


def _product_page_json(query, category_id, sort, limit, cursor):
    """:raise BadParameter: the cursor is not one we issued for this sort"""
    filters = Filters(category_id=category_id)
    try:
        if query:
            found = search_products(query, sort=sort, filters=filters, cursor=cursor, limit=limit)
        else:
            found = paginate(on_sale_products(filters), PRODUCT_ORDERINGS[sort], per_page=limit, cursor=cursor)
    except BadCursor:
        raise BadParameter("cursor", _l("cursor is not valid for this list; start again without it.")) from None
    body = {"items": [product_json(p) for p in found.items], "next_cursor": found.next_cursor}
    if query:  # 「你是不是要找」: titles to search for instead, when nothing matched
        body["suggestions"] = did_you_mean(query) if not found.items and not cursor else []
    return body


@link(200, "AddFirstSku", to="cart_add", body={"sku_id": "$response.body#/skus/0/id", "quantity": 1})
@link(200, "BuyFirstSkuNow", to="checkout_preview",
      body={"items": [{"sku_id": "$response.body#/skus/0/id", "quantity": 1}], "coupon_id": None})
@api_bp.route("/products/<int:product_id>")
@spec.validate(resp=responses(ProductDetail, errors=(404,)), tags=[TAG])
def product(product_id):
    """One product on sale, with its specs, SKUs and share card. :raise 404: not on sale in this store"""
    found = get_product_on_sale(product_id) if product_id <= MAX_ID else None
    if found is None:
        abort(404)
    return jsonify({**product_json(found, detail=True),
                    "share": share_json(product_share(found, g.tenant), f"/pages/product/product?id={found.id}")})
