"""Storefront pages (store hosts) and the mini-program JSON API (/api/v1)."""
from flask import Blueprint, Response, abort, g, jsonify, render_template, request
from markupsafe import Markup

from commerce.catalog.service import get_product_on_sale, list_categories, list_products_on_sale, search_products
from core.extensions import csrf
from core.sites import home_view
from tenants.middleware import STORE, serve_on
from tenants.resolve import StoreNotFound
from themes.models import Page
from themes.pages import store_theme
from themes.published import find_published_page, render_published, store_theme_css

storefront_bp = serve_on(STORE, Blueprint("storefront", __name__, template_folder="templates"))
api_bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(api_bp)  # the API authenticates by token, never by cookie


def _require_open_store():
    """:raise StoreNotFound: the request names no store (API on the platform host without AppID)"""
    if g.get("tenant") is None:
        raise StoreNotFound("no AppID")
    return g.tenant


@storefront_bp.app_context_processor
def inject_store_theme():
    """Store pages (home included, which is routed by core) link their theme's stylesheet."""
    if g.get("site") != STORE or g.get("tenant") is None:
        return {}
    return {"store_theme_name": store_theme().theme}


def _page_response(published):
    """The published page, or 304 when the browser already has this exact version."""
    if published is None:
        abort(404)
    if request.if_none_match.contains(published.etag):
        response = Response(status=304)
    else:
        html = Markup(render_published(published, store=g.tenant))
        response = Response(render_template("storefront/page.html", page=published.page, page_html=html))
    response.set_etag(published.etag)
    response.cache_control.no_cache = True  # revalidate every time: ETag makes that cheap
    return response


@home_view(STORE)
def home():
    published = find_published_page(kind=Page.HOME)
    if published is None or not published.page.published_document.get("order"):
        # A store that has not decorated its home page yet still shows its products.
        return render_template("storefront/home.html", categories=list_categories(), products=list_products_on_sale())
    return _page_response(published)


@storefront_bp.route("/p/<slug>")
def custom_page(slug):
    return _page_response(find_published_page(slug=slug))


@storefront_bp.route("/products/<int:product_id>")
def product_detail(product_id):
    product = get_product_on_sale(product_id) or abort(404)
    layout = find_published_page(kind=Page.PRODUCT_DETAIL)  # blocks the merchant placed under every product
    layout_html = Markup(render_published(layout, store=g.tenant)) if layout else None
    return render_template("storefront/product.html", product=product, layout_html=layout_html)


@storefront_bp.route("/c/<int:category_id>")
def category(category_id):
    categories = {c.id: c for c in list_categories()}
    if category_id not in categories:
        abort(404)
    products = [p for p in list_products_on_sale(limit=200) if p.category_id == category_id]
    return render_template("storefront/category.html", category=categories[category_id], products=products)


@storefront_bp.route("/search")
def search():
    query = request.args.get("q", "")
    return render_template("storefront/search.html", query=query, products=search_products(query))


@storefront_bp.route("/theme.css")
def theme_stylesheet():
    css, row = store_theme_css()
    response = Response(css, mimetype="text/css")
    response.set_etag(f"theme-{row.theme}-{row.version}")
    response.cache_control.no_cache = True
    return response.make_conditional(request)


@api_bp.before_request
def api_needs_store():
    _require_open_store()


@api_bp.route("/store")
def api_store():
    tenant = g.tenant
    return jsonify({"slug": tenant.slug, "name": tenant.name, "logo_url": tenant.logo_url})


def _product_json(product):
    return {"id": product.id, "title": product.title, "subtitle": product.subtitle, "price": product.price,
            "category_id": product.category_id}


@api_bp.route("/products")
def api_products():
    return jsonify({"items": [_product_json(p) for p in list_products_on_sale()]})


@api_bp.route("/products/<int:product_id>")
def api_product(product_id):
    product = get_product_on_sale(product_id)
    if product is None:
        abort(404)
    return jsonify(_product_json(product))


@api_bp.route("/categories")
def api_categories():
    return jsonify({"items": [{"id": c.id, "name": c.name, "parent_id": c.parent_id} for c in list_categories()]})
