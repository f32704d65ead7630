"""Distribution and invites on store hosts: a ``?ref=<code>`` on any store URL is kept in a
cookie and bound when the shopper signs in or becomes a member; the distributor center
``/me/distribution`` (apply, team, earnings, share link) and the invite page ``/me/invite``.

The cookie is set in an after-request hook that touches neither the session nor the
page: anonymous pages still come whole from the cache (the cached body never holds a
code), and a visit without ``ref`` gets no cookie at all.
"""
from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from commerce.marketing.coupons.queries import coupons_by_id
from commerce.marketing.distribution.models import Distributor
from commerce.marketing.distribution.queries import (
    distribution_settings,
    distributor_of,
    earnings_of,
    member_commissions,
    referrer_of,
    status_labels,
    team_counts,
)
from commerce.marketing.distribution.service import (
    apply_as_distributor,
    referral_code,
    referrer_id_from_code,
)
from commerce.marketing.invites.queries import counted_invitees, invite_settings, invitees_of, rewards_of
from core.refusals import Attempt
from storefront.blueprints import storefront_bp
from storefront.referrals import REF_COOKIE, REF_DAYS
from storefront.shopper import current_member
from tenants.middleware import STORE


@storefront_bp.after_app_request
def remember_referrer(response):
    """A store URL with a valid ``ref`` code: keep the code for 30 days (this host only)."""
    code = request.args.get("ref")
    if code and g.get("site") == STORE and g.get("tenant") is not None \
            and referrer_id_from_code(code, g.tenant.id) is not None:
        response.set_cookie(REF_COOKIE, code, max_age=REF_DAYS * 24 * 3600, httponly=True, samesite="Lax",
                            secure=request.is_secure)
    return response


def _share_link(member):
    return url_for("home", ref=referral_code(member), _external=True)


@storefront_bp.route("/me/distribution")
def distribution_center():
    member = current_member()
    if member is None:
        return redirect(url_for("storefront.login", next=url_for("storefront.distribution_center")))
    distributor = distributor_of(member.id)
    approved = distributor is not None and distributor.status == Distributor.APPROVED
    level1, level2 = team_counts(member.id)
    return render_template("storefront/distribution.html", settings=distribution_settings(), distributor=distributor,
                           approved=approved, team=(level1, level2), earnings=earnings_of(member.id),
                           commissions=member_commissions(member.id), share_link=_share_link(member) if approved else None,
                           code=referral_code(member), labels=status_labels())


@storefront_bp.route("/me/distribution/apply", methods=["POST"])
def distribution_apply():
    member = current_member()
    if member is None:
        return redirect(url_for("storefront.login", next=url_for("storefront.distribution_center")))
    with Attempt() as attempt:  # a refusal (program off, applied already) is flashed
        apply_as_distributor(member)
    if not attempt.refused:
        flash(_("Application sent. The store will review it."), "success")
    return redirect(url_for("storefront.distribution_center"))


@storefront_bp.route("/me/invite")
def invite_page():
    member = current_member()
    if member is None:
        return redirect(url_for("storefront.login", next=url_for("storefront.invite_page")))
    settings = invite_settings()
    coupons = coupons_by_id(tier.get("coupon_id") for tier in settings.tiers)
    reached = {reward.tier: reward for reward in rewards_of(member.id)}
    return render_template("storefront/invite.html", settings=settings, coupons=coupons, reached=reached,
                           counted=counted_invitees(member.id), invitees=invitees_of(member.id),
                           share_link=_share_link(member), invited_by=referrer_of(member.id) is not None)
