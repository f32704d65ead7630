"""Claiming a coupon from the home page's coupon strip answers on the same page: a returning
shopper (whose browser holds the page's ETag) sees the flashed answer right after the
redirect, once; the strip's script gets the answer as JSON, for success and every refusal."""
import pytest

from tests.commerce.marketing.coupons.test_coupons import new_coupon
from tests.commerce.orders.test_checkout_and_pay import DESKTOP
from tests.commerce.pricing.test_coupon_checkout import with_coupon_strip

YOURS = "The coupon is yours: it is taken off at checkout."
JSON = {"Accept": "application/json"}


def claim_from_home(client, coupon_id, headers=None):
    home = f"http://{client.host}/"
    return client.post(f"/coupons/{coupon_id}/claim",
                       headers={**DESKTOP, "Origin": f"http://{client.host}", "Referer": home, **(headers or {})})


def back_home(client, etag):
    return client.get("/", headers={**DESKTOP, "If-None-Match": etag})


@pytest.fixture
def returning_shopper(shop, store_client):
    """A signed-in shopper whose browser has the home page cached (its ETag)."""
    demo, tea, _product, _sku = shop
    with_coupon_strip(demo)
    with_coupon_strip(tea)
    shopper = store_client("demo")
    first = new_coupon(demo, name="先领一张")
    claim_from_home(shopper, first)  # now a member with a session
    shopper.get("/", headers=DESKTOP)  # the flash is shown and gone
    page = shopper.get("/", headers=DESKTOP)
    assert page.status_code == 200 and page.headers["ETag"]
    assert back_home(shopper, page.headers["ETag"]).status_code == 304  # the browser's copy is current
    return shopper, page.headers["ETag"]


@pytest.mark.parametrize(("coupon", "claims_before", "message"), [
    ({}, 0, YOURS),
    ({}, 1, "You already have this coupon."),
    ({"per_member_limit": 2}, 2, "You can hold this coupon at most 2 times."),
    ({"total_quantity": 1}, "someone else", "Sorry, this coupon has all been claimed."),
])
def test_the_answer_shows_right_after_the_redirect_and_only_once(shop, store_client, returning_shopper,
                                                                  coupon, claims_before, message):
    shopper, etag = returning_shopper
    coupon_id = new_coupon(shop[0], **coupon)
    if claims_before == "someone else":
        claim_from_home(store_client("demo"), coupon_id)
    else:
        for _ in range(claims_before):
            claim_from_home(shopper, coupon_id)
            shopper.get("/", headers=DESKTOP)
    answer = claim_from_home(shopper, coupon_id)
    assert answer.status_code == 302 and answer.location == f"http://{shopper.host}/"
    right_after = back_home(shopper, etag)
    assert right_after.status_code == 200
    assert message in right_after.get_data(as_text=True)
    assert "no-store" in right_after.headers["Cache-Control"] and "ETag" not in right_after.headers
    assert message not in shopper.get("/", headers=DESKTOP).get_data(as_text=True)  # shown once


@pytest.mark.parametrize(("coupon", "claims_before", "status", "message"), [
    ({}, 0, 200, YOURS),
    ({}, 1, 409, "You already have this coupon."),
    ({"per_member_limit": 2}, 2, 409, "You can hold this coupon at most 2 times."),
    ({"total_quantity": 1}, "someone else", 409, "Sorry, this coupon has all been claimed."),
])
def test_the_strips_script_gets_the_answer_in_place(shop, store_client, returning_shopper,
                                                    coupon, claims_before, status, message):
    shopper, _etag = returning_shopper
    coupon_id = new_coupon(shop[0], **coupon)
    if claims_before == "someone else":
        claim_from_home(store_client("demo"), coupon_id, JSON)
    else:
        for _ in range(claims_before):
            claim_from_home(shopper, coupon_id, JSON)
    answer = claim_from_home(shopper, coupon_id, JSON)
    assert answer.is_json and answer.json == {"ok": status == 200, "message": message}
    assert answer.status_code == status
    assert "flash" not in shopper.get("/", headers=DESKTOP).get_data(as_text=True)  # nothing left for later


def test_another_stores_coupon_is_refused_in_place_and_not_given(shop, store_client, returning_shopper):
    shopper, _etag = returning_shopper
    tea_coupon = new_coupon(shop[1])
    answer = claim_from_home(shopper, tea_coupon, JSON)
    assert answer.status_code == 404 and answer.json["ok"] is False
