"""Coupons on store hosts: claiming one from a page's coupon strip, and the checkout's
list of the shopper's coupons that apply, the best combination chosen."""
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from commerce.marketing.coupons import (
    best_selection,
    claim_coupon,
    combined_discount,
    coupon_lines,
    eligible_coupons,
)
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


def checkout_coupons(member, lines, shipping, chosen_ids=None):
    """``(offers, chosen ids, discount)`` for the checkout page: the member's coupons that
    apply to these cart lines, largest first, with the best combination chosen unless the
    shopper already chose (``chosen_ids``)."""
    if member is None or not lines:
        return [], set(), 0
    subtotal = sum(line.amount for line in lines)
    offers = eligible_coupons(member.id, coupon_lines((line.product.id, line.product.category_id, line.amount)
                                                      for line in lines), subtotal)
    if chosen_ids is None:
        chosen = best_selection(offers)
    else:
        chosen = [offer for offer in offers if offer.member_coupon.id in chosen_ids]
    discount = combined_discount([offer.discount for offer in chosen], subtotal, shipping or 0)
    return offers, {offer.member_coupon.id for offer in chosen}, discount


def chosen_coupon_ids(form):
    return [int(value) for value in form.getlist("coupon_id") if value.isdigit()][:10]
