"""Auto-replies as a table: what a follower sends → what the store's account answers."""
import pytest

from channels.wechat_mp.errors import OfficialAccountRefused
from channels.wechat_mp.replies import add_rule, clean_reply
from core.extensions import db
from core.tenancy import tenant_context
from tests.channels.wechat_mp.conftest import TEA_APPID, bind, send
from tests.factories import create_product, create_store

NEW_ARRIVALS = {"kind": "text", "text": "本周上新：明前龙井"}
SHIPPING = {"kind": "text", "text": "下单后 48 小时内发货"}
RETURNS = {"kind": "image", "media_id": "MEDIA_RETURN_POLICY"}
FALLBACK = {"kind": "text", "text": "客服稍后回复您"}
WELCOME = {"kind": "text", "text": "欢迎关注！"}


@pytest.fixture
def demo(app_ctx):
    store = create_store("demo")
    product_id = create_product(store, "明前龙井", price=8800)
    bind(store, subscribe_reply=WELCOME, default_reply=FALLBACK)
    with tenant_context(store.id):
        add_rule(actor=None, name="上新", match="exact", keywords="上新\n新品", reply=NEW_ARRIVALS)
        add_rule(actor=None, name="发货", match="contains", keywords="发货，快递, 物流", reply=SHIPPING)
        add_rule(actor=None, name="退货", match="contains", keywords="退货", reply=RETURNS)
        add_rule(actor=None, name="龙井", match="exact", keywords="龙井", reply={
            "kind": "news", "title": "明前龙井", "description": "今年头采", "picture_url": "/media/longjing.jpg",
            "target": {"type": "product", "value": str(product_id)}})
        db.session.commit()
    store.product_id = product_id
    return store


@pytest.mark.parametrize(("kind", "fields", "expected"), [
    ("text", {"content": "上新"}, ("text", NEW_ARRIVALS["text"])),
    ("text", {"content": "新品"}, ("text", NEW_ARRIVALS["text"])),  # a rule's second keyword
    ("text", {"content": "  上新 "}, ("text", NEW_ARRIVALS["text"])),  # spaces around do not matter
    ("text", {"content": "有上新吗"}, ("text", FALLBACK["text"])),  # exact rule: containing is not enough
    ("text", {"content": "什么时候发货？"}, ("text", SHIPPING["text"])),  # contains
    ("text", {"content": "用什么快递"}, ("text", SHIPPING["text"])),  # a keyword after a full-width comma
    ("text", {"content": "我要退货"}, ("image", None)),  # an image from the account's material library
    ("text", {"content": "发货后能退货吗"}, ("text", SHIPPING["text"])),  # two contained: the older rule wins
    ("text", {"content": "你好"}, ("text", FALLBACK["text"])),  # nothing matched: the default reply
    ("subscribe", {}, ("text", WELCOME["text"])),
    ("CLICK", {"event_key": "新品"}, ("text", NEW_ARRIVALS["text"])),  # a keyword button of the menu
    ("CLICK", {"event_key": "不认识"}, (None, None)),  # an unknown key: no reply, not the default
    ("unsubscribe", {}, (None, None)),
])
def test_an_incoming_message_gets_its_reply(demo, mp, kind, fields, expected):
    answer = send(mp, demo, kind, **fields)
    assert answer.status == 200
    assert (answer.reply.get("MsgType"), answer.reply.get("Content")) == expected


def test_a_news_card_opens_the_product_on_the_stores_host(demo, mp):
    card = send(mp, demo, content="龙井").reply
    assert card["MsgType"] == "news" and card["ArticleTitle"] == "明前龙井"
    assert card["ArticleUrl"].endswith(f"demo.duoshop.test/products/{demo.product_id}")
    assert card["ArticlePicUrl"].endswith("demo.duoshop.test/media/longjing.jpg")


def test_another_stores_rules_never_answer(demo, mp, app_ctx):
    tea = create_store("tea")
    bind(tea, TEA_APPID)  # no rules, no default reply
    assert send(mp, tea, content="上新", appid=TEA_APPID).body == "success"


@pytest.mark.parametrize(("values", "field"), [
    ({"kind": "text", "text": ""}, "text"),
    ({"kind": "text", "text": "长" * 601}, "text"),
    ({"kind": "image", "media_id": ""}, "media_id"),
    ({"kind": "news", "title": "", "target_type": "home"}, "title"),
    ({"kind": "news", "title": "卡片", "target_type": "url", "target_value": "http://plain.example.com"},
     "target_value"),
    ({"kind": "news", "title": "卡片", "target_type": "product", "target_value": "abc"}, "target_value"),
    ({"kind": "voice"}, "kind"),
])
def test_a_reply_that_cannot_be_sent_is_refused_on_its_field(app_ctx, values, field):
    with pytest.raises(OfficialAccountRefused) as refusal:
        clean_reply(values.pop("kind"), **values)
    assert refusal.value.field == field
