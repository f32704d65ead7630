"""Distribution (分销) and invite rewards in the console: the program's settings, members'
applications to approve or reject, distributors, commissions with their status and the
results; the invite tiers and the rewards granted.

Handlers load → check access (viewers only look → 403) → call one verb from
``commerce.marketing.distribution`` / ``.invites`` → commit → redirect; a refusal re-renders
the screen with its message and writes nothing.
"""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from builder.views import console_bp
from builder.views.catalog import require_editor
from commerce.marketing.coupons.queries import store_coupons
from commerce.marketing.distribution.models import MAX_LEVELS, Distributor
from commerce.marketing.distribution.queries import (
    distribution_results,
    distribution_settings,
    find_distributor,
    status_labels,
    store_commissions,
    store_distributors,
)
from commerce.marketing.distribution.service import decide_application, save_distribution_settings
from commerce.marketing.invites.errors import InviteProblem
from commerce.marketing.invites.queries import invite_settings, store_rewards
from commerce.marketing.invites.service import MAX_TIERS, save_invite_settings
from core.errors import DomainError
from core.extensions import db


def _actor():
    return current_user._get_current_object()


def _number(text):
    """A whole number typed in a form, or -1 (refused by the verb's range check)."""
    text = (text or "").strip()
    return int(text) if text.isdigit() and len(text) < 9 else -1


@console_bp.route("/distribution")
def distribution():
    return _render_distribution()


def _render_distribution(error=None, entered=None, status=200):
    return render_template("builder/distribution/index.html", settings=entered or distribution_settings(),
                           error=error, results=distribution_results(),
                           applications=store_distributors(Distributor.PENDING),
                           distributors=store_distributors(Distributor.APPROVED),
                           commissions=store_commissions(), labels=status_labels(), max_levels=MAX_LEVELS,
                           can_edit=current_user.can_edit()), status


@console_bp.route("/distribution/settings", methods=["POST"])
def distribution_settings_save():
    require_editor()
    form = request.form
    entered = {"enabled": form.get("enabled") == "on", "level1_percent": _number(form.get("level1_percent")),
               "level2_percent": _number(form.get("level2_percent")), "settle_days": _number(form.get("settle_days"))}
    try:
        save_distribution_settings(**entered, actor=_actor())
    except DomainError as refusal:
        db.session.rollback()
        shown = {**entered, **{name: form.get(name, "") for name in ("level1_percent", "level2_percent",
                                                                      "settle_days")}}
        return _render_distribution(refusal, shown, refusal.status)
    db.session.commit()
    flash(_("Distribution settings saved."), "success")
    return redirect(url_for("console.distribution"))


@console_bp.route("/distribution/applications/<int:distributor_id>/<any(approve, reject):decision>",
                  methods=["POST"])
def distribution_decide(distributor_id, decision):
    require_editor()
    distributor = find_distributor(distributor_id) or abort(404)
    try:
        decide_application(distributor, approve=decision == "approve", actor=_actor())
    except DomainError as refusal:
        db.session.rollback()
        flash(str(refusal.message), "error")
        return redirect(url_for("console.distribution"))
    db.session.commit()
    flash(_("Application approved.") if decision == "approve" else _("Application rejected."), "success")
    return redirect(url_for("console.distribution"))


@console_bp.route("/invites", methods=["GET", "POST"])
def invite_rewards():
    if request.method == "GET":
        settings = invite_settings()
        rows = [{"invites": str(tier["invites"]), "coupon_id": str(tier.get("coupon_id") or ""),
                 "points": str(tier.get("points") or "")} for tier in settings.tiers]
        return _render_invites(settings.enabled, rows)
    require_editor()
    form = request.form
    rows, tiers = [], []
    for number in range(MAX_TIERS):
        row = {name: (form.get(f"{name}_{number}") or "").strip() for name in ("invites", "coupon_id", "points")}
        rows.append(row)
        if not any(row.values()):
            continue
        tiers.append((_number(row["invites"]), _number(row["coupon_id"]) if row["coupon_id"] else None,
                      _number(row["points"]) if row["points"] else 0))
    try:
        save_invite_settings(enabled=form.get("enabled") == "on", tiers=tiers, actor=_actor())
    except InviteProblem as refusal:
        db.session.rollback()
        return _render_invites(form.get("enabled") == "on", rows, refusal, refusal.status)
    db.session.commit()
    flash(_("Invite rewards saved."), "success")
    return redirect(url_for("console.invite_rewards"))


def _render_invites(enabled, rows, error=None, status=200):
    rows = (rows + [{"invites": "", "coupon_id": "", "points": ""}] * MAX_TIERS)[:MAX_TIERS]
    return render_template("builder/distribution/invites.html", enabled=enabled, rows=rows, error=error,
                           coupons=store_coupons(), rewards=store_rewards(), can_edit=current_user.can_edit()), status
