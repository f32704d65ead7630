"""Shipping screens: the store's shipping templates (list, form with rules and regions,
make default, delete).

Handlers load → check access (viewers only look → 403) → call one verb from
``commerce.shipping`` → commit → redirect. A refused form re-renders with what was typed
and the message, and writes nothing. Fees are typed in yuan and kept in fen; weights are
whole grams. "Add a rule" re-renders the form with one more empty rule (no JavaScript).
"""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from builder.blueprints import console_bp
from builder.forms.shipping import ShippingTemplateForm
from builder.views.catalog import require_editor
from commerce.shipping.queries import template_by_id
from commerce.shipping.regions import AREAS, region_name
from commerce.shipping.service import (
    create_template,
    delete_template,
    list_templates,
    set_default_template,
    update_template,
)
from core.refusals import Attempt


def get_template_or_404(template_id):
    """A shipping template of the current store, or 404 (another store's id finds nothing).

    :raise 404: no such template in this store
    """
    template = template_by_id(template_id)
    if template is None:
        abort(404)
    return template


def _actor():
    return current_user._get_current_object()


@console_bp.route("/shipping")
def shipping_list():
    return render_template("builder/shipping/list.html", templates=list_templates(), region_name=region_name,
                           can_edit=current_user.can_edit())


@console_bp.route("/shipping/new", methods=["GET", "POST"])
def shipping_new():
    if request.method == "POST":
        require_editor()
    return _form_page(None)


@console_bp.route("/shipping/<int:template_id>", methods=["GET", "POST"])
def shipping_edit(template_id):
    template = get_template_or_404(template_id)
    if request.method == "POST":
        require_editor()
    return _form_page(template)


@console_bp.route("/shipping/<int:template_id>/default", methods=["POST"])
def shipping_set_default(template_id):
    require_editor()
    template = get_template_or_404(template_id)
    with Attempt():
        set_default_template(template, actor=_actor())
    flash(_("%(name)s is now the default template.", name=template.name), "success")
    return redirect(url_for("console.shipping_list"))


@console_bp.route("/shipping/<int:template_id>/delete", methods=["POST"])
def shipping_delete(template_id):
    require_editor()
    template = get_template_or_404(template_id)
    name = template.name
    with Attempt() as attempt:  # a refusal is flashed above the list
        delete_template(template, actor=_actor())
    if not attempt.refused:
        flash(_("Template %(name)s deleted.", name=name), "success")
    return redirect(url_for("console.shipping_list"))


def _form_page(template):
    """The form: shown (GET), one more empty rule ("Add a rule"), or saved; a refusal
    re-renders it with what was typed and the message."""
    form = ShippingTemplateForm(obj=template)
    if not form.is_submitted():
        return _render_form(template, form)
    if form.adding_a_rule:
        form.add_rule()
        return _render_form(template, form)
    with Attempt(flash=False) as attempt:
        arguments = form.arguments()
        if template is None:
            template = create_template(actor=_actor(), **arguments)
        else:
            update_template(template, actor=_actor(), **arguments)
    if attempt.refused:
        return _render_form(template, form, error=attempt.refusal, status=attempt.status)
    flash(_("Shipping template saved."), "success")
    return redirect(url_for("console.shipping_list"))


def _render_form(template, form, *, error=None, status=200):
    return render_template("builder/shipping/form.html", template=template, entered=form.entered(), error=error,
                           areas=AREAS, region_name=region_name, can_edit=current_user.can_edit()), status
