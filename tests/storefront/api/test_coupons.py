"""Coupons over /api/v1: what can be claimed, claiming (once when the limit is one), and 我的
优惠券 by status; another store's coupon is a 404 and its list is its own."""
from datetime import timedelta

from commerce.marketing.coupons.models import Coupon, MemberCoupon
from commerce.marketing.coupons.service import create_coupon
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from tests.storefront.api.conftest import api


def _coupon(store, **fields):
    values = {"name": "满100减10", "kind": Coupon.AMOUNT_OFF, "amount_off": 1000, "threshold": 10000,
              "percent_off": None, "max_discount": None, "scope": Coupon.ALL, "target_ids": [], "valid_from": None,
              "valid_until": None, "valid_days": 7, "total_quantity": None, "per_member_limit": 1,
              "stackable": False, **fields}
    with tenant_context(store.id):
        made = create_coupon(values, actor=None)
        db.session.commit()
        return made.id


def test_a_member_claims_a_coupon_once_and_finds_it_usable(world, platform_client):
    coupon_id = _coupon(world.demo)
    listed = platform_client.get("/api/v1/coupons", headers={"X-Duoshop-AppID": world.alice.appid}).get_json()
    assert listed["items"] == [{"id": coupon_id, "title": "满100减10", "kind": "amount_off", "value": 1000,
                                "percent_off": None, "min_spend": 10000}]
    assert platform_client.get("/api/v1/coupons", headers={"X-Duoshop-AppID": world.tina.appid}).get_json() == {
        "items": []}

    claimed = api(platform_client, "POST", f"/coupons/{coupon_id}/claim", world.alice)
    assert claimed.status_code == 201, claimed.get_json()
    mine = claimed.get_json()
    assert mine["coupon_id"] == coupon_id and mine["status"] == "usable" and mine["value"] == 1000
    again = api(platform_client, "POST", f"/coupons/{coupon_id}/claim", world.alice)
    assert again.status_code == 409 and again.get_json()["code"] == "coupon_unavailable"

    usable = api(platform_client, "GET", "/me/coupons", world.alice).get_json()["items"]
    assert [c["id"] for c in usable] == [mine["id"]]
    assert api(platform_client, "GET", "/me/coupons", world.alice, query_string={"status": "used"}).get_json() == {
        "items": []}
    assert api(platform_client, "GET", "/me/coupons", world.bob).get_json() == {"items": []}
    # tea's member cannot claim demo's coupon: there is no such coupon in tea
    other = api(platform_client, "POST", f"/coupons/{coupon_id}/claim", world.tina)
    assert other.status_code == 404 and other.mimetype == "application/problem+json"
    assert api(platform_client, "GET", "/me/coupons", world.tina).get_json() == {"items": []}


def test_my_coupons_by_status(world, platform_client):
    coupon_id = _coupon(world.demo, per_member_limit=2)
    for _ in range(2):
        assert api(platform_client, "POST", f"/coupons/{coupon_id}/claim", world.alice).status_code == 201
    with tenant_context(world.demo.id):
        first, second = db.session.query(MemberCoupon).order_by(MemberCoupon.id).all()
        first.valid_until = utcnow() - timedelta(minutes=1)
        second.status = MemberCoupon.USED
        second.used_at = utcnow()
        db.session.commit()
        ids = first.id, second.id
    by_status = {status: [c["id"] for c in api(platform_client, "GET", "/me/coupons", world.alice,
                                                 query_string={"status": status}).get_json()["items"]]
                 for status in ("usable", "used", "expired")}
    assert by_status == {"usable": [], "used": [ids[1]], "expired": [ids[0]]}
    bad = api(platform_client, "GET", "/me/coupons", world.alice, query_string={"status": "unused"})
    assert bad.status_code == 400


def test_a_paused_or_unknown_coupon_cannot_be_claimed(world, platform_client):
    coupon_id = _coupon(world.demo)
    with tenant_context(world.demo.id):
        db.session.get(Coupon, coupon_id).status = Coupon.PAUSED
        db.session.commit()
    assert platform_client.get("/api/v1/coupons", headers={"X-Duoshop-AppID": world.alice.appid}).get_json() == {
        "items": []}
    assert api(platform_client, "POST", f"/coupons/{coupon_id}/claim", world.alice).status_code == 404
    assert api(platform_client, "POST", "/coupons/99999999999/claim", world.alice).status_code == 404
