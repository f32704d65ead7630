"""Checkout through the API: the preview is the one price quote (the H5 checkout page shows the
same lines and amounts for the same cart), the order is placed from it, a retried request_id
answers the same order (also from threads racing on PostgreSQL), and nobody checks out with
another member's lines or address."""
import re
import threading
import uuid

import pytest
from sqlalchemy import func, select

from commerce.catalog.models import SKU
from commerce.marketing.coupons.models import Coupon, MemberCoupon
from commerce.marketing.coupons.service import create_coupon, issue_to_members
from commerce.members.levels import recompute_level, save_level
from commerce.members.models import Member, MemberLevel
from commerce.orders.models import Order
from commerce.shipping.service import create_template
from core.extensions import db
from core.money import format_money
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tests.commerce.marketing.coupons.test_coupons import coupon
from tests.commerce.orders.test_checkout_and_pay import DESKTOP, add_to_cart
from tests.commerce.pricing.test_price_quote import totals
from tests.factories import create_member
from tests.storefront.api.conftest import TEA_APPID
from tests.storefront.test_checkout_forms import signed_in


def with_shipping(store, first_fee=1200, free_over=None):
    """A default template charging ``first_fee`` for the first kg anywhere, 500 each more."""
    with tenant_context(store.id):
        owner = db.session.scalar(select(StaffUser).where(StaffUser.role == StaffUser.OWNER))
        create_template(actor=owner, name="顺丰", is_default=True, free_over=free_over,
                        rules=[{"regions": [], "first_weight_g": 1000, "first_fee": first_fee, "extra_weight_g": 1000,
                                "extra_fee": 500}])
        db.session.commit()


def fill_cart(shopper, goods):
    shopper.post("/cart/items", {"sku_id": goods["longjing"][1], "quantity": 2})
    return shopper.post("/cart/items", {"sku_id": goods["biluochun"][1], "quantity": 1}).get_json()


def orders_of(store):
    with tenant_context(store.id):
        return db.session.scalar(select(func.count()).select_from(Order))


def stock_of(store, sku_id):
    with tenant_context(store.id):
        db.session.expire_all()
        return db.session.get(SKU, sku_id).stock


def test_the_preview_is_the_quote_of_the_chosen_lines(stores, sign_in):
    demo, _tea, goods = stores
    with_shipping(demo)
    shopper = sign_in()
    cart = fill_cart(shopper, goods)
    preview = shopper.post("/checkout/preview", {"line_ids": [line["id"] for line in cart["lines"]]})
    assert preview.status_code == 200, preview.get_json()
    quote = preview.get_json()
    assert [(line["title"], line["quantity"], line["line_total"]) for line in quote["lines"]] == [
        ("龙井", 2, 10000), ("碧螺春", 1, 3000)]
    assert (quote["goods"], quote["shipping_fee"], quote["total"], quote["discounts"], quote["problems"]) == (
        13000, 1200, 14200, [], [])
    assert quote["address"]["city"] == "杭州市" and quote["coupon"] is None
    assert "no-store" in preview.headers["Cache-Control"]

    one_line = shopper.post("/checkout/preview", {"line_ids": [cart["lines"][1]["id"]]}).get_json()
    assert (one_line["goods"], one_line["total"]) == (3000, 4200)
    bought_now = shopper.post("/checkout/preview", {"items": [{"sku_id": goods["longjing"][1], "quantity": 1}]})
    assert bought_now.get_json()["total"] == 6200
    both = shopper.post("/checkout/preview", {"line_ids": [1], "items": [{"sku_id": 1, "quantity": 1}]})
    assert both.status_code == 400 and both.get_json()["code"] == "invalid_parameter"


def gold_with_coupons(store, member_id):
    """Make every member of ``store`` 金卡 (95 %) and give ``member_id`` a ¥10-off-¥100 coupon and a
    stackable ¥3 one; returns their MemberCoupon ids by name."""
    with tenant_context(store.id):
        if db.session.scalar(select(func.count()).select_from(MemberLevel)) == 0:
            save_level(name="金卡", growth_threshold=0, discount_percent=95)
        recompute_level(db.session.get(Member, member_id))
        for fields in (coupon(), coupon(name="无门槛3元", kind=Coupon.NO_THRESHOLD, amount_off=300, threshold=0,
                                         stackable=True)):
            found = db.session.scalar(select(Coupon).where(Coupon.name == fields["name"]))
            issue_to_members(found or create_coupon(fields, actor=None), [member_id], actor=None)
        db.session.commit()
        return {held.coupon.name: held.id for held in db.session.scalars(
            select(MemberCoupon).where(MemberCoupon.member_id == member_id))}


