"""Member screens: the list (search by nickname, nicknames and phones shown as the role may
see them) and one member's page with level, points, balance, their ledgers and the staff
adjustment form; owners and admins may reveal a member's phone (audited).

Adjustments are for owners and admins only (others get 403); each needs a reason, is
written to the audit log by ``commerce.members.ledger.post_adjustment``, and carries the
form's one-time token so a double submit counts once.

The member rules page (``/members/rules``): points, sign-in, expiry, top-up bonus rules
("充100送10") and the levels. Everyone may look; owners and admins save, audited.
"""
import secrets

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from builder.blueprints import console_bp
from builder.forms.members import AdjustmentForm, LevelForm, MemberDataExportForm, MemberEraseForm, MemberRulesForm
from builder.views.catalog import _actor
from builder.views.personal_fields import may_reveal, reveal, shown
from commerce.members.consent import channel_labels, consent_state, purpose_titles
from commerce.members.ledger import member_settings, reason_labels, recent_entries
from commerce.members.levels import delete_level, edit_level, find_level, level_of, levels
from commerce.members.models import BalanceEntry, PointsEntry
from commerce.members.points import adjust_points
from commerce.members.queries import console_members, find_member
from commerce.members.rights import (
    download_token,
    erase_member,
    find_data_export,
    latest_data_export,
    request_data_export,
    take_data_export,
)
from commerce.members.rules import MemberRules, save_member_rules
from commerce.members.wallet import adjust_balance
from core.form_checks import check_form, form_refusal
from core.models import utcnow
from core.refusals import Attempt
from tenants.field_access import PHONE
from tenants.models import StaffUser

PAGE_SIZE = 50


def get_member_or_404(member_id):
    """A member of the current store, or 404 (another store's id finds nothing)."""
    member = find_member(member_id)
    if member is None:
        abort(404)
    return member


def may_adjust():
    return current_user.role in StaffUser.STAFF_MANAGERS


@console_bp.route("/members")
def members_list():
    query = request.args.get("q", "").strip()[:64]
    page = console_members(nickname=query, cursor=request.args.get("cursor"), per_page=PAGE_SIZE)
    return render_template("builder/members/list.html", page=page, members=page.items, query=query)


@console_bp.route("/members/<int:member_id>")
def member_detail(member_id):
    return _render_detail(get_member_or_404(member_id))


@console_bp.route("/members/<int:member_id>/phone", methods=["POST"])
def member_reveal_phone(member_id):
    """Owners and admins see one member's whole phone; audited.

    :raise 403: the role may not reveal it  :raise 404: no such member in this store
    """
    member = get_member_or_404(member_id)
    with Attempt():
        reveal(member, (PHONE,), actor=_actor())
    return _render_detail(member, revealed=True)


@console_bp.route("/members/<int:member_id>/adjust", methods=["POST"])
def member_adjust(member_id):
    """:raise 403: not an owner or admin  :raise 400: neither points nor balance"""
    if not may_adjust():
        abort(403)
    member = get_member_or_404(member_id)
    form_class = AdjustmentForm.for_kind() or abort(400)
    form = form_class()
    if not form.validate():
        return _render_detail(member, error=form_refusal(form), typed=form.typed()), 422
    adjust = adjust_points if form.kind.data == "points" else adjust_balance
    with Attempt(form, flash=False) as attempt:  # NotEnough included
        entry = adjust(member, form.amount.data, actor=_actor(), note=form.note.data,
                       ref=form.token.data or secrets.token_urlsafe(16))
    if attempt.refused:
        return _render_detail(member, error=attempt.refusal, typed=form.typed()), attempt.status
    if entry is not None:
        flash(_("Adjustment saved."))
    return redirect(url_for("console.member_detail", member_id=member.id))


def _render_detail(member, *, error=None, typed=None, revealed=False):
    return render_template(
        "builder/members/detail.html", member=member, level=level_of(member),
        phone=shown(PHONE, member.phone, revealed=revealed),
        may_reveal_phone=bool(member.phone) and may_reveal(PHONE) and not revealed,
        points_entries=recent_entries(PointsEntry, member.id), balance_entries=recent_entries(BalanceEntry, member.id),
        reason_labels=reason_labels(), may_adjust=may_adjust(), error=error, typed=typed or {},
        token=secrets.token_urlsafe(16), consents=consent_state(member.id), consent_titles=purpose_titles(),
        consent_channels=channel_labels(), data_export=latest_data_export(member.id), now=utcnow(),
        export_form=MemberDataExportForm(), erase_form=MemberEraseForm())


# --- the member's data rights, on their request -------------------------------------------

@console_bp.route("/members/<int:member_id>/data-export", methods=["POST"])
def member_data_export(member_id):
    """导出数据 on the member's request (audited); ready within a minute on the member's page.

    :raise 403: not an owner or admin
    """
    if not may_adjust():
        abort(403)
    member = get_member_or_404(member_id)
    form = MemberDataExportForm()
    with Attempt(form):
        check_form(form)
        request_data_export(member.id, actor=_actor())
    return redirect(url_for("console.member_detail", member_id=member.id))


