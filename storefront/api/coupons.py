"""Coupons for a mini-program: the ones a shopper can claim, claiming one, and 我的优惠券 by
status. What a coupon takes off a cart is the checkout preview's (the price quote's) job;
``MyCoupon``/``member_coupon_json`` are the shape it answers its usable coupons in."""
from datetime import datetime
from typing import Literal

from flask import jsonify, request
from pydantic import Field

from commerce.analytics.events import COUPON_CLAIMED
from commerce.marketing.coupons.queries import claimable_coupons, member_coupons
from commerce.marketing.coupons.service import claim_coupon
from core.models import utcnow
from core.transaction import committed
from storefront.api.blueprint import MAX_ID, api_bp, current_api_member, private
from storefront.api.models import Fen, Model
from storefront.api.spec import MEMBER, responses, spec
from storefront.visits import track_api

TAG = "coupons"
MAX_CLAIMABLE = 50
STATUS_TABS = {"usable": "unused", "used": "used", "expired": "expired"}  # the API's words → 我的优惠券's tabs


class CouponOffer(Model):
    """A coupon the store hands out."""

    id: int
    title: str
    kind: Literal["amount_off", "percent_off", "no_threshold"]
    value: Fen = Field(description="Fen off (for a percent coupon its cap; 0: no cap).")
    percent_off: int | None = Field(description="20 = 20 % off (八折); percent coupons only.")
    min_spend: Fen = Field(description="Spend on eligible goods it needs; 0: no threshold.")


class CouponOffers(Model):
    items: list[CouponOffer]


class MyCoupon(CouponOffer):
    """A copy of a coupon the member holds; `id` is what checkout's `coupon_id` takes."""

    coupon_id: int
    valid_from: datetime
    valid_until: datetime
    status: Literal["usable", "used", "expired"]


class MyCoupons(Model):
    items: list[MyCoupon]


class MyCouponQuery(Model):
    status: Literal["usable", "used", "expired"] = "usable"


def _offer_json(coupon):
    return {"title": coupon.name, "kind": coupon.kind, "value": coupon.value() or 0,
            "percent_off": coupon.percent_off, "min_spend": coupon.min_spend()}


def member_coupon_json(copy, *, now=None):
    """A held copy (``MemberCoupon`` with its coupon) as ``MyCoupon``."""
    now = now or utcnow()
    status = "used" if copy.status == copy.USED else "usable" if copy.is_usable_at(now) else "expired"
    return {"id": copy.id, "coupon_id": copy.coupon_id, **_offer_json(copy.coupon),
            "valid_from": copy.valid_from.isoformat(), "valid_until": copy.valid_until.isoformat(), "status": status}


@api_bp.route("/coupons")
@spec.validate(resp=responses(CouponOffers, errors=(404,)), tags=[TAG])
def coupons():
    """Coupons a shopper can claim now, newest first."""
    return jsonify({"items": [{"id": c.id, "title": c.title, "kind": c.kind, "value": c.value,
                               "percent_off": c.percent_off, "min_spend": c.min_spend}
                              for c in claimable_coupons(limit=MAX_CLAIMABLE)]})


@api_bp.route("/coupons/<int:coupon_id>/claim", methods=["POST"])
@spec.validate(resp=responses(MyCoupon, status=201, errors=(401, 404, 409)), security=MEMBER, tags=[TAG])
def claim(coupon_id):
    """Claim a coupon. 404: no such coupon here; 409 `coupon_unavailable`: paused, ended, all
    claimed, or held as often as one member may."""
    member = current_api_member()
    with committed():
        copy = claim_coupon(member.id, coupon_id if coupon_id <= MAX_ID else 0)
        body = member_coupon_json(copy)
    track_api(COUPON_CLAIMED, member_id=member.id, coupon_id=copy.coupon_id)
    response = jsonify(body)
    response.status_code = 201
    return private(response)


@api_bp.route("/me/coupons")
@spec.validate(query=MyCouponQuery, resp=responses(MyCoupons, errors=(400, 401, 404)), security=MEMBER, tags=[TAG])
def my_coupons():
    """The member's coupons: usable (soonest-ending first), used or expired (latest first)."""
    member = current_api_member()
    held = member_coupons(member.id, STATUS_TABS[request.context.query.status])
    return private(jsonify({"items": [member_coupon_json(copy) for copy in held]}))
