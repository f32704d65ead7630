"""Storefront pages (store hosts) and the mini-program JSON API (/api/v1)."""
from flask import Blueprint, abort, g, jsonify, render_template

from commerce.catalog.service import get_product_on_sale, list_categories, list_products_on_sale
from core.extensions import csrf
from core.sites import home_view
from tenants.middleware import STORE, serve_on
from tenants.resolve import StoreNotFound

storefront_bp = serve_on(STORE, Blueprint("storefront", __name__, template_folder="templates"))
api_bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(api_bp)  # the API authenticates by token, never by cookie


def _require_open_store():
    """:raise StoreNotFound: the request names no store (API on the platform host without AppID)"""
    if g.get("tenant") is None:
        raise StoreNotFound("no AppID")
    return g.tenant


@home_view(STORE)
def home():
    return render_template("storefront/home.html", categories=list_categories(), products=list_products_on_sale())


@storefront_bp.route("/products/<int:product_id>")
def product_detail(product_id):
    product = get_product_on_sale(product_id) or abort(404)
    return render_template("storefront/product.html", product=product)


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
