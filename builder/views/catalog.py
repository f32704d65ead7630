"""Catalog screens: products (list, search, bulk shelf status, form with the SKU matrix,
images) and the category tree.

Handlers load → check access (viewers only look → 403) → call one verb from
``commerce.catalog`` → commit → redirect. A refused form re-renders with the message and
writes nothing. The SKU table is server-rendered: "Update SKU table" re-renders the form
with one row per combination of the specs entered, keeping prices already typed.
"""
import json
import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from builder.views import console_bp
from commerce.catalog.categories import (
    category_tree,
    create_category,
    delete_category,
    move_category,
    rename_category,
    shift_category,
)
from commerce.catalog.errors import InvalidProduct
from commerce.catalog.images import add_product_image, remove_product_image, request_thumbnail, shift_product_image
from commerce.catalog.models import Category, Product, ProductImage
from commerce.catalog.search import search_products
from commerce.catalog.service import create_product, delete_product, set_products_status, update_product
from commerce.catalog.skus import MAX_SKUS, MAX_SPECS, spec_combinations
from core.errors import DomainError
from core.extensions import db
from core.money import parse_yuan
from core.storage import media_storage

VALUE_SEPARATORS = re.compile(r"[,，、]")


def status_labels():
    return {Product.DRAFT: _("Draft"), Product.ON_SALE: _("On sale"), Product.OFF_SHELF: _("Off shelf")}


def require_editor():
    """:raise 403: the signed-in staff member may only look (viewer role)"""
    if not current_user.can_edit():
        abort(403)


def get_product_or_404(product_id):
    """A product of the current store, or 404 (another store's id finds nothing).

    :raise 404: no such product in this store
    """
    product = db.session.scalar(select(Product).where(Product.id == product_id))
    if product is None:
        abort(404)
    return product


def get_category_or_404(category_id):
    """:raise 404: no such category in this store"""
    category = db.session.scalar(select(Category).where(Category.id == category_id))
    if category is None:
        abort(404)
    return category


def _actor():
    return current_user._get_current_object()


# --- products -------------------------------------------------------------------------

@console_bp.route("/products")
def products_list():
    query = request.args.get("q", "").strip()
    status = request.args.get("status", "")
    statuses = (status,) if status in Product.STATUSES else None
    if query:
        products = search_products(query, statuses=statuses, limit=200)
    else:
        statement = select(Product).order_by(Product.id.desc()).limit(200)
        if statuses:
            statement = statement.where(Product.status.in_(statuses))
        products = db.session.scalars(statement).all()
    return render_template("builder/catalog/products.html", products=products, query=query, status=status,
                           status_labels=status_labels(), can_edit=current_user.can_edit())


@console_bp.route("/products/status", methods=["POST"])
def products_set_status():
    require_editor()
    ids = [int(value) for value in request.form.getlist("product_id") if value.isdigit()]
    status = request.form.get("status", "")
    try:
        changed = set_products_status(ids, status, actor=_actor())
    except DomainError as refusal:
        db.session.rollback()
        flash(str(refusal.message), "error")
        return redirect(url_for("console.products_list"))
    db.session.commit()
    flash(_("%(n)d products changed.", n=len(changed)), "success")
    return redirect(url_for("console.products_list"))


@console_bp.route("/products/new", methods=["GET", "POST"])
def product_new():
    if request.method == "GET":
        return _render_form(None, _empty_form())
    require_editor()
    return _save_form(None)


@console_bp.route("/products/<int:product_id>", methods=["GET", "POST"])
def product_edit(product_id):
    product = get_product_or_404(product_id)
    if request.method == "GET":
        return _render_form(product, _form_from_product(product))
    require_editor()
    return _save_form(product)


def _save_form(product):
    entered = _form_from_request()
    if request.form.get("action") == "matrix":
        return _render_form(product, entered)
    try:
        arguments = _product_arguments(entered)
        if product is None:
            product = create_product(actor=_actor(), **arguments)
        else:
            update_product(product, actor=_actor(), **arguments)
    except DomainError as refusal:
        db.session.rollback()
        return _render_form(product, entered, error=refusal, status=refusal.status)
    db.session.commit()
    flash(_("Product saved."), "success")
    return redirect(url_for("console.product_edit", product_id=product.id))