@console_bp.route("/members/<int:member_id>/data-exports/<int:export_id>/file")
def member_data_export_file(member_id, export_id):
    """The ready archive, once (to hand to the member); then it is deleted.

    :raise 403: not an owner or admin  :raise 404: no such export of this member
    """
    if not may_adjust():
        abort(403)
    member = get_member_or_404(member_id)
    export = find_data_export(member.id, export_id) or abort(404)
    with Attempt() as attempt:
        _export, content = take_data_export(download_token(export), member_id=member.id)
    if attempt.refused:
        return redirect(url_for("console.member_detail", member_id=member.id))
    response = Response(content, mimetype="application/zip")
    response.headers["Content-Disposition"] = f"attachment; filename=member-{member.id}-data.zip"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@console_bp.route("/members/<int:member_id>/erase", methods=["POST"])
def member_erase(member_id):
    """注销会员 on the member's request (audited): refused while orders are open or stored value
    is left, with the reason on the page.

    :raise 403: not an owner or admin
    """
    if not may_adjust():
        abort(403)
    member = get_member_or_404(member_id)
    form = MemberEraseForm()
    with Attempt(form, flash=False) as attempt:
        check_form(form)
        erase_member(member.id, actor=_actor())
    if attempt.refused:
        return _render_detail(member, error=attempt.refusal), attempt.status
    flash(_("The member's account was closed and their personal data erased."))
    return redirect(url_for("console.member_detail", member_id=member.id))


# --- member rules and levels ---------------------------------------------------------------

BONUS_ROWS = 3  # empty rows offered below the saved bonus rules


@console_bp.route("/members/rules", methods=["GET", "POST"])
def member_rules():
    if request.method == "GET":
        return _render_rules()
    if not may_adjust():
        abort(403)
    form = MemberRulesForm()  # not validated: the rules refuse what could not be read (None) with their message
    rules = MemberRules(**{name: form[name].data for name in MemberRulesForm.RULE_FIELDS},
                        top_up_bonuses=form.top_up_bonuses())
    with Attempt(form, flash=False) as attempt:
        save_member_rules(rules, actor=_actor())
    if attempt.refused:
        return _render_rules(error=attempt.refusal, form=form), attempt.status
    flash(_("Member rules saved."))
    return redirect(url_for("console.member_rules"))


@console_bp.route("/members/levels", methods=["POST"], defaults={"level_id": None})
@console_bp.route("/members/levels/<int:level_id>", methods=["POST"])
def member_level_save(level_id):
    """:raise 403: not an owner or admin  :raise 404: no such level in this store"""
    if not may_adjust():
        abort(403)
    level = (find_level(level_id) or abort(404)) if level_id is not None else None
    form = LevelForm()  # not validated, like the rules: edit_level refuses None with its message
    with Attempt(form, flash=False) as attempt:
        edit_level(name=form.name.data, growth_threshold=form.growth_threshold.data,
                   discount_percent=form.discount_percent.data, actor=_actor(), level=level)
    if attempt.refused:
        return _render_rules(level_error=attempt.refusal, level_typed=form.typed(), editing=level_id), attempt.status
    flash(_("Level saved."))
    return redirect(url_for("console.member_rules"))


@console_bp.route("/members/levels/<int:level_id>/delete", methods=["POST"])
def member_level_delete(level_id):
    """:raise 403: not an owner or admin  :raise 404: no such level in this store"""
    if not may_adjust():
        abort(403)
    level = find_level(level_id) or abort(404)
    with Attempt():
        delete_level(level, actor=_actor())
    flash(_("Level deleted."))
    return redirect(url_for("console.member_rules"))


def _render_rules(*, error=None, form=None, level_error=None, level_typed=None, editing=None):
    if form is None:
        settings = member_settings()
        form = MemberRulesForm(formdata=None, obj=settings,
                               bonus_pay=[pay for pay, _bonus in settings.top_up_bonuses],
                               bonus_amount=[bonus for _pay, bonus in settings.top_up_bonuses])
        bonus_rows = [(_yuan_text(pay), _yuan_text(bonus)) for pay, bonus in settings.top_up_bonuses]
    else:
        bonus_rows = [(pay, bonus) for pay, bonus in form.bonus_rows() if pay.strip() or bonus.strip()]
    return render_template("builder/members/rules.html", typed=form.typed(), error=error,
                           problems=error.extra.get("problems", {}) if error else {},
                           bonus_rows=bonus_rows + [("", "")] * BONUS_ROWS, levels=levels(),
                           level_error=level_error, level_typed=level_typed or {}, editing=editing,
                           may_edit=may_adjust())


def _yuan_text(fen):
    """Fen shown as typed into a yuan box (``1250`` → ``12.50``), like ``YuanField`` shows it."""
    return f"{fen // 100}.{fen % 100:02d}"
