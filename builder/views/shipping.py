"""Shipping screens: the store's shipping templates (list, form with rules and regions,
make default, delete).

Handlers load → check access (viewers only look → 403) → call one verb from
``commerce.shipping`` → commit → redirect. A refused form re-renders with what was typed
and the message, and writes nothing. Fees are typed in yuan and kept in fen; weights are
whole grams. "Add a rule" re-renders the form with one more empty rule (no JavaScript).
"""
import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from builder.views import console_bp
from builder.views.catalog import require_editor
from commerce.shipping.errors import InvalidShippingTemplate
from commerce.shipping.models import ShippingTemplate
from commerce.shipping.regions import AREAS, region_name
from commerce.shipping.service import (
    MAX_RULES,
    create_template,
    delete_template,
    list_templates,
    set_default_template,
    update_template,
)
from core.errors import DomainError
from core.extensions import db
from core.money import parse_yuan

RULE_INPUTS = ("first_weight_g", "first_fee", "extra_weight_g", "extra_fee")


def get_template_or_404(template_id):
    """A shipping template of the current store, or 404 (another store's id finds nothing).

    :raise 404: no such template in this store
    """
    template = db.session.scalar(select(ShippingTemplate).where(ShippingTemplate.id == template_id))
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
    if request.method == "GET":
        return _render_form(None, _empty_form())
    require_editor()
    return _save_form(None)


@console_bp.route("/shipping/<int:template_id>", methods=["GET", "POST"])
def shipping_edit(template_id):
    template = get_template_or_404(template_id)
    if request.method == "GET":
        return _render_form(template, _form_from_template(template))
    require_editor()
    return _save_form(template)


@console_bp.route("/shipping/<int:template_id>/default", methods=["POST"])
def shipping_set_default(template_id):
    require_editor()
    template = get_template_or_404(template_id)
    set_default_template(template, actor=_actor())
    db.session.commit()
    flash(_("%(name)s is now the default template.", name=template.name), "success")
    return redirect(url_for("console.shipping_list"))


@console_bp.route("/shipping/<int:template_id>/delete", methods=["POST"])
def shipping_delete(template_id):
    require_editor()
    template = get_template_or_404(template_id)
    name = template.name
    try:
        delete_template(template, actor=_actor())
    except DomainError as refusal:
        db.session.rollback()
        flash(str(refusal.message), "error")
        return redirect(url_for("console.shipping_list"))
    db.session.commit()
    flash(_("Template %(name)s deleted.", name=name), "success")
    return redirect(url_for("console.shipping_list"))


def _save_form(template):
    entered = _form_from_request()
    if request.form.get("action") == "add_rule":
        if len(entered["rules"]) < MAX_RULES:
            entered["rules"].append(_empty_rule())
        return _render_form(template, entered)
    try:
        arguments = _template_arguments(entered)
        if template is None:
            template = create_template(actor=_actor(), **arguments)
        else:
            update_template(template, actor=_actor(), **arguments)
    except DomainError as refusal:
        db.session.rollback()
        return _render_form(template, entered, error=refusal, status=refusal.status)
    db.session.commit()
    flash(_("Shipping template saved."), "success")
    return redirect(url_for("console.shipping_list"))


def _render_form(template, entered, *, error=None, status=200):
    return render_template("builder/shipping/form.html", template=template, entered=entered, error=error,
                           areas=AREAS, region_name=region_name, can_edit=current_user.can_edit()), status


def _empty_rule():
    return {"regions": [], "first_weight_g": "1000", "first_fee": "", "extra_weight_g": "1000", "extra_fee": ""}


def _empty_form():
    return {"name": "", "free_over": "", "is_default": False, "not_delivered": [], "rules": [_empty_rule()]}


def _form_from_template(template):
    rules = [{"regions": list(rule.regions), "first_weight_g": str(rule.first_weight_g),
              "first_fee": _yuan(rule.first_fee), "extra_weight_g": str(rule.extra_weight_g),
              "extra_fee": _yuan(rule.extra_fee)} for rule in template.rules]
    return {"name": template.name, "free_over": _yuan(template.free_over), "is_default": template.is_default,
            "not_delivered": list(template.not_delivered), "rules": rules or [_empty_rule()]}


def _form_from_request():
    form = request.form
    rules = []
    count = form.get("rule_count", "")
    for index in range(min(int(count), MAX_RULES) if count.isdigit() else 0):
        if form.get(f"rule_{index}_remove"):
            continue
        rule = {name: form.get(f"rule_{index}_{name}", "").strip() for name in RULE_INPUTS}
        rule["regions"] = form.getlist(f"rule_{index}_regions")
        rules.append(rule)
    return {"name": form.get("name", ""), "free_over": form.get("free_over", "").strip(),
            "is_default": bool(form.get("is_default")), "not_delivered": form.getlist("not_delivered"),
            "rules": rules}


def _template_arguments(entered):
    rules = []
    for index, rule in enumerate(entered["rules"]):
        number = index + 1
        rules.append({
            "regions": rule["regions"],
            "first_weight_g": _grams(rule["first_weight_g"], number, f"rule_{index}_first_weight_g"),
            "first_fee": _fen(rule["first_fee"], number, f"rule_{index}_first_fee"),
            "extra_weight_g": _grams(rule["extra_weight_g"], number, f"rule_{index}_extra_weight_g"),
            "extra_fee": _fen(rule["extra_fee"], number, f"rule_{index}_extra_fee"),
        })
    free_over = entered["free_over"]
    return {"name": entered["name"], "rules": rules, "not_delivered": entered["not_delivered"],
            "is_default": entered["is_default"],
            "free_over": _fen(free_over, None, "free_over") if free_over else None}


def _fen(text, rule_number, field):
    """``"12.5"`` yuan → ``1250`` fen; empty is 0 for a rule's fee."""
    if not text:
        return 0
    fen = parse_yuan(text)
    if fen is None:
        message = (_("Rule %(n)d: %(value)s is not an amount in yuan.", n=rule_number, value=text) if rule_number
                   else _("%(value)s is not an amount in yuan.", value=text))
        raise InvalidShippingTemplate(message, field=field)
    return fen


def _grams(text, rule_number, field):
    if not re.fullmatch(r"-?\d{1,9}", text or ""):
        raise InvalidShippingTemplate(_("Rule %(n)d: weights must be whole grams above 0.", n=rule_number),
                                      field=field)
    return int(text)


def _yuan(fen):
    return "" if fen is None else f"{fen // 100}.{fen % 100:02d}"
