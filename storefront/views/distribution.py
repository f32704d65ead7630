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
from commerce.marketing.distribution.errors import ReferralRefused
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
    bind_referral,
    referral_code,
    referrer_id_from_code,
)
from commerce.marketing.invites.queries import counted_invitees, invite_settings, invitees_of, rewards_of
from core.refusals import Attempt
from storefront.shopper import current_member
from storefront.views import storefront_bp
from tenants.middleware import STORE

REF_COOKIE = "ref"
REF_DAYS = 30


@storefront_bp.after_app_request
def remember_referrer(response):
    """A store URL with a valid ``ref`` code: keep the code for 30 days (this host only)."""
    code = request.args.get("ref")
    if code and g.get("site") == STORE and g.get("tenant") is not None \
            and referrer_id_from_code(code, g.tenant.id) is not None:
        response.set_cookie(REF_COOKIE, code, max_age=REF_DAYS * 24 * 3600, httponly=True, samesite="Lax",
                            secure=request.is_secure)
    return response


def bind_remembered_referrer(member):
    """At sign-in: bind the member to the referrer whose link they came by, if any and if
    allowed (never themselves, never a loop, never a second referrer). Does not commit."""
    referrer_id = referrer_id_from_code(request.cookies.get(REF_COOKIE), member.tenant_id)
    if referrer_id is None:
        return None
    try:
        return bind_referral(member.id, referrer_id)
    except ReferralRefused:
        return None  # a shopper following a link is never stopped from signing in


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