def expected_h5_totals(quote):
    """The H5 price lines (``totals``: [(dd class, text)]) that show ``quote``."""
    classes = {"level": "member-discount", "coupon": "coupon-discount", "points": "points-discount"}
    return ([("", format_money(quote["goods"]))]
            + [(classes[d["kind"]], "−" + format_money(d["amount"])) for d in quote["discounts"]]
            + [("shipping-fee", format_money(quote["shipping_fee"])), ("price order-total", format_money(quote["total"]))])


def test_h5_and_api_show_the_same_lines_and_amounts_for_the_same_cart(stores, sign_in, store_client):
    demo, _tea, goods = stores
    with_shipping(demo)
    api_shopper = sign_in()
    gold_with_coupons(demo, api_shopper.member_id)
    quote = api_shopper.post("/checkout/preview", {"line_ids": [
        line["id"] for line in fill_cart(api_shopper, goods)["lines"]]}).get_json()
    assert [d["kind"] for d in quote["discounts"]] == ["level", "coupon", "coupon"]  # something to compare
    assert quote["discounts"][0]["label"] == "Member discount · 金卡"

    member_id, _address = create_member(demo, nickname="网页顾客")
    gold_with_coupons(demo, member_id)
    browser = signed_in(store_client("demo"), member_id)
    add_to_cart(browser, goods["longjing"][0], goods["longjing"][1], quantity=2)
    add_to_cart(browser, goods["biluochun"][0], goods["biluochun"][1], quantity=1)
    page = browser.get("/checkout", headers=DESKTOP)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    h5_lines = re.findall(r"<li><span>([^<·×]+?)(?: · [^<]*)? × (\d+).*?</span><span>(¥[\d,.]+)</span>", html)
    assert [(title.strip(), int(quantity), money) for title, quantity, money in h5_lines] == [
        (line["title"], line["quantity"], format_money(line["line_total"])) for line in quote["lines"]]
    assert totals(html) == expected_h5_totals(quote)
    block = re.search(r'<dl class="totals">(.*?)</dl>', html, re.S).group(1)
    assert [label for label in re.findall(r"<dt>(.*?)</dt>", block) if label.startswith(("Member", "Coupon "))] == [
        d["label"] for d in quote["discounts"]]


def test_coupon_choice_null_best_zero_none_or_one(stores, sign_in):
    demo, _tea, goods = stores
    shopper = sign_in()
    held = gold_with_coupons(demo, shopper.member_id)
    fill_cart(shopper, goods)

    def coupons(**choice):
        quote = shopper.post("/checkout/preview", choice).get_json()
        return [c["id"] for c in quote["coupons"]], quote

    best, quote = coupons()
    assert best == [held["满100减10"], held["无门槛3元"]] and quote["coupon"]["id"] == held["满100减10"]
    assert {c["id"] for c in quote["usable_coupons"]} == set(held.values())
    assert coupons(coupon_id=0)[0] == []
    assert coupons(coupon_id=held["无门槛3元"])[0] == [held["无门槛3元"]]
    not_theirs = shopper.post("/checkout/preview", {"coupon_id": 999})
    assert not_theirs.status_code == 200 and not_theirs.get_json()["problems"] == ["A chosen coupon can no longer be used."]
    refused = shopper.post("/orders", {"coupon_id": 999, "request_id": uuid.uuid4().hex})
    assert refused.status_code == 409 and refused.get_json()["code"] == "coupon_unavailable"

    placed = shopper.post("/orders", {"request_id": uuid.uuid4().hex}).get_json()  # null: the best, spent
    assert placed["amounts"]["total"] == quote["total"]
    assert [d["kind"] for d in placed["amounts"]["discounts"]] == ["level", "coupon", "coupon"]
    with tenant_context(demo.id):
        assert {c.status for c in db.session.scalars(select(MemberCoupon))} == {MemberCoupon.USED}


def test_placing_the_order_charges_the_preview_and_empties_the_bought_lines(stores, sign_in):
    demo, _tea, goods = stores
    with_shipping(demo)
    shopper = sign_in()
    cart = fill_cart(shopper, goods)
    body = {"line_ids": [line["id"] for line in cart["lines"]]}
    quote = shopper.post("/checkout/preview", body).get_json()
    placed = shopper.post("/orders", {**body, "request_id": str(uuid.uuid4()), "remark": "请尽快发货"})
    assert placed.status_code == 201, placed.get_json()
    order = placed.get_json()
    assert (order["status"], order["state"], order["remark"], order["actions"]) == (
        "unpaid", "pending_payment", "请尽快发货", ["cancel", "pay"])
    assert order["amounts"]["total"] == quote["total"] and order["amounts"]["shipping_fee"] == quote["shipping_fee"]
    assert [(line["title"], line["quantity"], line["line_total"]) for line in order["lines"]] == [
        (line["title"], line["quantity"], line["line_total"]) for line in quote["lines"]]
    assert order["address"] == {"name": "张三", "phone": "13812345678", "region": "浙江省 杭州市 西湖区",
                                "street": "文三路 100 号"}
    assert shopper.get("/cart").get_json()["lines"] == []
    assert stock_of(demo, goods["longjing"][1]) == 3
    assert shopper.get(f"/orders/{order['order_no']}").get_json() == order


