"""Page templates (页面模板) and a page's share card, in the page builder.

The gallery lists the ready templates; a template's preview shows it full-size in the store's
own theme (with the store's own products in its product blocks) next to the form that
starts a page from it. Starting copies the template's pictures into the store's library and
opens the new draft in the editor. The share card form edits the page's share title,
description and picture (live with the next publish).
"""
from types import SimpleNamespace

from flask import abort, flash, g, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_login import current_user

from builder.blueprints import console_bp, site_bp
from builder.forms.pages import HOME_PAGE, ShareForm, StartFromTemplateForm
from builder.views.dashboard import store_urls
from builder.views.pages import KIND_LABELS, get_page_or_404, require_editor
from core.refusals import Attempt
from core.security import frameable_by_console
from themes.assets import STATIC_DIR as THEME_STATIC_DIR
from themes.blocks.registry import get_block_type
from themes.models import Page
from themes.page_templates import IMAGES_DIR, find_template, page_templates, template_document
from themes.page_templates.service import apply_template_to_home, start_page_from_template
from themes.pages import save_share_settings, store_theme
from themes.published import render_draft_or_published
from themes.share import page_share, share_settings

YEAR = 365 * 24 * 3600


def _actor():
    return current_user._get_current_object()


def get_template_or_404(key):
    """:raise 404: no template has this key"""
    return find_template(key) or abort(404)


def preview_picture_url(name):
    return url_for("site.page_template_picture", name=name)


def block_labels(template):
    """The template's blocks in order, as the palette names them (for the gallery's cards)."""
    return [_(get_block_type(block["type"]).label) for _block_id, block in template.blocks]


# ---------------------------------------------------------------- gallery and preview

@console_bp.route("/pages/templates")
def page_template_gallery():
    return render_template("builder/pages/templates.html", templates=page_templates(), block_labels=block_labels,
                           picture_url=preview_picture_url)


def _new_page_form(template):
    form = StartFromTemplateForm()
    if request.method == "GET":
        form.title.data, form.slug.data = template.title, template.slug
    example = store_urls(g.tenant)["storefront"] + "p/" + template.slug
    form.slug.description = _("Lowercase letters, digits and hyphens. The page opens at %(url)s", url=example)
    return form


def _render_template_preview(template, form, status=200):
    return render_template("builder/pages/template_preview.html", template=template, form=form,
                           block_labels=block_labels(template)), status


@console_bp.route("/pages/templates/<key>")
def page_template_preview(key):
    template = get_template_or_404(key)
    return _render_template_preview(template, _new_page_form(template))


@console_bp.route("/pages/templates/<key>/frame")
@frameable_by_console
def page_template_frame(key):
    """The template rendered as this store would show it (its theme, its products)."""
    template = get_template_or_404(key)
    document = template_document(template, preview_picture_url)
    return render_template("builder/pages/preview.html", page=SimpleNamespace(title=_(template.name)),
                           page_html=render_draft_or_published(document, store=g.tenant),
                           store_theme_name=store_theme().theme,
                           blocks_script=(THEME_STATIC_DIR / "blocks.js").exists())


@console_bp.route("/pages/templates/<key>", methods=["POST"])
def page_template_start(key):
    template = get_template_or_404(key)
    require_editor()
    form = _new_page_form(template)
    if not form.validate_on_submit():
        return _render_template_preview(template, form, 422)
    with Attempt(form, field="slug") as attempt:
        if form.target.data == HOME_PAGE:
            page = apply_template_to_home(actor=_actor(), template_key=template.key)
        else:
            page = start_page_from_template(actor=_actor(), template_key=template.key, title=form.title.data,
                                            slug=form.slug.data)
    if attempt.refused:
        return _render_template_preview(template, form, attempt.status)
    if form.target.data == HOME_PAGE:
        flash(_("Your home page's draft now follows the template “%(template)s”. Shoppers see it once you publish.",
                template=_(template.name)), "success")
    else:
        flash(_("Page “%(title)s” started from the template “%(template)s”. Change what you like, then publish.",
                title=page.title, template=_(template.name)), "success")
    return redirect(url_for("console.page_edit", page_id=page.id))


@site_bp.route("/media/page-templates/<name>")
def page_template_picture(name):
    """A template's demo picture (drawn for the repository, the same for everyone).

    :raise 404: not a picture of a template
    """
    if not any(name in template.pictures() for template in page_templates()):
        abort(404)
    return send_from_directory(IMAGES_DIR, name, max_age=YEAR)


# ---------------------------------------------------------------- share card

def _render_share(page, form, status=200):
    defaults = page_share(page, g.tenant, page.draft_document | {"share": {}})
    return render_template("builder/pages/share.html", page=page, form=form, defaults=defaults,
                           kind_labels=KIND_LABELS, can_edit=current_user.can_edit()), status


def _share_form_or_404(page):
    """:raise 404: a product-detail layout (every product shares itself)"""
    if page.kind == Page.PRODUCT_DETAIL:
        abort(404)
    return ShareForm(data=share_settings(page.draft_document)) if request.method == "GET" else ShareForm()


@console_bp.route("/pages/<int:page_id>/share")
def page_share_settings(page_id):
    page = get_page_or_404(page_id)
    return _render_share(page, _share_form_or_404(page))


@console_bp.route("/pages/<int:page_id>/share", methods=["POST"])
def page_share_save(page_id):
    page = get_page_or_404(page_id)
    require_editor()
    form = _share_form_or_404(page)
    if not form.validate_on_submit():
        return _render_share(page, form, 422)
    with Attempt(form) as attempt:
        save_share_settings(page, actor=_actor(), title=form.title.data, desc=form.desc.data, image=form.image.data)
    if attempt.refused:
        return _render_share(page, form, attempt.status)
    flash(_("Share card saved. It goes live when you publish the page."), "success")
    return redirect(url_for("console.page_share_settings", page_id=page.id))
