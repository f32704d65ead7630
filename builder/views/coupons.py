"""Coupon screens: the store's coupons with their results (claimed, used, GMV of the orders
that used them), the form to create or edit one, pausing and resuming, and issuing one to
every member or to chosen members.

Handlers load → check access (viewers only look → 403) → call one verb from
``commerce.marketing.coupons`` → commit → redirect. Amounts are typed in yuan and kept in
fen; dates are days in China time (a window ends at the end of its last day).
"""
import re
from datetime import datetime, time, timedelta, timezone

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from builder.views import console_bp
from builder.views.catalog import require_editor
from commerce.catalog.service import list_categories
from commerce.marketing.coupons.errors import CouponInvalid
from commerce.marketing.coupons.models import Coupon
from commerce.marketing.coupons.queries import coupon_results, find_coupon, store_coupons
from commerce.marketing.coupons.service import create_coupon, issue_to_members, set_coupon_status, update_coupon
from core.errors import DomainError
from core.extensions import db
from core.money import parse_yuan

CHINA_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")  # no daylight saving: a fixed offset is exact
MAX_ISSUE_IDS = 1000


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
    coupons = store_coupons()
    return render_template("builder/coupons/list.html", coupons=coupons,
                           results=coupon_results([coupon.id for coupon in coupons]), kinds=kind_labels(),
                           can_edit=current_user.can_edit())


@console_bp.route("/coupons/new", methods=["GET", "POST"])
def coupons_new():
    if request.method == "GET":
        return _render_form(None, _empty_form())
    require_editor()
    return _save_form(None)


@console_bp.route("/coupons/<int:coupon_id>", methods=["GET", "POST"])
def coupons_edit(coupon_id):
    coupon = get_coupon_or_404(coupon_id)
    if request.method == "GET":
        return _render_form(coupon, _form_from_coupon(coupon))
    require_editor()
    return _save_form(coupon)


@console_bp.route("/coupons/<int:coupon_id>/pause", methods=["POST"])
def coupons_pause(coupon_id):
    return _set_status(coupon_id, Coupon.PAUSED, _("%(name)s is paused: no more claims."))


@console_bp.route("/coupons/<int:coupon_id>/resume", methods=["POST"])
def coupons_resume(coupon_id):
    return _set_status(coupon_id, Coupon.ACTIVE, _("%(name)s can be claimed again."))


def _set_status(coupon_id, status, message):
    require_editor()
    coupon = get_coupon_or_404(coupon_id)
    set_coupon_status(coupon, status, actor=_actor())
    db.session.commit()
    flash(message % {"name": coupon.name}, "success")
    return redirect(url_for("console.coupons_list"))


@console_bp.route("/coupons/<int:coupon_id>/issue", methods=["POST"])
def coupons_issue(coupon_id):
    require_editor()
    coupon = get_coupon_or_404(coupon_id)
    if request.form.get("audience") == "all":
        member_ids = None
    else:
        member_ids = [int(number) for number in re.findall(r"\d+", request.form.get("member_ids", ""))]
        if not member_ids or len(member_ids) > MAX_ISSUE_IDS:
            flash(_("Enter from 1 to %(n)d member numbers, or choose every member.", n=MAX_ISSUE_IDS), "error")
            return redirect(url_for("console.coupons_edit", coupon_id=coupon.id))
    try:
        outcome = issue_to_members(coupon, member_ids, actor=_actor())
    except DomainError as refusal:
        db.session.rollback()
        flash(str(refusal.message), "error")
        return redirect(url_for("console.coupons_edit", coupon_id=coupon.id))
    db.session.commit()
    flash(_("Issued to %(issued)d members; %(skipped)d already held as many as allowed.", **outcome), "success")
    return redirect(url_for("console.coupons_list"))


def _save_form(coupon):
    entered = _form_from_request()
    try:
        fields = _coupon_fields(entered)
        if coupon is None:
            coupon = create_coupon(fields, actor=_actor())
        else:
            update_coupon(coupon, fields, actor=_actor())
    except DomainError as refusal:
        db.session.rollback()
        return _render_form(coupon, entered, error=refusal, status=refusal.status)
    db.session.commit()
    flash(_("Coupon %(name)s saved.", name=coupon.name), "success")
    return redirect(url_for("console.coupons_list"))


