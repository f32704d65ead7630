"""Distribution (分销) and invite rewards in the console: the program's settings, members'
applications to approve or reject, distributors, commissions with their status and the
results; the invite tiers and the rewards granted. Each list shows a page at a time.

Handlers load → check access (viewers only look → 403) → call one verb from
``commerce.marketing.distribution`` / ``.invites`` inside an ``Attempt`` (commit, or roll
back and show the refusal) → redirect; a refusal re-renders the screen with its message and
writes nothing.
"""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from builder.blueprints import console_bp
from builder.forms.distribution import DistributionSettingsForm, InviteTiersForm
from builder.views.catalog import require_editor
from commerce.marketing.coupons.queries import coupon_choices
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
from commerce.marketing.invites.queries import invite_settings, store_rewards
from commerce.marketing.invites.service import save_invite_settings
from core.refusals import Attempt

PAGE_SIZE = 50
LISTS = ("applications", "distributors", "commissions")  # each pages by its own query argument


def _actor():
    return current_user._get_current_object()


@console_bp.route("/distribution")
def distribution():
    return _render_distribution(DistributionSettingsForm(obj=distribution_settings()))


def _render_distribution(form, status=200):
    cursors = {name: request.args.get(name) for name in LISTS}
    return render_template("builder/distribution/index.html", form=form, results=distribution_results(),
                           applications=store_distributors(Distributor.PENDING, cursor=cursors["applications"],
                                                           per_page=PAGE_SIZE),
                           distributors=store_distributors(Distributor.APPROVED, cursor=cursors["distributors"],
                                                           per_page=PAGE_SIZE),
                           commissions=store_commissions(cursor=cursors["commissions"], per_page=PAGE_SIZE),
                           cursors=cursors, labels=status_labels(), max_levels=MAX_LEVELS,
                           can_edit=current_user.can_edit()), status


@console_bp.route("/distribution/settings", methods=["POST"])
def distribution_settings_save():
    require_editor()
    form = DistributionSettingsForm()
    if not form.validate_on_submit():
        return _render_distribution(form, 422)
    with Attempt(form) as attempt:
        save_distribution_settings(**form.arguments(), actor=_actor())
    if attempt.refused:
        return _render_distribution(form, attempt.status)
    flash(_("Distribution settings saved."), "success")
    return redirect(url_for("console.distribution"))


@console_bp.route("/distribution/applications/<int:distributor_id>/<any(approve, reject):decision>",
                  methods=["POST"])
def distribution_decide(distributor_id, decision):
    require_editor()
    distributor = find_distributor(distributor_id) or abort(404)
    with Attempt() as attempt:  # a refusal ("decided already") is flashed
        decide_application(distributor, approve=decision == "approve", actor=_actor())
    if not attempt.refused:
        flash(_("Application approved.") if decision == "approve" else _("Application rejected."), "success")
    return redirect(url_for("console.distribution"))


@console_bp.route("/invites")
def invite_rewards():
    return _render_invites(InviteTiersForm.of(invite_settings()))


@console_bp.route("/invites", methods=["POST"])
def invite_rewards_save():
    require_editor()
    form = InviteTiersForm()
    if not form.validate_on_submit():
        return _render_invites(form, status=422)
    with Attempt(form, flash=False) as attempt:  # the refusal names a row (tier_<n>): shown over the table
        save_invite_settings(enabled=form.enabled.data, tiers=form.tiers(), actor=_actor())
    if attempt.refused:
        return _render_invites(form, error=attempt.refusal, status=attempt.status)
    flash(_("Invite rewards saved."), "success")
    return redirect(url_for("console.invite_rewards"))


def _render_invites(form, *, error=None, status=200):
    rewards = store_rewards(cursor=request.args.get("cursor"), per_page=PAGE_SIZE)
    return render_template("builder/distribution/invites.html", form=form, error=error, coupons=coupon_choices(),
                           page=rewards, rewards=rewards.items, can_edit=current_user.can_edit()), status
