"""Member screens: the list (search by nickname, phones masked) and one member's page with
level, points, balance, their ledgers and the staff adjustment form.

Adjustments are for owners and admins only (others get 403); each needs a reason, is
written to the audit log by ``commerce.members.ledger.post_adjustment``, and carries the
form's one-time token so a double submit counts once.
"""
import secrets
from decimal import Decimal, InvalidOperation

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from builder.views import console_bp
from builder.views.catalog import _actor
from commerce.members.ledger import reason_labels, recent_entries
from commerce.members.levels import level_of
from commerce.members.models import BalanceEntry, Member, PointsEntry
from commerce.members.points import adjust_points
from commerce.members.wallet import adjust_balance
from core.crypto import mask_phone
from core.errors import DomainError
from core.extensions import db
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