def _render_form(product, entered, *, error=None, status=200):
    try:
        combos = spec_combinations(entered["specs"])
    except InvalidProduct as refusal:
        combos, error = [], error or refusal
    rows = [dict(entered["rows"].get(combo, {}), spec_values=combo, key=json.dumps(combo)) for combo in combos]
    categories = category_tree()
    return render_template("builder/catalog/product_form.html", product=product, entered=entered, rows=rows,
                           error=error, categories=categories, status_labels=status_labels(),
                           spec_slots=range(MAX_SPECS), can_edit=current_user.can_edit()), status


def _empty_form():
    return {"title": "", "subtitle": "", "category_id": "", "status": Product.DRAFT, "specs": [], "rows": {},
            "description": "", "video_url": "", "tags": ""}


def _form_from_product(product):
    rows = {}
    for sku in product.skus:
        rows[tuple(sku.spec_values)] = {
            "price": _yuan(sku.price), "market_price": _yuan(sku.market_price), "stock": str(sku.stock),
            "weight": "" if sku.weight is None else str(sku.weight), "code": sku.code or "",
        }
    return {"title": product.title, "subtitle": product.subtitle or "",
            "category_id": str(product.category_id or ""), "status": product.status,
            "specs": [(spec.name, list(spec.values)) for spec in product.specs], "rows": rows,
            "description": product.description, "video_url": product.video_url or "", "tags": ", ".join(product.tags)}


def _form_from_request():
    form = request.form
    specs = []
    for slot in range(MAX_SPECS):
        name = form.get(f"spec_name_{slot}", "").strip()
        values = [v.strip() for v in VALUE_SEPARATORS.split(form.get(f"spec_values_{slot}", "")) if v.strip()]
        if name or values:
            specs.append((name, values))
    rows = {}
    count = form.get("sku_count", "")
    for index in range(min(int(count), MAX_SKUS) if count.isdigit() else 0):
        key = _sku_key(form.get(f"sku_{index}_key", ""))
        rows[key] = {name: form.get(f"sku_{index}_{name}", "").strip()
                     for name in ("price", "market_price", "stock", "weight", "code")}
    return {"title": form.get("title", ""), "subtitle": form.get("subtitle", ""),
            "category_id": form.get("category_id", ""), "status": form.get("status", Product.DRAFT),
            "specs": specs, "rows": rows, "description": form.get("description", ""),
            "video_url": form.get("video_url", ""), "tags": form.get("tags", "")}


def _sku_key(text):
    """The spec values a SKU row stands for, sent back as a JSON list; junk becomes ``()``."""
    try:
        values = json.loads(text)
    except ValueError:
        return ()
    return tuple(str(v) for v in values) if isinstance(values, list) else ()


def _product_arguments(entered):
    skus = []
    for combo, row in entered["rows"].items():
        label = " / ".join(combo) or _("the product")
        skus.append({
            "spec_values": list(combo),
            "price": _fen(row.get("price"), label, "price", required=True),
            "market_price": _fen(row.get("market_price"), label, "market_price"),
            "stock": _whole(row.get("stock"), label, "stock", required=True),
            "weight": _whole(row.get("weight"), label, "weight"),
            "code": row.get("code") or None,
        })
    category = entered["category_id"]
    return {"title": entered["title"], "subtitle": entered["subtitle"],
            "category_id": int(category) if category.isdigit() else None, "status": entered["status"],
            "specs": entered["specs"], "skus": skus, "description": entered["description"],
            "video_url": entered["video_url"], "tags": entered["tags"]}


def _fen(text, label, field, required=False):
    """``"29.9"`` yuan → ``2990`` fen."""
    if not text:
        if required:
            raise InvalidProduct(_("Enter a price for %(sku)s.", sku=label), field=field)
        return None
    fen = parse_yuan(text)
    if fen is None:
        raise InvalidProduct(_("%(value)s is not an amount in yuan (%(sku)s).", value=text, sku=label), field=field)
    return fen


def _whole(text, label, field, required=False):
    if not text:
        if required:
            raise InvalidProduct(_("Enter the stock of %(sku)s.", sku=label), field=field)
        return None
    if not re.fullmatch(r"-?\d{1,9}", text):
        raise InvalidProduct(_("%(value)s is not a whole number (%(sku)s).", value=text, sku=label), field=field)
    return int(text)


