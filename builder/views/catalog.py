"""Catalog screens: products (list, search, bulk shelf status, form with the SKU matrix,
images) and the category tree.

Handlers load → check access (viewers only look → 403) → call one verb from
``commerce.catalog`` → commit → redirect. A refused form re-renders with the message and
writes nothing. The SKU table is server-rendered: "Update SKU table" re-renders the form
with one row per combination of the specs entered, keeping prices already typed.
"""
import json

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from builder.blueprints import console_bp
from builder.forms.catalog import CategoryForm, MoveForm, ProductForm, ProductStatusForm
from builder.forms.media import PickImageForm
from commerce.catalog.categories import (
    category_tree,
    create_category,
    delete_category,
    move_category,
    rename_category,
    shift_category,
)
from commerce.catalog.errors import InvalidProduct
from commerce.catalog.images import (
    add_library_image_to_product,
    add_product_image,
    remove_product_image,
    request_thumbnail,
    shift_product_image,
)
from commerce.catalog.models import SKU, Category, Product
from commerce.catalog.queries import (
    console_products,
    find_category,
    find_library_image,
    find_product,
    find_product_image,
    sku_price_ranges,
)
from commerce.catalog.service import create_product, delete_product, set_products_status, update_product
from commerce.catalog.skus import MAX_SPECS, spec_combinations
from core.refusals import Attempt
from core.storage import media_storage

PAGE_SIZE = 50


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
    product = find_product(product_id)
    if product is None:
        abort(404)
    return product


def get_category_or_404(category_id):
    """:raise 404: no such category in this store"""
    category = find_category(category_id)
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
    stock = "low" if request.args.get("stock") == "low" else ""  # 库存预警 of the 概况 links here
    page = console_products(query=query, statuses=statuses, low_stock=bool(stock), cursor=request.args.get("cursor"),
                            per_page=PAGE_SIZE)
    price_ranges = sku_price_ranges([product.id for product in page.items])
    return render_template("builder/catalog/products.html", page=page, products=page.items, query=query,
                           price_ranges=price_ranges, status=status, stock=stock, low_stock=SKU.LOW_STOCK,
                           status_labels=status_labels(), can_edit=current_user.can_edit())


@console_bp.route("/products/status", methods=["POST"])
def products_set_status():
    require_editor()
    form = ProductStatusForm()
    with Attempt() as attempt:  # a refusal is flashed above the list
        changed = set_products_status(form.product_id.data or [], form.status.data or "", actor=_actor())
    if not attempt.refused:
        flash(_("%(n)d products changed.", n=len(changed)), "success")
    return redirect(url_for("console.products_list"))


@console_bp.route("/products/new", methods=["GET", "POST"])
def product_new():
    if request.method == "GET":
        return _render_form(None, ProductForm(formdata=None))
    require_editor()
    return _save_form(None, ProductForm())


@console_bp.route("/products/<int:product_id>", methods=["GET", "POST"])
def product_edit(product_id):
    product = get_product_or_404(product_id)
    if request.method == "GET":
        return _render_form(product, ProductForm.for_product(product))
    require_editor()
    return _save_form(product, ProductForm())


def _save_form(product, form):
    if form.wants_matrix:
        return _render_form(product, form)
    if not form.validate():
        problem = form.first_problem()
        return _render_form(product, form, error=problem, status=problem.status)
    with Attempt(form, flash=False) as attempt:
        if product is None:
            product = create_product(actor=_actor(), **form.product_arguments())
        else:
            update_product(product, actor=_actor(), **form.product_arguments())
    if attempt.refused:
        return _render_form(product, form, error=attempt.refusal, status=attempt.status)
    flash(_("Product saved."), "success")
    return redirect(url_for("console.product_edit", product_id=product.id))


def _render_form(product, form, *, error=None, status=200):
    specs = form.specs()
    try:
        combos = spec_combinations(specs)
    except InvalidProduct as refusal:
        combos, error = [], error or refusal
    typed = form.rows_by_spec_values()
    rows = [dict(typed[combo].shown() if combo in typed else {}, spec_values=combo, key=json.dumps(combo))
            for combo in combos]
    entered = {"title": form.title.data or "", "subtitle": form.subtitle.data or "",
               "category_id": str(form.category_id.data or ""), "status": form.status.data or Product.DRAFT,
               "specs": specs, "description": form.description.data or "", "video_url": form.video_url.data or "",
               "tags": form.tags.data or ""}
    return render_template("builder/catalog/product_form.html", product=product, entered=entered, rows=rows,
                           error=error, categories=category_tree(), status_labels=status_labels(),
                           spec_slots=range(MAX_SPECS), can_edit=current_user.can_edit()), status


