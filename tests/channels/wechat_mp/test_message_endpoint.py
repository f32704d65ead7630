"""A store's official-account message URL: WeChat's handshake, plain and encrypted
(安全模式) messages answered with the passive reply, WeChat's retries recognised, and another
store's token refused."""
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from channels.wechat_mp.messages import forget_old_messages, plain_signature
from channels.wechat_mp.models import Follower, ReceivedMessage
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from tests.channels.wechat_mp.conftest import DEMO_APPID, TEA_APPID, bind, send, url_of
from tests.factories import create_member, create_store

WELCOME = {"kind": "text", "text": "欢迎关注！回复“上新”看新品"}
FALLBACK = {"kind": "text", "text": "客服稍后回复您"}


@pytest.fixture
def stores(app_ctx):
    demo, tea = create_store("demo"), create_store("tea")
    bind(demo, subscribe_reply=WELCOME, default_reply=FALLBACK)
    bind(tea, TEA_APPID)
    return demo, tea


def received(store):
    with tenant_context(store.id):
        return db.session.scalar(select(func.count()).select_from(ReceivedMessage))


def handshake(platform_client, store, token, echostr="hello-123"):
    timestamp, nonce = str(int(time.time())), "n0nce"
    return platform_client.get(f"/wechat/mp/{store.id}", query_string={
        "signature": plain_signature(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
        "echostr": echostr})


def test_the_handshake_echoes_echostr_only_to_the_stores_own_token(stores, platform_client):
    demo, tea = stores
    assert handshake(platform_client, demo, "tokdemo").get_data(as_text=True) == "hello-123"
    assert handshake(platform_client, demo, "toktea").status_code == 401  # tea's token on demo's URL
    assert handshake(platform_client, tea, "toktea").get_data(as_text=True) == "hello-123"


def test_a_store_without_an_account_has_no_message_url(app_ctx, platform_client):
    bare = create_store("bare")
    assert handshake(platform_client, bare, "tokbare").status_code == 404
    assert platform_client.get("/wechat/mp/999999").status_code == 404


def test_a_follower_gets_the_subscribe_reply_in_plain_and_in_encrypted_mode(stores, mp):
    demo, _ = stores
    plain = send(mp, demo, "subscribe", openid="o-plain")
    assert plain.status == 200 and plain.reply["MsgType"] == "text" and plain.reply["Content"] == WELCOME["text"]
    assert plain.reply["ToUserName"] == "o-plain"
    encrypted = send(mp, demo, "subscribe", openid="o-secret", encrypted=True)
    assert "<Encrypt>" in encrypted.body and "欢迎" not in encrypted.body  # nothing in clear on the wire
    assert encrypted.reply["Content"] == WELCOME["text"]  # the sandbox checked its signature and decrypted it


def test_a_message_signed_with_another_stores_token_is_refused_and_changes_nothing(stores, mp):
    demo, tea = stores
    assert send(mp, demo, content="hi", token="toktea").status == 401
    assert send(mp, demo, content="hi", token="toktea", encrypted=True).status == 401
    assert received(demo) == 0 and received(tea) == 0


def test_an_encrypted_message_for_another_appid_is_refused(stores, mp):
    demo, _ = stores
    assert send(mp, demo, content="hi", encrypted=True, appid=TEA_APPID).status == 401
    assert received(demo) == 0


def test_wechats_retry_of_a_message_is_answered_success_without_a_second_reply(stores, mp):
    demo, _ = stores
    first = send(mp, demo, content="在吗", msg_id=7001)
    again = send(mp, demo, content="在吗", msg_id=7001)
    assert first.reply["Content"] == FALLBACK["text"]
    assert again.body == "success"
    assert received(demo) == 1


def test_a_retried_subscribe_event_is_recognised_by_user_time_and_event(stores, mp):
    demo, _ = stores
    assert send(mp, demo, "subscribe", create_time=1700000000).reply["Content"] == WELCOME["text"]
    assert send(mp, demo, "subscribe", create_time=1700000000).body == "success"
    assert send(mp, demo, "subscribe", create_time=1700000005).reply["Content"] == WELCOME["text"]  # a new one
    assert received(demo) == 2


def test_the_same_msgid_in_two_stores_is_two_messages(stores, mp):
    demo, tea = stores
    send(mp, demo, content="hi", msg_id=42)
    send(mp, tea, content="hi", msg_id=42, appid=TEA_APPID)
    assert received(demo) == 1 and received(tea) == 1


def test_following_links_the_member_with_that_openid_and_unfollowing_is_remembered(stores, mp):
    demo, tea = stores
    member_id, _ = create_member(demo, openid="o-member")
    send(mp, demo, "subscribe", openid="o-member")
    send(mp, tea, "subscribe", openid="o-member", appid=TEA_APPID)  # another store: not demo's member
    with tenant_context(demo.id):
        follower = db.session.scalar(select(Follower))
        assert (follower.member_id, follower.following) == (member_id, True)
    with tenant_context(tea.id):
        assert db.session.scalar(select(Follower)).member_id is None
    send(mp, demo, "unsubscribe", openid="o-member")
    with tenant_context(demo.id):
        assert db.session.scalar(select(Follower).execution_options(populate_existing=True)).following is False


def test_a_body_that_is_not_wechats_xml_is_refused(stores, platform_client):
    demo, _ = stores
    timestamp, nonce = str(int(time.time())), "n"
    response = platform_client.post(url_of(demo).split("duoshop.test")[1], query_string={
        "signature": plain_signature("tokdemo", timestamp, nonce), "timestamp": timestamp, "nonce": nonce},
        data='<!DOCTYPE x [<!ENTITY a "b">]><xml><FromUserName>&a;</FromUserName></xml>')
    assert response.status_code == 401


def test_message_rows_are_forgotten_after_three_days_in_their_store_only(stores, mp):
    demo, tea = stores
    send(mp, demo, content="hi", msg_id=1)
    send(mp, tea, content="hi", msg_id=1, appid=TEA_APPID)
    with tenant_context(demo.id):
        assert forget_old_messages(now=utcnow() + timedelta(days=2)) == 0
        assert forget_old_messages(now=utcnow() + timedelta(days=4)) == 1
        db.session.commit()
    assert received(demo) == 0 and received(tea) == 1


@pytest.mark.postgres
def test_the_same_message_arriving_at_once_on_several_workers_is_answered_once(stores, mp):
    demo, _ = stores
    answers, start = [], threading.Barrier(6)
    db.session.rollback()

    def deliver():
        start.wait()
        answers.append(mp.send_to_store(url_of(demo), token="tokdemo", appid=DEMO_APPID, openid="o-1", kind="text",
                                        content="在吗", msg_id=9001).body)

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answer == "success" for answer in answers) == [False] + [True] * 5
    assert received(demo) == 1
