"""The page builder (店铺装修): the list of pages, the editor, its JSON endpoints, the draft
preview and the small pickers the settings panel asks.

Every handler runs the same steps: load the page through the scoped session (another
store's id finds nothing → 404), check access (viewers only look → 403), call one verb of
``themes.pages``, commit, respond. The editor's script is told everything it shows through
``data-*`` attributes and the document endpoint, so every string stays translatable.
"""
from pathlib import Path

from flask import (
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from pydantic import ValidationError
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from builder.blueprints import console_bp
from builder.views.dashboard import store_urls
from commerce.catalog.categories import category_tree
from commerce.catalog.queries import picked_products
from commerce.catalog.service import list_products_on_sale
from core.money import format_money
from core.refusals import Attempt
from core.security import frameable_by_console
from core.transaction import committed
from themes.assets import STATIC_DIR as THEME_STATIC_DIR
from themes.blocks.registry import block_types
from themes.models import Page
from themes.pages import (
    DraftConflict,
    create_page,
    page_versions,
    publish_page,
    rollback_page,
    save_draft,
    store_theme,
    version_note,
)
from themes.published import render_draft_or_published, store_theme_css
from themes.queries import console_pages, custom_pages_by_title, find_page

EDITOR_STATIC = Path(__file__).resolve().parents[1] / "static"
EDITOR_FILES = {"editor.js", "editor.css", "image-picker.js", "details-editor.js"}
PICKER_LIMIT = 20
PAGE_SIZE = 50
GROUP_LABELS = {"basic": _l("Basic blocks"), "products": _l("Product blocks"), "marketing": _l("Marketing blocks"),
                "layout": _l("Layout blocks")}
KIND_LABELS = {Page.HOME: _l("Home page"), Page.CUSTOM: _l("Custom page"),
               Page.PRODUCT_DETAIL: _l("Product detail layout")}
# Labels of the choices block schemas offer; a schema may name its own with
# json_schema_extra={"options": {value: label}}, which wins.
OPTION_LABELS = {
    "small": _l("Small"), "medium": _l("Medium"), "large": _l("Large"),
    "newest": _l("Newest"), "best_selling": _l("Best-selling"), "category": _l("From a category"),
    "picked": _l("Hand-picked"), "circle": _l("Round icons"), "square": _l("Square icons"),
    "text": _l("Text only"), "solid": _l("Solid"), "dashed": _l("Dashed"), "slow": _l("Slow"),
    "normal": _l("Normal"), "fast": _l("Fast"),
}


class NewPageForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired(message=_l("This field is required.")),
                                                 Length(max=80)])
    slug = StringField(_l("Page address"), validators=[InputRequired(message=_l("This field is required.")),
                                                  Length(max=64)])


def get_page_or_404(page_id):
    """The current store's page.

    :raise 404: no such page in this store (another store's id finds nothing)
    """
    page = find_page(page_id)
    if page is None:
        abort(404)
    return page


def require_editor():
    """:raise 403: the signed-in staff member may only look at pages (viewer role)"""
    if not current_user.can_edit():
        abort(403)


def _json_body():
    """:raise 400: the body is not a JSON object"""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400)
    return body


def _whole_number(body, name):
    """:raise 400: the member is missing or not a whole number"""
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        abort(400)
    return value


def _actor():
    return current_user._get_current_object()


# ---------------------------------------------------------------- list and create

def _render_list(form, status=200):
    page_list = console_pages(cursor=request.args.get("cursor"), per_page=PAGE_SIZE)
    example = store_urls(g.tenant)["storefront"] + "p/spring-sale"
    form.slug.description = _("Lowercase letters, digits and hyphens. The page opens at %(url)s", url=example)
    return render_template("builder/pages/list.html", page_list=page_list, pages=page_list.items, form=form,
                           kind_labels=KIND_LABELS), status


@console_bp.route("/pages")
def pages_list():
    return _render_list(NewPageForm())


@console_bp.route("/pages", methods=["POST"])
def page_create():
    require_editor()
    form = NewPageForm()
    if not form.validate_on_submit():
        return _render_list(form, 422)
    with Attempt(form, field="slug") as attempt:
        page = create_page(actor=_actor(), title=form.title.data, slug=form.slug.data)
    if attempt.refused:
        return _render_list(form, attempt.status)
    flash(_("Page “%(title)s” created. Drag blocks onto it, then publish.", title=page.title), "success")
    return redirect(url_for("console.page_edit", page_id=page.id))


# ---------------------------------------------------------------- the editor

