"""Member screens: the list (search by nickname, phones masked) and one member's page with
level, points, balance, their ledgers and the staff adjustment form.

Adjustments are for owners and admins only (others get 403); each needs a reason, is
written to the audit log by ``commerce.members.ledger.post_adjustment``, and carries the
form's one-time token so a double submit counts once.

The member rules page (``/members/rules``): points, sign-in, expiry, top-up bonus rules
("充100送10") and the levels. Everyone may look; owners and admins save, audited.
"""
import secrets
from decimal import Decimal, InvalidOperation

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from builder.views import console_bp
from builder.views.catalog import _actor
from commerce.members.ledger import member_settings, reason_labels, recent_entries
from commerce.members.levels import delete_level, edit_level, find_level, level_of, levels
from commerce.members.models import BalanceEntry, Member, PointsEntry
from commerce.members.points import adjust_points
from commerce.members.rules import MemberRules, save_member_rules
from commerce.members.wallet import adjust_balance
from core.crypto import mask_phone
from core.errors import DomainError
from core.extensions import db
from core.money import parse_yuan
from tenants.models import StaffUser

PAGE_SIZE = 50
MAX_ADJUSTMENT = 10_000_000  # points, or fen (¥100,000)


def get_member_or_404(member_id):
    """A member of the current store, or 404 (another store's id finds nothing)."""
    member = db.session.get(Member, member_id)
    if member is None:
        abort(404)
    return member


def may_adjust():
    return current_user.role in StaffUser.STAFF_MANAGERS


@console_bp.route("/members")
def members_list():
    query = request.args.get("q", "").strip()[:64]
    statement = select(Member).order_by(Member.id.desc()).limit(PAGE_SIZE)
    if query:
        statement = statement.where(Member.nickname.contains(query, autoescape=True))
    members = db.session.scalars(statement).all()
    return render_template("builder/members/list.html", members=members, query=query,
                           phones={m.id: mask_phone(m.phone) if m.phone else "" for m in members})


@console_bp.route("/members/<int:member_id>")
def member_detail(member_id):
    return _render_detail(get_member_or_404(member_id))


@console_bp.route("/members/<int:member_id>/adjust", methods=["POST"])
def member_adjust(member_id):
    """:raise 403: not an owner or admin"""
    if not may_adjust():
        abort(403)
    member = get_member_or_404(member_id)
    kind, note = request.form.get("kind"), request.form.get("note", "").strip()
    adjust = {"points": adjust_points, "balance": adjust_balance}.get(kind)
    if adjust is None:
        abort(400)
    try:
        delta = _signed_amount(request.form.get("amount", ""), in_fen=kind == "balance")
        if not note:
            raise DomainError(_("Give a reason for the adjustment."), field="note")
        entry = adjust(member, delta, actor=_actor(), note=note, ref=request.form.get("token", "")[:40] or secrets.token_urlsafe(16))
    except DomainError as refusal:  # NotEnough included
        db.session.rollback()
        return _render_detail(member, error=refusal, typed=request.form), refusal.status
    db.session.commit()
    if entry is not None:
        flash(_("Adjustment saved."))
    return redirect(url_for("console.member_detail", member_id=member.id))


def _signed_amount(text, *, in_fen):
    """``"-10"`` points, or ``"12.50"`` yuan → ``1250`` fen; never zero."""
    try:
        amount = Decimal(text.strip())
    except InvalidOperation:
        amount = None
    step = Decimal("0.01") if in_fen else Decimal(1)
    if amount is None or not amount.is_finite() or amount != amount.quantize(step) or amount == 0:
        raise DomainError(_("Enter a non-zero amount, negative to take away."), field="amount")
    value = int(amount * 100) if in_fen else int(amount)
    if abs(value) > MAX_ADJUSTMENT:
        raise DomainError(_("That amount is too large."), field="amount")
    return value


