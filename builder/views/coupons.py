"""Coupon screens: the store's coupons with their results (claimed, used, GMV of the orders
that used them), a page at a time, the form to create or edit one, pausing and resuming, and
issuing one to every member or to chosen members.

Handlers load → check access (viewers only look → 403) → call one verb from
``commerce.marketing.coupons`` inside an ``Attempt`` (commit, or roll back and show the
refusal) → redirect. Amounts are typed in yuan and kept in fen; dates are days in China
time (a window ends at the end of its last day): ``builder.forms.coupons`` reads them.
"""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from builder.blueprints import console_bp
from builder.forms.coupons import CouponForm, IssueCouponForm
from builder.views.catalog import require_editor
from commerce.catalog.queries import picked_products
from commerce.catalog.service import list_categories
from commerce.marketing.coupons.models import Coupon
from commerce.marketing.coupons.queries import coupon_results, find_coupon, store_coupons
from commerce.marketing.coupons.service import (
    MAX_TARGETS,
    create_coupon,
    issue_to_members,
    set_coupon_status,
    update_coupon,
)
from core.form_checks import check_form
from core.refusals import Attempt

PAGE_SIZE = 50


def get_coupon_or_404(coupon_id):
    """A coupon of the current store, or 404 (another store's id finds nothing).

    :raise 404: no such coupon in this store
    """
    return find_coupon(coupon_id) or abort(404)


def _actor():
    return current_user._get_current_object()


def kind_labels():
    return {Coupon.AMOUNT_OFF: _("Amount off above a minimum spend (满减)"),
            Coupon.PERCENT_OFF: _("Percentage off (折扣)"), Coupon.NO_THRESHOLD: _("Amount off, no minimum (无门槛)")}


def scope_labels():
    return {Coupon.ALL: _("All products"), Coupon.CATEGORIES: _("Chosen categories"),
            Coupon.PRODUCTS: _("Chosen products")}


@console_bp.route("/coupons")
def coupons_list():
    page = store_coupons(cursor=request.args.get("cursor"), per_page=PAGE_SIZE)
    return render_template("builder/coupons/list.html", page=page, coupons=page.items,
                           results=coupon_results([coupon.id for coupon in page.items]), kinds=kind_labels(),
                           can_edit=current_user.can_edit())


@console_bp.route("/coupons/new", methods=["GET", "POST"])
def coupons_new():
    if request.method == "GET":
        return _render_form(None, CouponForm())
    require_editor()
    return _save_form(None, CouponForm())


@console_bp.route("/coupons/<int:coupon_id>", methods=["GET", "POST"])
def coupons_edit(coupon_id):
    coupon = get_coupon_or_404(coupon_id)
    if request.method == "GET":
        return _render_form(coupon, CouponForm.of(coupon))
    require_editor()
    return _save_form(coupon, CouponForm())


@console_bp.route("/coupons/<int:coupon_id>/pause", methods=["POST"])
def coupons_pause(coupon_id):
    return _set_status(coupon_id, Coupon.PAUSED, _("%(name)s is paused: no more claims."))


@console_bp.route("/coupons/<int:coupon_id>/resume", methods=["POST"])
def coupons_resume(coupon_id):
    return _set_status(coupon_id, Coupon.ACTIVE, _("%(name)s can be claimed again."))


def _set_status(coupon_id, status, message):
    require_editor()
    coupon = get_coupon_or_404(coupon_id)
    with Attempt() as attempt:
        set_coupon_status(coupon, status, actor=_actor())
    if not attempt.refused:
        flash(message % {"name": coupon.name}, "success")
    return redirect(url_for("console.coupons_list"))


@console_bp.route("/coupons/<int:coupon_id>/issue", methods=["POST"])
def coupons_issue(coupon_id):
    require_editor()
    coupon = get_coupon_or_404(coupon_id)
    form = IssueCouponForm()
    with Attempt() as attempt:  # a refusal, or input that cannot be read, is flashed on the coupon's page
        check_form(form)
        outcome = issue_to_members(coupon, form.chosen_members(), actor=_actor())
    if attempt.refused:
        return redirect(url_for("console.coupons_edit", coupon_id=coupon.id))
    flash(_("Issued to %(issued)d members; %(skipped)d already held as many as allowed.", **outcome), "success")
    return redirect(url_for("console.coupons_list"))


def _save_form(coupon, form):
    if not form.validate_on_submit():
        return _render_form(coupon, form, status=422)
    with Attempt(form, flash=False) as attempt:
        if coupon is None:
            coupon = create_coupon(form.fields(), actor=_actor())
        else:
            update_coupon(coupon, form.fields(), actor=_actor())
    if attempt.refused:
        return _render_form(coupon, form, problems=form.show_refusal(attempt.refusal), status=attempt.status)
    flash(_("Coupon %(name)s saved.", name=coupon.name), "success")
    return redirect(url_for("console.coupons_list"))


def _render_form(coupon, form, *, problems=(), status=200):
    """The coupon form; ``problems`` are refusals that belong to no field, shown on top."""
    return render_template("builder/coupons/form.html", coupon=coupon, form=form, problems=problems,
                           kinds=kind_labels(), scopes=scope_labels(), categories=list_categories(),
                           chosen_products=chosen_products(form.product_ids.data or []),
                           can_edit=current_user.can_edit()), status


def chosen_products(ids):
    """``[(id, title), …]`` in the order chosen; the title is None for a number that is no
    product of this store (another store's finds nothing), so the form can say so."""
    ids = list(dict.fromkeys(ids))[:MAX_TARGETS]
    if not ids:
        return []
    titles = {product.id: product.title for product in picked_products(ids=ids, limit=MAX_TARGETS)}
    return [(product_id, titles.get(product_id)) for product_id in ids]
