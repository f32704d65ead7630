"""Coupons on store hosts: claiming one from a page's coupon strip, and reading the
checkout form's choice (the offers and the best combination come from the quote).

Claiming answers on the page it came from: the strip's script asks for JSON and shows the
answer in a toast; without script the redirect back shows it as a flashed message (the
page is then answered whole, never "304 Not Modified", so the message shows at once)."""
from flask import flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _

from commerce.analytics.events import COUPON_CLAIMED
from commerce.marketing.coupons.service import claim_coupon
from core.extensions import csrf
from core.refusals import Attempt
from core.security import require_same_origin
from storefront.blueprints import storefront_bp
from storefront.shopper import become_member, wants_json
from storefront.visits import track_visit


@storefront_bp.route("/coupons/<int:coupon_id>/claim", methods=["POST"])
@csrf.exempt  # the coupon strip is on cached pages, without a per-session token: checked by origin instead
def coupon_claim(coupon_id):
    require_same_origin()
    in_place = wants_json()
    with Attempt(flash=not in_place) as attempt:  # a refusal (paused, all claimed, held already) is flashed
        member = become_member()
        claim_coupon(member.id, coupon_id)
    if not attempt.refused:
        track_visit(COUPON_CLAIMED, coupon_id=coupon_id)
    message = str(attempt.refusal.message) if attempt.refused else _("The coupon is yours: it is taken off at checkout.")
    if in_place:
        return jsonify(ok=not attempt.refused, message=message), attempt.status
    if not attempt.refused:
        flash(message, "success")
    referrer = request.referrer or ""
    return redirect(referrer if referrer.startswith(request.host_url) else url_for("storefront.cart"))