def _render_form(coupon, entered, *, error=None, status=200):
    errors = error.extra.get("errors", {error.field: error.message}) if error is not None else {}
    return render_template("builder/coupons/form.html", coupon=coupon, entered=entered, error=error, errors=errors,
                           kinds=kind_labels(), scopes=scope_labels(), categories=list_categories(),
                           can_edit=current_user.can_edit()), status


def _empty_form():
    return {"name": "", "kind": Coupon.AMOUNT_OFF, "amount_off": "", "threshold": "", "percent_off": "",
            "max_discount": "", "scope": Coupon.ALL, "category_ids": [], "product_ids": "", "validity": "days",
            "valid_from": "", "valid_until": "", "valid_days": "7", "total_quantity": "", "per_member_limit": "1",
            "stackable": False}


def _form_from_coupon(coupon):
    targets = [str(i) for i in coupon.target_ids]
    return {"name": coupon.name, "kind": coupon.kind, "amount_off": _yuan(coupon.amount_off),
            "threshold": _yuan(coupon.threshold) if coupon.threshold else "",
            "percent_off": str(coupon.percent_off or ""), "max_discount": _yuan(coupon.max_discount),
            "scope": coupon.scope, "category_ids": targets if coupon.scope == Coupon.CATEGORIES else [],
            "product_ids": ", ".join(targets) if coupon.scope == Coupon.PRODUCTS else "",
            "validity": "fixed" if coupon.has_fixed_window() else "days",
            "valid_from": _day(coupon.valid_from), "valid_until": _day(coupon.valid_until, last=True),
            "valid_days": str(coupon.valid_days or ""), "total_quantity": str(coupon.total_quantity or ""),
            "per_member_limit": str(coupon.per_member_limit), "stackable": coupon.stackable}


def _form_from_request():
    form = request.form
    entered = {name: form.get(name, "").strip() for name in _empty_form() if name not in ("category_ids", "stackable")}
    entered["category_ids"] = form.getlist("category_ids")
    entered["stackable"] = bool(form.get("stackable"))
    return entered


def _coupon_fields(entered):
    """The form's text → ``create_coupon`` fields. :raise CouponInvalid: not a number, amount or date"""
    scope = entered["scope"]
    targets = entered["category_ids"] if scope == Coupon.CATEGORIES else re.split(r"[\s,，]+", entered["product_ids"])
    fields = {
        "name": entered["name"], "kind": entered["kind"], "scope": scope, "stackable": entered["stackable"],
        "amount_off": _fen(entered["amount_off"], "amount_off"), "threshold": _fen(entered["threshold"], "threshold"),
        "max_discount": _fen(entered["max_discount"], "max_discount"),
        "percent_off": _whole(entered["percent_off"], "percent_off"),
        "target_ids": [_whole(target, "target_ids") for target in targets if target],
        "total_quantity": _whole(entered["total_quantity"], "total_quantity"),
        "per_member_limit": _whole(entered["per_member_limit"], "per_member_limit"),
        "valid_days": None, "valid_from": None, "valid_until": None,
    }
    if entered["validity"] == "fixed":
        fields["valid_from"] = _moment(entered["valid_from"], "valid_from")
        fields["valid_until"] = _moment(entered["valid_until"], "valid_until", last=True)
    else:
        fields["valid_days"] = _whole(entered["valid_days"], "valid_days")
    return fields


def _fen(text, field):
    """``"12.5"`` yuan → ``1250`` fen; empty is None."""
    if not text:
        return None
    fen = parse_yuan(text)
    if fen is None or fen < 0:
        raise CouponInvalid(_("%(value)s is not an amount in yuan.", value=text), field=field)
    return fen


def _whole(text, field):
    if not text:
        return None
    if not re.fullmatch(r"\d{1,9}", text):
        raise CouponInvalid(_("%(value)s is not a whole number.", value=text), field=field)
    return int(text)


def _moment(text, field, *, last=False):
    """``2026-12-01`` → the start of that day in China (the end of it, for a last day)."""
    try:
        day = datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise CouponInvalid(_("Enter a date like 2026-12-01."), field=field) from None
    moment = datetime.combine(day, time.min, CHINA_TIME)
    return moment + timedelta(days=1) if last else moment


def _day(moment, *, last=False):
    if moment is None:
        return ""
    local = moment.astimezone(CHINA_TIME) - (timedelta(days=1) if last else timedelta())
    return local.strftime("%Y-%m-%d")


def _yuan(fen):
    return "" if fen is None else f"{fen // 100}.{fen % 100:02d}"