@console_bp.route("/products/<int:product_id>/delete", methods=["POST"])
def product_delete(product_id):
    require_editor()
    product = get_product_or_404(product_id)
    with Attempt() as attempt:
        files = delete_product(product, actor=_actor())
    if attempt.refused:
        return redirect(url_for("console.product_edit", product_id=product_id))
    storage = media_storage()
    for name in files:  # after the commit: a rolled-back delete keeps its pictures
        storage.delete(product.tenant_id, name)
    flash(_("Product deleted."), "success")
    return redirect(url_for("console.products_list"))


# --- product images -------------------------------------------------------------------

def get_image_or_404(image_id):
    """:raise 404: no such product image in this store"""
    image = find_product_image(image_id)
    if image is None:
        abort(404)
    return image


@console_bp.route("/products/<int:product_id>/images", methods=["POST"])
def product_image_upload(product_id):
    require_editor()
    product = get_product_or_404(product_id)
    upload = request.files.get("file")
    return _add_image(product, lambda: add_product_image(
        product, upload.stream if upload is not None else b"", actor=_actor(),
        name=upload.filename if upload is not None else None))


@console_bp.route("/products/<int:product_id>/images/pick", methods=["POST"])
def product_image_pick(product_id):
    """Add a picture chosen in the image library's picker."""
    require_editor()
    product = get_product_or_404(product_id)
    picked = find_library_image(PickImageForm().library_image_id.data)
    if picked is None:
        abort(404)
    return _add_image(product, lambda: add_library_image_to_product(product, picked, actor=_actor()))


def _add_image(product, verb):
    """Run one verb that adds a product image: added → back to the form; refused → the form with the message."""
    with Attempt(flash=False) as attempt:
        request_thumbnail(verb())
    if attempt.refused:
        return _render_form(product, ProductForm.for_product(product), error=attempt.refusal, status=attempt.status)
    flash(_("Image added."), "success")
    return redirect(url_for("console.product_edit", product_id=product.id))


@console_bp.route("/products/images/<int:image_id>/move", methods=["POST"])
def product_image_move(image_id):
    require_editor()
    image = get_image_or_404(image_id)
    form = MoveForm()
    with Attempt():
        shift_product_image(image, actor=_actor(), offset=-1 if form.direction.data == "up" else 1)
    return redirect(url_for("console.product_edit", product_id=image.product_id))


@console_bp.route("/products/images/<int:image_id>/delete", methods=["POST"])
def product_image_delete(image_id):
    require_editor()
    image = get_image_or_404(image_id)
    product_id = image.product_id
    with Attempt():
        remove_product_image(image, actor=_actor())
    return redirect(url_for("console.product_edit", product_id=product_id))


# --- categories -----------------------------------------------------------------------

@console_bp.route("/categories")
def categories_list():
    return _render_categories()


def _render_categories(error=None, status=200):
    return render_template("builder/catalog/categories.html", tree=category_tree(), error=error, max_depth=Category.MAX_DEPTH,
                           can_edit=current_user.can_edit()), status


@console_bp.route("/categories", methods=["POST"])
def category_create():
    require_editor()
    form = CategoryForm()
    return _apply(form, lambda: create_category(actor=_actor(), name=form.name.data, parent_id=form.parent_id.data))


@console_bp.route("/categories/<int:category_id>/delete", methods=["POST"])
def category_delete(category_id):
    require_editor()
    category = get_category_or_404(category_id)
    return _apply(None, lambda: delete_category(category, actor=_actor()))


@console_bp.route("/categories/<int:category_id>/rename", methods=["POST"])
def category_rename(category_id):
    require_editor()
    category = get_category_or_404(category_id)
    form = CategoryForm()
    return _apply(form, lambda: rename_category(category, actor=_actor(), name=form.name.data))


@console_bp.route("/categories/<int:category_id>/move", methods=["POST"])
def category_move(category_id):
    require_editor()
    category = get_category_or_404(category_id)
    form = MoveForm()
    if form.direction.data in ("up", "down"):
        offset = -1 if form.direction.data == "up" else 1
        return _apply(form, lambda: shift_category(category, actor=_actor(), offset=offset))
    return _apply(form, lambda: move_category(category, actor=_actor(), parent_id=form.parent_id.data))


def _apply(form, verb):
    """Run one category verb: saved → back to the tree; refused → the tree with the message."""
    with Attempt(form, flash=False) as attempt:
        verb()
    if attempt.refused:
        return _render_categories(attempt.refusal, attempt.status)
    flash(_("Categories saved."), "success")
    return redirect(url_for("console.categories_list"))

