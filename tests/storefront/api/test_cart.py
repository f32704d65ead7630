"""The cart through the API: add, change, remove, each line with today's price, its stock and
what is wrong with it; another member's or store's lines are not there (404)."""
from sqlalchemy import update

from commerce.catalog.models import SKU
from core.extensions import db
from core.tenancy import tenant_context
from tests.storefront.api.conftest import TEA_APPID


def test_add_change_and_remove_lines(stores, sign_in):
    _demo, _tea, goods = stores
    shopper = sign_in()
    _product, longjing = goods["longjing"]
    added = shopper.post("/cart/items", {"sku_id": longjing, "quantity": 2})
    assert added.status_code == 201, added.get_json()
    body = added.get_json()
    (line,) = body["lines"]
    assert (line["title"], line["unit_price"], line["quantity"], line["stock"], line["available"], line["notes"]) == (
        "龙井", 5000, 2, 5, True, [])
    assert body["count"] == 2 and "no-store" in added.headers["Cache-Control"]

    again = shopper.post("/cart/items", {"sku_id": longjing, "quantity": 1}).get_json()
    assert again["lines"][0]["quantity"] == 3 and again["count"] == 3

    changed = shopper.patch(f"/cart/items/{line['id']}", {"quantity": 5})
    assert changed.status_code == 200 and changed.get_json()["lines"][0]["quantity"] == 5
    too_many = shopper.patch(f"/cart/items/{line['id']}", {"quantity": 6})
    assert too_many.status_code == 422 and too_many.mimetype == "application/problem+json"
    assert too_many.get_json()["code"] == "cart_problem" and "Only 5" in too_many.get_json()["detail"]

    removed = shopper.delete(f"/cart/items/{line['id']}")
    assert removed.status_code == 200 and removed.get_json() == {"lines": [], "count": 0}
    assert shopper.get("/cart").get_json()["count"] == 0


def test_price_changes_and_low_stock_are_noted_on_the_line(stores, sign_in):
    demo, _tea, goods = stores
    shopper = sign_in()
    _product, longjing = goods["longjing"]
    shopper.post("/cart/items", {"sku_id": longjing, "quantity": 3})
    with tenant_context(demo.id):
        db.session.execute(update(SKU).where(SKU.id == longjing).values(price=5500, stock=2))
        db.session.commit()
    (line,) = shopper.get("/cart").get_json()["lines"]
    assert line["unit_price"] == 5500 and line["seen_price"] == 5000 and line["available"] is False
    assert line["notes"] == ["Price changed from ¥50.00.", "Only 2 left."]


def test_zh_problem_detail(stores, sign_in):
    _demo, _tea, goods = stores
    shopper = sign_in()
    answer = shopper.call("POST", "/cart/items", json={"sku_id": goods["longjing"][1], "quantity": 9},
                          headers={"Accept-Language": "zh-CN"})
    assert answer.status_code == 422 and "仅剩 5 件" in answer.get_json()["detail"]


def test_another_member_and_another_store_cannot_see_or_touch_the_cart(stores, sign_in):
    _demo, _tea, goods = stores
    mine, theirs = sign_in(), sign_in(nickname="小红")
    line = mine.post("/cart/items", {"sku_id": goods["longjing"][1], "quantity": 1}).get_json()["lines"][0]
    assert theirs.get("/cart").get_json()["lines"] == []
    assert theirs.patch(f"/cart/items/{line['id']}", {"quantity": 2}).status_code == 404
    assert theirs.delete(f"/cart/items/{line['id']}").status_code == 404
    # demo's token names nobody in tea; a tea shopper cannot add demo's SKU nor touch demo's line.
    assert mine.as_store(TEA_APPID).get("/cart").status_code == 401
    tea_shopper = sign_in(TEA_APPID, address=False)
    assert tea_shopper.post("/cart/items", {"sku_id": goods["longjing"][1], "quantity": 1}).status_code == 422
    assert tea_shopper.delete(f"/cart/items/{line['id']}").status_code == 404
    assert mine.get("/cart").get_json()["count"] == 1


def test_the_cart_needs_a_token(stores, app):
    answer = app.test_client().get("/api/v1/cart", headers={"X-Duoshop-AppID": "wx00000000000000a1"})
    assert answer.status_code == 401 and answer.get_json()["code"] == "not_authenticated"
