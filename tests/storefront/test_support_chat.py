"""客服 on the H5 store: 「联系客服」 on the product and order pages opens the shopper's
conversation about it; the first message (a guest becomes a member) starts it, the next ones
continue it; the auto-answer replies at once; the store's reply reaches the chat's poll; one
shopper never reads another's conversation, nor another store's."""
from sqlalchemy import select

from commerce.support.models import Conversation
from commerce.support.service import staff_replies
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tests.commerce.support.helpers import paid_balance_order
from tests.conftest import csrf_from
from tests.factories import create_member
from tests.storefront.test_address_book import signed_in

EN = {"Accept-Language": "en"}
JSON = {"Accept": "application/json", **EN}


def test_the_product_page_links_to_customer_service_and_a_guests_first_message_starts_the_chat(shop, store_client):
    demo, _tea, product_id, _sku = shop
    shopper = store_client("demo")
    page = shopper.get(f"/products/{product_id}", headers=EN).get_data(as_text=True)
    assert f'href="/support/new?product={product_id}"' in page
    token = csrf_from(shopper, f"/support/new?product={product_id}")
    started = shopper.post("/support/new", headers=EN, data={"csrf_token": token, "body": "龙井是明前的吗",
                                                             "product": str(product_id)})
    assert started.status_code == 302
    chat = shopper.get(started.headers["Location"], headers=EN).get_data(as_text=True)
    assert "龙井是明前的吗" in chat and "About" in chat and "龙井</a>" in chat
    with tenant_context(demo.id):
        conversation = db.session.scalar(select(Conversation))
        assert (conversation.product_id, conversation.topic) == (product_id, f"product:{product_id}")
    # 「联系客服」 again: the same conversation continues.
    again = shopper.get(f"/support/new?product={product_id}")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/support/{conversation.id}")


def test_the_order_page_links_to_its_conversation_and_the_bot_answers_its_status(shop, store_client):
    demo, _tea, _product, sku_id = shop
    member_id, address_id = create_member(demo)
    _order_id, number = paid_balance_order(demo, member_id, address_id, sku_id)
    shopper = signed_in(store_client("demo"), demo, member_id)
    assert f'href="/support/new?order={number}"' in shopper.get(f"/orders/{number}", headers=EN).get_data(as_text=True)
    token = csrf_from(shopper, f"/support/new?order={number}")
    started = shopper.post("/support/new", headers=EN, data={"csrf_token": token, "body": "订单到哪了", "order": number})
    chat = shopper.get(started.headers["Location"], headers=EN).get_data(as_text=True)
    assert f"Your order {number}: Paid, to be shipped." in chat


def test_a_message_in_place_and_the_stores_reply_arriving_by_the_poll(shop, store_client):
    demo, _tea, _product, _sku = shop
    member_id, _ = create_member(demo)
    shopper = signed_in(store_client("demo"), demo, member_id)
    token = csrf_from(shopper, "/support/new")
    chat_url = shopper.post("/support/new", data={"csrf_token": token, "body": "在吗"}).headers["Location"]
    conversation_id = int(chat_url.rsplit("/", 1)[1])
    sent = shopper.post(chat_url, headers=JSON, data={"csrf_token": token, "body": "能包邮吗"})
    assert sent.status_code == 201 and [m["sender"] for m in sent.json["messages"]] == ["member"]
    last = sent.json["messages"][-1]["id"]
    empty = shopper.post(chat_url, headers=JSON, data={"csrf_token": token, "body": "  "})
    assert empty.status_code == 422 and empty.json["error"] == "Write a message first."
    assert shopper.get(f"{chat_url}/messages.json?after={last}").json["messages"] == []
    with tenant_context(demo.id):
        owner = db.session.scalar(select(StaffUser))
        staff_replies(db.session.get(Conversation, conversation_id), owner, "满 99 包邮哦")
        db.session.commit()
    polled = shopper.get(f"{chat_url}/messages.json?after={last}", headers=EN).json["messages"]
    assert [(m["sender"], m["body"], m["who"]) for m in polled] == [("staff", "满 99 包邮哦", "Customer service")]
    listing = shopper.get("/support", headers=EN).get_data(as_text=True)
    assert "满 99 包邮哦" in listing


def test_another_shopper_or_another_store_cannot_read_or_write_the_conversation(shop, store_client):
    demo, tea, _product, _sku = shop
    member_id, _ = create_member(demo)
    shopper = signed_in(store_client("demo"), demo, member_id)
    token = csrf_from(shopper, "/support/new")
    chat_url = shopper.post("/support/new", data={"csrf_token": token, "body": "我的地址是文三路 100 号"}
                            ).headers["Location"]
    other_id, _ = create_member(demo, nickname="路人")
    other = signed_in(store_client("demo"), demo, other_id)
    assert other.get(chat_url).status_code == 404 and other.get(f"{chat_url}/messages.json").status_code == 404
    assert other.post(chat_url, data={"csrf_token": csrf_from(other, "/support/new"),
                                      "body": "hi"}).status_code == 404
    tea_member, _ = create_member(tea)
    stranger = signed_in(store_client("tea"), tea, tea_member)
    assert stranger.get(chat_url).status_code == 404
    assert "文三路" not in stranger.get("/support").get_data(as_text=True)
    assert store_client("demo").get(chat_url).status_code == 404  # a guest
