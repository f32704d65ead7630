"""客服 through the mini-program API: start (or continue) a conversation about a product or an
order, send a message (the auto-answer's reply comes back with it), read only what is new,
list the conversations with unread counts; bad input is problem details; another member's or
another store's conversation is 404."""
from sqlalchemy import select

from commerce.support.models import Conversation
from commerce.support.service import staff_replies
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tests.storefront.api.conftest import TEA_APPID
from tests.storefront.api.test_aftersales_and_addresses import paid_order


def test_a_conversation_about_a_product_started_twice_is_one_and_the_store_reply_is_read_as_new(stores, sign_in):
    demo, _tea, goods = stores
    shopper = sign_in()
    product_id = goods["longjing"][0]
    started = shopper.post("/support/conversations", {"about": "product", "product_id": product_id})
    assert started.status_code == 200
    conversation = started.get_json()
    assert (conversation["about"], conversation["product_title"]) == ("product", "龙井")
    assert shopper.post("/support/conversations", {"about": "product", "product_id": product_id}).get_json()["id"] == conversation["id"]
    thread = f"/support/conversations/{conversation['id']}/messages"
    sent = shopper.post(thread, {"body": "是明前茶吗"})
    assert sent.status_code == 201 and [m["sender"] for m in sent.get_json()["items"]] == ["member"]
    last = sent.get_json()["items"][-1]["id"]
    with tenant_context(demo.id):
        owner = db.session.scalar(select(StaffUser))
        staff_replies(db.session.get(Conversation, conversation["id"]), owner, "是的，三月采摘")
        db.session.commit()
    listed = shopper.get("/support/conversations").get_json()["items"]
    assert [(c["id"], c["unread"], c["last_preview"]) for c in listed] == [(conversation["id"], 1, "是的，三月采摘")]
    new = shopper.get(thread, after=last).get_json()["items"]
    assert [(m["sender"], m["body"]) for m in new] == [("staff", "是的，三月采摘")]
    assert shopper.get("/support/conversations").get_json()["items"][0]["unread"] == 0


def test_the_auto_answer_comes_back_with_the_message_about_an_order(stores, sign_in):
    demo, _tea, goods = stores
    shopper = sign_in()
    order = paid_order(shopper, demo, goods["longjing"][1])
    conversation = shopper.post("/support/conversations", {"about": "order", "order_no": order["order_no"]}).get_json()
    assert (conversation["about"], conversation["order_no"]) == ("order", order["order_no"])
    sent = shopper.post(f"/support/conversations/{conversation['id']}/messages", {"body": "订单到哪了"}).get_json()
    assert sent["items"][1] == {**sent["items"][1], "sender": "bot",
                                "body": f"Your order {order['order_no']}: Paid, to be shipped."}


def test_bad_input_is_problem_details_and_nothing_is_written(stores, sign_in):
    _demo, _tea, goods = stores
    shopper = sign_in()
    missing = shopper.post("/support/conversations", {"about": "product", "product_id": 999999})
    assert missing.status_code == 404 and missing.get_json()["code"] == "invalid_support_request"
    assert shopper.post("/support/conversations", {"about": "store", "product_id": 1}).status_code == 400
    conversation = shopper.post("/support/conversations", {"about": "store"}).get_json()
    empty = shopper.post(f"/support/conversations/{conversation['id']}/messages", {"body": ""})
    assert empty.status_code == 400 and empty.headers["Content-Type"].startswith("application/problem+json")
    blank = shopper.post(f"/support/conversations/{conversation['id']}/messages", {"body": "   "})
    assert blank.status_code == 422 and blank.get_json()["detail"] == "Write a message first."
    assert shopper.get(f"/support/conversations/{conversation['id']}/messages").get_json()["items"] == []


def test_another_members_or_stores_conversation_is_404(stores, sign_in):
    _demo, _tea, goods = stores
    alice, bob = sign_in(nickname="Alice"), sign_in(nickname="Bob")
    conversation = alice.post("/support/conversations", {"about": "product", "product_id": goods["longjing"][0]}).get_json()
    thread = f"/support/conversations/{conversation['id']}/messages"
    alice.post(thread, {"body": "我的电话 138…"})
    assert bob.get(thread).status_code == 404 and bob.post(thread, {"body": "hi"}).status_code == 404
    assert bob.get("/support/conversations").get_json()["items"] == []
    tina = sign_in(appid=TEA_APPID, nickname="Tina")
    assert tina.get(thread).status_code == 404
    assert tina.post("/support/conversations", {"about": "product", "product_id": goods["longjing"][0]}).status_code == 404
