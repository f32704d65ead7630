"""The shopper's member center ``/me``: level, points, stored value, the latest entries of
both ledgers, the daily sign-in, and 我的优惠券 ``/me/coupons`` (unused / used / expired)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import pgettext

from commerce.marketing.coupons.queries import MEMBER_COUPON_TABS, member_coupon_counts, member_coupons
from commerce.members.consent import needs_reconsent
from commerce.members.ledger import member_settings, reason_labels, recent_entries
from commerce.members.levels import level_of
from commerce.members.models import BalanceEntry, PointsEntry
from commerce.members.points import sign_in, signed_in_today
from commerce.orders.instalments import balances_due
from core.models import utcnow
from core.refusals import Attempt
from storefront.blueprints import storefront_bp
from storefront.shopper import current_member, shopper_name


@storefront_bp.context_processor
def shopper_helpers():
    return {"shopper_name": shopper_name}


@storefront_bp.route("/me")
def member_center():
    member = current_member()
    if member is None:
        return render_template("storefront/me.html", member=None)
    return render_template(
        "storefront/me.html", member=member, level=level_of(member), signed_in=signed_in_today(member),
        sign_in_points=member_settings().sign_in_points, reason_labels=reason_labels(),
        coupon_counts=member_coupon_counts(member.id), reconsent=needs_reconsent(member.id),
        points_entries=recent_entries(PointsEntry, member.id), balance_entries=recent_entries(BalanceEntry, member.id),
        balances_due=balances_due(member.id, utcnow()))


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


def coupon_tab_labels():
    return {"unused": _("Unused"), "used": _("Used"), "expired": pgettext("coupon tab", "Expired")}


@storefront_bp.route("/me/coupons")
def my_coupons():
    member = current_member()
    if member is None:
        return redirect(url_for("storefront.login", next=url_for("storefront.my_coupons")))
    tab = request.args.get("tab", "unused")
    if tab not in MEMBER_COUPON_TABS:
        tab = "unused"
    return render_template("storefront/my_coupons.html", tab=tab, tabs=coupon_tab_labels(),
                           counts=member_coupon_counts(member.id), held=member_coupons(member.id, tab))
