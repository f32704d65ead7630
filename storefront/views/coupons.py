"""Coupons on store hosts: claiming one from a page's coupon strip, and reading the
checkout form's choice (the offers and the best combination come from the quote)."""
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from commerce.marketing.coupons.service import claim_coupon
from core.extensions import csrf
from core.refusals import Attempt
from core.security import require_same_origin
from storefront.blueprints import storefront_bp
from storefront.shopper import become_member


@storefront_bp.route("/coupons/<int:coupon_id>/claim", methods=["POST"])
@csrf.exempt  # the coupon strip is on cached pages, without a per-session token: checked by origin instead
def coupon_claim(coupon_id):
    require_same_origin()
    with Attempt() as attempt:  # a refusal (paused, all claimed, held already) is flashed
        member = become_member()
        claim_coupon(member.id, coupon_id)
    if not attempt.refused:
        flash(_("The coupon is yours: it is taken off at checkout."), "success")
    referrer = request.referrer or ""
    return redirect(referrer if referrer.startswith(request.host_url) else url_for("storefront.cart"))
