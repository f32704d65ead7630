"""WeChat's message encryption: ours against the sandbox's own implementation, both ways,
and the message endpoint refusing what does not verify."""
import pytest
from sqlalchemy import func, select

from channels.wechat_open.crypto import MessageCrypto, MessageRefused, message_signature
from channels.wechat_open.models import ComponentCredential
from core.extensions import db
from sandbox.wechat_open import crypto as wechat
from sandbox.wechat_open.blueprint import DEVELOPMENT_COMPONENT_AES_KEY

TOKEN, APPID = "token-of-the-platform", "wx00000000component"
XML = "<xml><AppId><![CDATA[wx00000000component]]></AppId><InfoType><![CDATA[component_verify_ticket]]></InfoType>" \
      "<ComponentVerifyTicket><![CDATA[ticket@@@一张票]]></ComponentVerifyTicket><CreateTime>1700000000</CreateTime></xml>"


@pytest.fixture
def ours():
    return MessageCrypto(TOKEN, DEVELOPMENT_COMPONENT_AES_KEY, APPID)


def test_a_message_wechat_sealed_opens_with_its_fields(ours):
    params, body = wechat.sealed_message(TOKEN, DEVELOPMENT_COMPONENT_AES_KEY, APPID, XML)
    fields = ours.open_message(body, msg_signature=params["msg_signature"], timestamp=params["timestamp"],
                               nonce=params["nonce"])
    assert fields["InfoType"] == "component_verify_ticket"
    assert fields["ComponentVerifyTicket"] == "ticket@@@一张票"


def test_what_we_encrypt_wechat_decrypts_to_the_same_xml_and_appid(ours):
    assert wechat.decrypt(DEVELOPMENT_COMPONENT_AES_KEY, ours.encrypt(XML)) == (XML, APPID)


def test_the_signature_is_the_sha1_of_the_sorted_parts():
    assert message_signature("b", "c", "a", "d") == wechat.signature("b", "c", "a", "d")
    assert message_signature("b", "c", "a", "d") == "81fe8bfe87576c3ecb22426f8e57847382917acf"  # sha1("abcd")


@pytest.mark.parametrize("tamper", ["signature", "timestamp", "ciphertext"])
def test_a_tampered_message_is_refused(ours, tamper):
    params, body = wechat.sealed_message(TOKEN, DEVELOPMENT_COMPONENT_AES_KEY, APPID, XML)
    if tamper == "signature":
        params["msg_signature"] = ("0" if params["msg_signature"][0] != "0" else "1") + params["msg_signature"][1:]
    elif tamper == "timestamp":
        params["timestamp"] = str(int(params["timestamp"]) + 1)
    else:
        body = body.replace("<Encrypt><![CDATA[", "<Encrypt><![CDATA[AAAA")
    with pytest.raises(MessageRefused):
        ours.open_message(body, msg_signature=params["msg_signature"], timestamp=params["timestamp"],
                          nonce=params["nonce"])


def test_a_message_for_another_platform_is_refused(ours):
    """Signed with our token (say it leaked) but encrypted for another component AppID."""
    params, body = wechat.sealed_message(TOKEN, DEVELOPMENT_COMPONENT_AES_KEY, "wx0000000000other", XML)
    with pytest.raises(MessageRefused):
        ours.open_message(body, msg_signature=params["msg_signature"], timestamp=params["timestamp"],
                          nonce=params["nonce"])


def test_the_endpoint_refuses_a_forged_ticket_and_keeps_nothing(app, app_ctx, platform_client):
    cfg = app.config
    params, body = wechat.sealed_message(cfg["WECHAT_COMPONENT_TOKEN"], cfg["WECHAT_COMPONENT_AES_KEY"],
                                         cfg["WECHAT_COMPONENT_APPID"], XML)
    params["msg_signature"] = "f" * 40
    response = platform_client.post("/wechat/open/events", query_string=params, data=body, content_type="text/xml")
    assert response.status_code == 401
    assert db.session.scalar(select(func.count()).select_from(ComponentCredential)) == 0


def test_the_endpoint_keeps_a_genuine_ticket_and_answers_success(app, app_ctx, platform_client):
    cfg = app.config
    params, body = wechat.sealed_message(cfg["WECHAT_COMPONENT_TOKEN"], cfg["WECHAT_COMPONENT_AES_KEY"],
                                         cfg["WECHAT_COMPONENT_APPID"], XML.replace(APPID, cfg["WECHAT_COMPONENT_APPID"]))
    response = platform_client.post("/wechat/open/events", query_string=params, data=body, content_type="text/xml")
    assert response.get_data(as_text=True) == "success"
    assert db.session.get(ComponentCredential, cfg["WECHAT_COMPONENT_APPID"]).verify_ticket == "ticket@@@一张票"


def test_a_document_with_entities_is_refused_not_expanded(ours):
    evil = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Encrypt>&a;</Encrypt></xml>'
    with pytest.raises(MessageRefused):
        ours.open_message(evil, msg_signature="x", timestamp="1", nonce="1")