def _yuan(fen):
    return "" if fen is None else f"{fen // 100}.{fen % 100:02d}"


@console_bp.route("/products/<int:product_id>/delete", methods=["POST"])
def product_delete(product_id):
    require_editor()
    product = get_product_or_404(product_id)
    try:
        files = delete_product(product, actor=_actor())
    except DomainError as refusal:
        db.session.rollback()
        flash(str(refusal.message), "error")
        return redirect(url_for("console.product_edit", product_id=product_id))
    db.session.commit()
    storage = media_storage()
    for name in files:  # after the commit: a rolled-back delete keeps its pictures
        storage.delete(product.tenant_id, name)
    flash(_("Product deleted."), "success")
    return redirect(url_for("console.products_list"))


# --- product images -------------------------------------------------------------------

def get_image_or_404(image_id):
    """:raise 404: no such product image in this store"""
    image = db.session.scalar(select(ProductImage).where(ProductImage.id == image_id))
    if image is None:
        abort(404)
    return image


@console_bp.route("/products/<int:product_id>/images", methods=["POST"])
def product_image_upload(product_id):
    require_editor()
    product = get_product_or_404(product_id)
    upload = request.files.get("file")
    try:
        image = add_product_image(product, upload.stream if upload is not None else b"", actor=_actor())
    except DomainError as refusal:
        db.session.rollback()
        return _render_form(product, _form_from_product(product), error=refusal, status=refusal.status)
    request_thumbnail(image)
    db.session.commit()
    flash(_("Image added."), "success")
    return redirect(url_for("console.product_edit", product_id=product.id))


@console_bp.route("/products/images/<int:image_id>/move", methods=["POST"])
def product_image_move(image_id):
    require_editor()
    image = get_image_or_404(image_id)
    shift_product_image(image, actor=_actor(), offset=-1 if request.form.get("direction") == "up" else 1)
    db.session.commit()
    return redirect(url_for("console.product_edit", product_id=image.product_id))


@console_bp.route("/products/images/<int:image_id>/delete", methods=["POST"])
def product_image_delete(image_id):
    require_editor()
    image = get_image_or_404(image_id)
    product_id = image.product_id
    remove_product_image(image, actor=_actor())
    db.session.commit()
    return redirect(url_for("console.product_edit", product_id=product_id))


# --- categories -----------------------------------------------------------------------

@console_bp.route("/categories")
def categories_list():
    return _render_categories()


def _render_categories(error=None, status=200):
    return render_template("builder/catalog/categories.html", tree=category_tree(), error=error, max_depth=Category.MAX_DEPTH,
                           can_edit=current_user.can_edit()), status


def _category_parent():
    value = request.form.get("parent_id", "")
    return int(value) if value.isdigit() else None


@console_bp.route("/categories", methods=["POST"])
def category_create():
    require_editor()
    return _apply(lambda: create_category(actor=_actor(), name=request.form.get("name"), parent_id=_category_parent()))


@console_bp.route("/categories/<int:category_id>/delete", methods=["POST"])
def category_delete(category_id):
    require_editor()
    category = get_category_or_404(category_id)
    return _apply(lambda: delete_category(category, actor=_actor()))


@console_bp.route("/categories/<int:category_id>/rename", methods=["POST"])
def category_rename(category_id):
    require_editor()
    category = get_category_or_404(category_id)
    return _apply(lambda: rename_category(category, actor=_actor(), name=request.form.get("name")))


@console_bp.route("/categories/<int:category_id>/move", methods=["POST"])
def category_move(category_id):
    require_editor()
    category = get_category_or_404(category_id)
    direction = request.form.get("direction")
    if direction in ("up", "down"):
        return _apply(lambda: shift_category(category, actor=_actor(), offset=-1 if direction == "up" else 1))
    return _apply(lambda: move_category(category, actor=_actor(), parent_id=_category_parent()))


def _apply(verb):
    try:
        verb()
    except DomainError as refusal:
        db.session.rollback()
        return _render_categories(refusal, refusal.status)
    db.session.commit()
    flash(_("Categories saved."), "success")
    return redirect(url_for("console.categories_list"))
