"""Coupons on store hosts: claiming one from a page's coupon strip, and reading the
checkout form's choice (the offers and the best combination come from the quote)."""
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from commerce.marketing.coupons.service import claim_coupon
from core.errors import DomainError
from core.extensions import csrf, db
from core.security import require_same_origin
from storefront.shopper import become_member
from storefront.views import storefront_bp


@storefront_bp.route("/coupons/<int:coupon_id>/claim", methods=["POST"])
@csrf.exempt  # the coupon strip is on cached pages, without a per-session token: checked by origin instead
def coupon_claim(coupon_id):
    require_same_origin()
    try:
        member = become_member()
        claim_coupon(member.id, coupon_id)
    except DomainError as refusal:
        db.session.rollback()
        flash(str(refusal.message), "error")
    else:
        db.session.commit()
        flash(_("The coupon is yours: it is taken off at checkout."), "success")
    referrer = request.referrer or ""
    return redirect(referrer if referrer.startswith(request.host_url) else url_for("storefront.cart"))


def chosen_coupon_ids(form):
    return [int(value) for value in form.getlist("coupon_id") if value.isdigit()][:10]
