"""The shopper's member center ``/me``: level, points, stored value, the latest entries of
both ledgers, and the daily sign-in."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from commerce.members.ledger import member_settings, reason_labels, recent_entries
from commerce.members.levels import level_of
from commerce.members.models import BalanceEntry, PointsEntry
from commerce.members.points import sign_in, signed_in_today
from core.refusals import Attempt
from storefront.blueprints import storefront_bp
from storefront.shopper import current_member


@storefront_bp.route("/me")
def member_center():
    member = current_member()
    if member is None:
        return render_template("storefront/me.html", member=None)
    return render_template(
        "storefront/me.html", member=member, level=level_of(member), signed_in=signed_in_today(member),
        sign_in_points=member_settings().sign_in_points, reason_labels=reason_labels(),
        points_entries=recent_entries(PointsEntry, member.id), balance_entries=recent_entries(BalanceEntry, member.id))


@storefront_bp.route("/me/sign-in", methods=["POST"])
def member_sign_in():
    member = current_member()
    if member is None:
        return redirect(url_for("storefront.member_center"))
    with Attempt():
        entry = sign_in(member)
    if entry is not None:
        flash(_("Signed in: %(points)d points.", points=entry.delta), "success")
    else:
        flash(_("You have signed in today already."), "success")
    return redirect(url_for("storefront.member_center"))
