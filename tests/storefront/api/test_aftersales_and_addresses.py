"""After-sales and the address book through the API: a request on a paid order and its status,
addresses checked against China's divisions like the H5 address book; another member's or
store's are 404."""
import uuid

from commerce.aftersales.models import AfterSale
from commerce.aftersales.service import reject_after_sale
from core.extensions import db
from core.tenancy import tenant_context
from tests.commerce.orders.test_balance_payments import give_balance
from tests.storefront.api.conftest import ADDRESS, TEA_APPID


def paid_order(shopper, store, sku_id, quantity=2):
    order = shopper.post("/orders", {"items": [{"sku_id": sku_id, "quantity": quantity}],
                                     "request_id": uuid.uuid4().hex}).get_json()
    give_balance(store, shopper.member_id, 100000)
    assert shopper.post(f"/orders/{order['order_no']}/payment", {"method": "balance"}).status_code == 200
    return shopper.get(f"/orders/{order['order_no']}").get_json()


def test_an_after_sale_request_and_its_status(stores, sign_in):
    demo, _tea, goods = stores
    shopper = sign_in()
    unpaid = shopper.post("/orders", {"items": [{"sku_id": goods["longjing"][1], "quantity": 1}],
                                      "request_id": uuid.uuid4().hex}).get_json()
    refused = shopper.post(f"/orders/{unpaid['order_no']}/aftersales", {"kind": "refund_only", "reason": "other"})
    assert refused.status_code == 422 and refused.get_json()["code"] == "invalid_after_sale"

    order = paid_order(shopper, demo, goods["longjing"][1])
    line_id = order["lines"][0]["id"]
    asked = shopper.post(f"/orders/{order['order_no']}/aftersales", {
        "kind": "return_and_refund", "reason": "damaged", "line_ids": [line_id], "amount": 5000,
        "description": "盒子压坏了"})
    assert asked.status_code == 201, asked.get_json()
    request = asked.get_json()
    assert (request["status"], request["amount"], request["lines"], request["reason_label"]) == (
        "requested", 5000, {str(line_id): 2}, "Arrived damaged")
    assert (request["status_label"], request["kind_label"]) == ("Waiting for the store", "Return and refund")
    assert "aftersale" not in shopper.get(f"/orders/{order['order_no']}").get_json()["actions"]
    second = shopper.post(f"/orders/{order['order_no']}/aftersales", {"kind": "refund_only", "reason": "other"})
    assert second.status_code == 422

    with tenant_context(demo.id):
        reject_after_sale(db.session.get(AfterSale, request["id"]), actor=None, note="请先寄回")
        db.session.commit()
    decided = shopper.get(f"/aftersales/{request['id']}").get_json()
    assert (decided["status"], decided["merchant_note"]) == ("rejected", "请先寄回") and decided["decided_at"]
    assert decided["status_label"] == "Rejected"
    listed = shopper.get("/aftersales").get_json()
    assert [item["id"] for item in listed["items"]] == [request["id"]] and listed["next_cursor"] is None

    whole = shopper.post(f"/orders/{order['order_no']}/aftersales", {"kind": "refund_only", "reason": "quality"})
    assert whole.status_code == 201 and whole.get_json()["amount"] == 10000  # all that can be refunded
    assert shopper.get("/aftersales", cursor="forged").status_code == 400

    other, tea_shopper = sign_in(nickname="小红"), sign_in(TEA_APPID)
    for stranger in (other, tea_shopper):
        assert stranger.get(f"/aftersales/{request['id']}").status_code == 404
        assert stranger.get("/aftersales").get_json()["items"] == []


def test_the_address_book(stores, sign_in):
    shopper = sign_in(address=False)
    first = shopper.post("/addresses", ADDRESS)
    assert first.status_code == 201
    assert first.get_json() | {"id": 0} == {
        **ADDRESS, "id": 0, "area_code": "330106", "province_code": "330000", "is_default": True}
    second = shopper.post("/addresses", {**ADDRESS, "name": "李四", "province": None, "area_code": "110105",
                                         "city": "北京市", "district": "朝阳区"}).get_json()
    assert (second["province"], second["is_default"]) == ("北京市", False)
    made_default = shopper.post(f"/addresses/{second['id']}/default").get_json()["items"]
    assert [(a["name"], a["is_default"]) for a in made_default] == [("李四", True), ("张三", False)]

    edited = shopper.put(f"/addresses/{first.get_json()['id']}", {**ADDRESS, "street": "文一路 8 号",
                                                                  "is_default": True})
    assert edited.status_code == 200 and edited.get_json()["street"] == "文一路 8 号"
    wrong = shopper.put(f"/addresses/{first.get_json()['id']}", {**ADDRESS, "district": "朝阳区"})
    assert wrong.status_code == 422 and wrong.get_json()["code"] == "invalid_address"
    assert wrong.get_json()["detail"] == "Choose a district of 杭州市."
    assert shopper.post("/addresses", {**ADDRESS, "phone": "12345"}).status_code == 422

    left = shopper.delete(f"/addresses/{first.get_json()['id']}").get_json()["items"]
    assert [(a["name"], a["is_default"]) for a in left] == [("李四", True)]

    other, tea_shopper = sign_in(nickname="小红", address=False), sign_in(TEA_APPID, address=False)
    for stranger in (other, tea_shopper):
        assert stranger.get("/addresses").get_json()["items"] == []
        assert stranger.put(f"/addresses/{second['id']}", ADDRESS).status_code == 404
        assert stranger.delete(f"/addresses/{second['id']}").status_code == 404
        assert stranger.post(f"/addresses/{second['id']}/default").status_code == 404
    assert shopper.delete(f"/addresses/{2**40}").status_code == 404
    assert len(shopper.get("/addresses").get_json()["items"]) == 1