def test_a_retried_request_id_answers_the_same_order(stores, sign_in):
    demo, _tea, goods = stores
    shopper = sign_in()
    body = {"items": [{"sku_id": goods["longjing"][1], "quantity": 1}], "request_id": "retry-" + uuid.uuid4().hex}
    first, second = shopper.post("/orders", body), shopper.post("/orders", body)
    assert first.status_code == second.status_code == 201
    assert first.get_json()["order_no"] == second.get_json()["order_no"]
    assert orders_of(demo) == 1 and stock_of(demo, goods["longjing"][1]) == 4
    # Another member's same key is their own order.
    other = sign_in(nickname="小红")
    assert other.post("/orders", body).get_json()["order_no"] != first.get_json()["order_no"]


@pytest.mark.postgres
def test_racing_retries_of_one_request_id_place_one_order(stores, sign_in):
    demo, _tea, goods = stores
    shopper = sign_in()
    body = {"items": [{"sku_id": goods["longjing"][1], "quantity": 1}], "request_id": "race-" + uuid.uuid4().hex}
    barrier, answers = threading.Barrier(8, timeout=60), []

    def place():
        barrier.wait()
        answer = shopper.post("/orders", body)
        answers.append((answer.status_code, answer.get_json().get("order_no")))

    threads = [threading.Thread(target=place) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 8 and {status for status, _ in answers} == {201}, answers
    assert len({number for _, number in answers}) == 1
    assert orders_of(demo) == 1 and stock_of(demo, goods["longjing"][1]) == 4


def test_refusals_are_problems_and_write_nothing(stores, sign_in):
    demo, _tea, goods = stores
    shopper = sign_in()
    shopper.post("/cart/items", {"sku_id": goods["longjing"][1], "quantity": 2})
    with tenant_context(demo.id):
        db.session.get(SKU, goods["longjing"][1]).price = 4500
        db.session.commit()
    preview = shopper.post("/checkout/preview", {}).get_json()
    assert preview["total"] == 9000  # today's price, shipping free (no template)
    changed = shopper.post("/orders", {"request_id": uuid.uuid4().hex})
    assert changed.status_code == 409 and changed.get_json()["code"] == "checkout_problem"
    assert "price of 龙井 changed" in changed.get_json()["detail"]
    empty = sign_in(nickname="空购物车").post("/orders", {"request_id": uuid.uuid4().hex})
    assert empty.status_code == 409 and "empty" in empty.get_json()["detail"]
    no_address = sign_in(nickname="无地址", address=False).post(
        "/orders", {"items": [{"sku_id": goods["biluochun"][1], "quantity": 1}], "request_id": uuid.uuid4().hex})
    assert no_address.status_code == 409 and no_address.get_json()["code"] == "checkout_problem"
    assert orders_of(demo) == 0 and stock_of(demo, goods["longjing"][1]) == 5


def test_another_members_lines_address_and_store_are_404(stores, sign_in):
    _demo, _tea, goods = stores
    mine, theirs = sign_in(), sign_in(nickname="小红")
    line = mine.post("/cart/items", {"sku_id": goods["longjing"][1], "quantity": 1}).get_json()["lines"][0]
    my_address = mine.get("/addresses").get_json()["items"][0]["id"]
    assert theirs.post("/checkout/preview", {"line_ids": [line["id"]]}).status_code == 404
    assert theirs.post("/checkout/preview", {"items": [{"sku_id": goods["longjing"][1], "quantity": 1}],
                                             "address_id": my_address}).status_code == 404
    tea_shopper = sign_in(TEA_APPID)
    assert tea_shopper.post("/checkout/preview", {"items": [{"sku_id": goods["longjing"][1], "quantity": 1}]}
                            ).status_code == 404
    assert tea_shopper.post("/orders", {"items": [{"sku_id": goods["longjing"][1], "quantity": 1}],
                                        "request_id": uuid.uuid4().hex}).status_code == 404