def editor_messages():
    """Every string the editor's script shows, translated."""
    return {
        "saved": _("All changes saved"),
        "saving": _("Saving…"),
        "unsaved": _("Unsaved changes"),
        "save_failed": _("Could not save. Check your connection; we will try again."),
        "problems": _("Not saved: fix the marked problems."),
        "conflict": _("Someone else saved this page in the meantime. Reload to see their changes "
                      "(yours since the last save are not kept)."),
        "conflict_status": _("Not saved: someone else changed this page."),
        "reload": _("Reload"),
        "publish": _("Publish"),
        "publishing": _("Publishing…"),
        "published": _("Published as version %(n)s.", n="{n}"),
        "publish_failed": _("Could not publish."),
        "nothing_selected": _("Select a block on the canvas to change its settings."),
        "empty_canvas": _("Drag blocks here from the left, or press a block's name to add it."),
        "move_up": _("Move up"),
        "move_down": _("Move down"),
        "duplicate": _("Duplicate"),
        "delete": _("Delete"),
        "hide": _("Hide"),
        "show": _("Show"),
        "hidden": _("Hidden"),
        "drag": _("Drag to reorder"),
        "add_child": _("Add %(label)s", label="{label}"),
        "limit_reached": _("This page already has as many “%(label)s” blocks as it can take.", label="{label}"),
        "children_full": _("No more can be added here."),
        "confirm_delete": _("Delete this block?"),
        "block_settings": _("Block settings"),
        "none": _("— none —"),
        "search_products": _("Search products…"),
        "no_products": _("No products found."),
        "remove": _("Remove"),
        "upload": _("Upload"),
        "library": _("Image library"),
        "uploading": _("Uploading…"),
        "upload_unavailable": _("Uploading is not available yet: paste an image address instead."),
        "upload_failed": _("The upload failed."),
        "range": _("From %(min)s to %(max)s", min="{min}", max="{max}"),
        "max_chars": _("At most %(n)s characters", n="{n}"),
        "bold": _("Bold"),
        "italic": _("Italic"),
        "heading": _("Heading"),
        "list": _("List"),
        "link": _("Link"),
        "link_prompt": _("Link address (https://… or /…)"),
        "link_placeholder": _("https://… or a page of your store"),
        "theme_color": _("Theme colour"),
        "use_theme_color": _("Use the theme's colour"),
        "history_empty": _("Not published yet."),
        "version": _("Version %(n)s", n="{n}"),
        "live": _("Live"),
        "restore": _("Restore"),
        "confirm_restore": _("Publish version %(n)s again and make it the draft?", n="{n}"),
        "restored": _("Version %(n)s is live again.", n="{n}"),
        "read_only": _("You can look at this page but not change it."),
        "added": _("%(label)s added.", label="{label}"),
        "moved": _("Moved to position %(n)s.", n="{n}"),
        "deleted": _("Block deleted."),
    }


@console_bp.route("/pages/<int:page_id>/edit")
def page_edit(page_id):
    page = get_page_or_404(page_id)
    palette = {}
    for block_type in block_types():
        if not block_type.nested_only:
            palette.setdefault(block_type.group, []).append(block_type)
    storefront = store_urls(g.tenant)["storefront"].rstrip("/")
    live_url = {Page.HOME: storefront + "/", Page.CUSTOM: f"{storefront}/p/{page.slug}"}.get(page.kind)
    if not page.published_version:
        live_url = None
    return render_template("builder/pages/edit.html", page=page, palette=palette, group_labels=GROUP_LABELS,
                           kind_labels=KIND_LABELS, messages=editor_messages(), live_url=live_url,
                           can_edit=current_user.can_edit())


def _translated_schema(block_type):
    """The settings' JSON schema with titles and choice labels in the staff member's language."""
    schema = block_type.settings.model_json_schema()
    schema["title"] = _(block_type.label)
    for prop in schema.get("properties", {}).values():
        if prop.get("title"):
            prop["title"] = _(prop["title"])
        if "enum" in prop:
            own = prop.pop("options", None) or {}
            prop["option_labels"] = {value: str(_(own[value]) if value in own else OPTION_LABELS.get(value, value))
                                     for value in prop["enum"]}
    return schema


def _defaults(block_type, schema):
    try:
        return block_type.settings().model_dump(mode="json")
    except ValidationError:  # a schema with a required setting: start from what has defaults
        return {name: prop.get("default") for name, prop in schema.get("properties", {}).items()}


def editor_block_types():
    """What the editor needs to know of every registered block type."""
    described = {}
    for block_type in block_types():
        schema = _translated_schema(block_type)
        described[block_type.name] = {
            "label": _(block_type.label), "icon": block_type.icon, "group": block_type.group,
            "max_per_page": block_type.max_per_page, "child_type": block_type.child_type,
            "max_children": block_type.max_children, "nested_only": block_type.nested_only,
            # JSON objects lose their order on the way (keys are sorted): the fields' order travels apart.
            "fields": list(schema.get("properties", {})),
            "schema": schema, "defaults": _defaults(block_type, schema),
            "default_children": [dict(child) for child in block_type.defaults_children],
        }
    return described


def _document_state(page):
    return {"document": page.draft_document, "revision": page.draft_revision,
            "published_version": page.published_version,
            "has_unpublished_changes": page.has_unpublished_changes()}


@console_bp.route("/pages/<int:page_id>/document")
def page_document(page_id):
    page = get_page_or_404(page_id)
    return jsonify({**_document_state(page), "block_types": editor_block_types()})