def _render_detail(member, *, error=None, typed=None):
    return render_template(
        "builder/members/detail.html", member=member, level=level_of(member),
        phone=mask_phone(member.phone) if member.phone else "",
        points_entries=recent_entries(PointsEntry, member.id), balance_entries=recent_entries(BalanceEntry, member.id),
        reason_labels=reason_labels(), may_adjust=may_adjust(), error=error, typed=typed or {},
        token=secrets.token_urlsafe(16))


# --- member rules and levels ---------------------------------------------------------------

BONUS_ROWS = 3  # empty rows offered below the saved bonus rules


@console_bp.route("/members/rules", methods=["GET", "POST"])
def member_rules():
    if request.method == "GET":
        return _render_rules()
    if not may_adjust():
        abort(403)
    form = request.form
    rules = MemberRules(
        points_per_yuan=_whole(form.get("points_per_yuan")), sign_in_points=_whole(form.get("sign_in_points")),
        points_expire_months=_whole(form.get("points_expire_months")) if form.get("points_expire_months", "").strip()
        else None,
        points_per_yuan_off=_whole(form.get("points_per_yuan_off")),
        redeem_cap_percent=_whole(form.get("redeem_cap_percent")),
        top_up_bonuses=tuple((parse_yuan(pay), parse_yuan(bonus)) for pay, bonus in
                             zip(form.getlist("bonus_pay"), form.getlist("bonus_amount"), strict=False)
                             if pay.strip() or bonus.strip()))
    try:
        save_member_rules(rules, actor=_actor())
    except DomainError as refusal:
        db.session.rollback()
        return _render_rules(error=refusal, typed=form), refusal.status
    db.session.commit()
    flash(_("Member rules saved."))
    return redirect(url_for("console.member_rules"))


@console_bp.route("/members/levels", methods=["POST"], defaults={"level_id": None})
@console_bp.route("/members/levels/<int:level_id>", methods=["POST"])
def member_level_save(level_id):
    """:raise 403: not an owner or admin  :raise 404: no such level in this store"""
    if not may_adjust():
        abort(403)
    level = (find_level(level_id) or abort(404)) if level_id is not None else None
    form = request.form
    try:
        edit_level(name=form.get("name"), growth_threshold=_whole(form.get("growth_threshold")),
                   discount_percent=_whole(form.get("discount_percent")) if form.get("discount_percent", "").strip()
                   else None, actor=_actor(), level=level)
    except DomainError as refusal:
        db.session.rollback()
        return _render_rules(level_error=refusal, level_typed=form, editing=level_id), refusal.status
    db.session.commit()
    flash(_("Level saved."))
    return redirect(url_for("console.member_rules"))


@console_bp.route("/members/levels/<int:level_id>/delete", methods=["POST"])
def member_level_delete(level_id):
    """:raise 403: not an owner or admin  :raise 404: no such level in this store"""
    if not may_adjust():
        abort(403)
    delete_level(find_level(level_id) or abort(404), actor=_actor())
    db.session.commit()
    flash(_("Level deleted."))
    return redirect(url_for("console.member_rules"))


def _render_rules(*, error=None, typed=None, level_error=None, level_typed=None, editing=None):
    settings = member_settings()
    if typed is None:
        typed = {field: "" if getattr(settings, field) is None else str(getattr(settings, field)) for field in
                 ("points_per_yuan", "sign_in_points", "points_expire_months", "points_per_yuan_off",
                  "redeem_cap_percent")}
        bonus_rows = [(_yuan(pay), _yuan(bonus)) for pay, bonus in settings.top_up_bonuses]
    else:
        bonus_rows = [(pay, bonus) for pay, bonus in zip(typed.getlist("bonus_pay"), typed.getlist("bonus_amount"),
                                                        strict=False) if pay.strip() or bonus.strip()]
    return render_template("builder/members/rules.html", typed=typed, error=error,
                           problems=error.extra.get("problems", {}) if error else {},
                           bonus_rows=bonus_rows + [("", "")] * BONUS_ROWS, levels=levels(),
                           level_error=level_error, level_typed=level_typed or {}, editing=editing,
                           may_edit=may_adjust())


def _whole(text):
    """A whole number typed in a form, or None."""
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def _yuan(fen):
    return f"{fen // 100}.{fen % 100:02d}"