@console_bp.route("/pages/<int:page_id>/document", methods=["PUT"])
def page_save_draft(page_id):
    page = get_page_or_404(page_id)
    require_editor()
    body = _json_body()
    with committed():
        page = save_draft(page, body.get("document"), expected_revision=_whole_number(body, "revision"), actor=_actor())
    return jsonify({"revision": page.draft_revision, "has_unpublished_changes": page.has_unpublished_changes()})


@console_bp.route("/pages/<int:page_id>/publish", methods=["POST"])
def page_publish(page_id):
    page = get_page_or_404(page_id)
    require_editor()
    body = request.get_json(silent=True) or {}
    # Publish what the staff member saw: a draft someone else saved since is a conflict.
    if "revision" in body and body["revision"] != page.draft_revision:
        raise DraftConflict(page.draft_revision)
    with committed():
        page = publish_page(page, actor=_actor())
    return jsonify({"published_version": page.published_version, "has_unpublished_changes": False})


def _version_json(version, page):
    return {"version": version.version, "author": version.author_label, "note": version_note(version),
            "created_at": version.created_at.isoformat(), "created_at_text": format_datetime(version.created_at),
            "live": version.version == page.published_version}


@console_bp.route("/pages/<int:page_id>/versions")
def page_version_list(page_id):
    page = get_page_or_404(page_id)
    return jsonify({"published_version": page.published_version,
                    "items": [_version_json(version, page) for version in page_versions(page)]})


@console_bp.route("/pages/<int:page_id>/rollback", methods=["POST"])
def page_rollback(page_id):
    page = get_page_or_404(page_id)
    require_editor()
    with committed():
        page = rollback_page(page, _whole_number(_json_body(), "version"), actor=_actor())
    return jsonify(_document_state(page))


@console_bp.route("/pages/<int:page_id>/preview")
@frameable_by_console
def page_preview(page_id):
    """The draft as shoppers would see it once published, in the store's theme."""
    page = get_page_or_404(page_id)
    return render_template("builder/pages/preview.html", page=page,
                           page_html=render_draft_or_published(page.draft_document, store=g.tenant),
                           store_theme_name=store_theme().theme,
                           blocks_script=(THEME_STATIC_DIR / "blocks.js").exists())


@console_bp.route("/theme.css")
def theme_css():
    """The store's theme settings as CSS variables, for the preview on the platform host."""
    css, row = store_theme_css()
    response = current_app.response_class(css, mimetype="text/css")
    response.set_etag(f"theme-{row.theme}-{row.version}")
    response.cache_control.no_cache = True
    return response.make_conditional(request)


# ---------------------------------------------------------------- pickers

@console_bp.route("/pickers/categories")
def picker_categories():
    return jsonify({"items": [{"id": c.id, "name": c.name, "parent_id": c.parent_id} for c in category_tree().categories]})


def _product_choice(product):
    return {"id": product.id, "title": product.title, "price": product.price, "price_text": format_money(product.price),
            "on_sale": product.is_on_sale()}


@console_bp.route("/pickers/products")
def picker_products():
    """``?q=`` searches titles; ``?ids=1,2`` names chosen products. Scoped to this store."""
    ids = [int(part) for part in request.args.get("ids", "").split(",") if part.strip().isdigit()]
    query = request.args.get("q", "").strip()[:60]
    products = picked_products(ids=ids, title=query, limit=PICKER_LIMIT)
    return jsonify({"items": [_product_choice(product) for product in products]})


@console_bp.route("/pickers/links")
def picker_links():
    """Addresses inside the store a link setting may point to."""
    items = [{"url": "/", "label": _("Home page")}]
    custom = custom_pages_by_title()
    items += [{"url": url_for("storefront.custom_page", slug=page.slug), "label": page.title} for page in custom]
    items += [{"url": url_for("storefront.category", category_id=c.id), "label": _("Category: %(name)s", name=c.name)}
              for c in category_tree().categories]
    products = list_products_on_sale(limit=50)
    items += [{"url": url_for("storefront.product_detail", product_id=p.id), "label": p.title} for p in products]
    return jsonify({"items": items})


# ---------------------------------------------------------------- the editor's files

@console_bp.route("/editor/<name>")
def editor_file(name):
    if name not in EDITOR_FILES:
        abort(404)
    return send_from_directory(EDITOR_STATIC, name, max_age=0)


QUILL_FILES = {"quill.js", "quill.snow.css"}


@console_bp.route("/editor/quill/<name>")
def editor_quill(name):
    """Quill (the product details editor) as ``make assets`` installed it from npm."""
    if name not in QUILL_FILES:
        abort(404)
    return send_from_directory(Path(current_app.root_path) / "node_modules" / "quill" / "dist", name, max_age=3600)


@console_bp.route("/editor/sortable.js")
def editor_sortable():
    """SortableJS as ``make assets`` installed it from npm (never committed)."""
    return send_from_directory(Path(current_app.root_path) / "node_modules" / "sortablejs", "Sortable.min.js",
                               max_age=3600)
