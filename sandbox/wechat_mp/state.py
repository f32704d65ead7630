"""The sandbox's memory of official accounts: the secret each AppID first asked a token
with, the tokens and JS-SDK tickets it issued, each account's menu, and every template and
customer-service message sent — and a way to be WeChat towards a store's endpoint: a user
message or event, signed (and, in 安全模式, encrypted) exactly as WeChat does."""
import secrets
import threading
import time
from dataclasses import dataclass, field
from xml.etree import ElementTree
from xml.sax.saxutils import escape

import requests

from channels.wechat_open.crypto import MessageCrypto, _fields, message_signature

TOKEN_SECONDS = 7200


class Refusal(Exception):
    def __init__(self, errcode, errmsg):
        super().__init__(errmsg)
        self.errcode, self.errmsg = errcode, errmsg


@dataclass
class Delivery:
    """What the store's endpoint answered to one message the sandbox sent."""

    status: int
    body: str
    reply: dict = field(default_factory=dict)  # the passive reply's fields, decrypted


class OfficialAccountSandbox:
    def __init__(self, deliver=None):
        self._lock = threading.Lock()
        self.secrets = {}  # appid → the secret it first asked with
        self.tokens = {}  # access_token → (appid, expires_at)
        self.tokens_issued = 0
        self.menus = {}  # appid → {"button": [...]}
        self.templates = []  # {"appid", "touser", "template_id", "url", "data", "msgid"}
        self.customs = []  # {"appid", "touser", "msgtype", …}
        self.failures = {}  # path → errcode to answer once
        self.tickets = {}  # appid → the JS-SDK tickets issued to it, newest last
        self.deliver = deliver  # (url, params, body) → (status, text); default: requests

    # — WeChat's side of the APIs —
    def issue_token(self, appid, secret):
        with self._lock:
            if not appid or not secret:
                raise Refusal(41002, "appid missing")
            known = self.secrets.setdefault(appid, secret)
            if known != secret:
                raise Refusal(40125, "invalid appsecret")
            token = "mp-" + secrets.token_hex(12)
            self.tokens[token] = (appid, time.time() + TOKEN_SECONDS)
            self.tokens_issued += 1
            return token

    def appid_of(self, token, path):
        failure = self.failures.pop(path, None)
        if failure:
            raise Refusal(failure, "injected failure")
        appid, expires = self.tokens.get(token or "", (None, 0))
        if appid is None:
            raise Refusal(40001, "invalid credential, access_token is invalid or not latest")
        if expires <= time.time():
            raise Refusal(42001, "access_token expired")
        return appid

    def issue_ticket(self, appid):
        ticket = "sandbox-ticket-" + secrets.token_hex(8)
        self.tickets.setdefault(appid, []).append(ticket)
        return ticket

    def expire_tokens(self):
        """Every token issued so far expires now (WeChat answers 42001 to it)."""
        with self._lock:
            self.tokens = {token: (appid, 0) for token, (appid, _) in self.tokens.items()}

    def fail_next(self, path, errcode):
        self.failures[path] = errcode

    def record_template(self, appid, body):
        msgid = str(1000 + len(self.templates))
        self.templates.append({"appid": appid, "msgid": msgid, **body})
        return msgid

    def record_custom(self, appid, body):
        self.customs.append({"appid": appid, **body})

    # — WeChat towards a store's endpoint —
    def send_to_store(self, url, *, token, appid, openid, kind, content="", event_key="", aes_key=None,
                      msg_id=None, create_time=None, original_id="gh_sandbox"):
        """Send a user's message (``kind`` "text") or event ("subscribe", "unsubscribe",
        "CLICK") to ``url`` as WeChat would; ``aes_key`` encrypts it (安全模式)."""
        create_time = create_time or int(time.time())
        if kind == "text":
            inner = (f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>"
                     f"<MsgId>{msg_id or secrets.randbelow(10 ** 15)}</MsgId>")
        else:
            inner = f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{kind}]]></Event>"
            if event_key:
                inner += f"<EventKey><![CDATA[{escape(event_key)}]]></EventKey>"
        xml = (f"<xml><ToUserName><![CDATA[{original_id}]]></ToUserName><FromUserName><![CDATA[{openid}]]>"
               f"</FromUserName><CreateTime>{create_time}</CreateTime>{inner}</xml>")
        timestamp, nonce = str(int(time.time())), secrets.token_hex(6)
        params = {"signature": message_signature(token, timestamp, nonce, ""), "timestamp": timestamp,
                  "nonce": nonce, "openid": openid}
        crypto = None
        if aes_key:
            crypto = MessageCrypto(token, aes_key, appid)
            encrypt = crypto.encrypt(xml)
            params.update(encrypt_type="aes", msg_signature=message_signature(token, timestamp, nonce, encrypt))
            xml = f"<xml><ToUserName><![CDATA[{original_id}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        status, body = self._deliver(url, params, xml)
        return Delivery(status, body, self._read_reply(crypto, token, body) if status == 200 else {})

    def _deliver(self, url, params, body):
        if self.deliver is not None:
            return self.deliver(url, params, body)
        response = requests.post(url, params=params, data=body.encode("utf-8"),
                                 headers={"Content-Type": "text/xml"}, timeout=5)
        return response.status_code, response.text

    @staticmethod
    def _read_reply(crypto, token, body):
        if not body.startswith("<xml>"):
            return {}
        fields = _fields(body)
        if crypto is not None and "Encrypt" in fields:
            expected = message_signature(token, fields.get("TimeStamp", ""), fields.get("Nonce", ""), fields["Encrypt"])
            if expected != fields.get("MsgSignature"):
                return {"error": "reply signature does not verify"}
            return _fields(crypto.decrypt(fields["Encrypt"])) | _news(crypto.decrypt(fields["Encrypt"]))
        return fields | _news(body)


def _news(xml):
    """A news reply's first card (its fields sit one level down)."""
    item = ElementTree.fromstring(xml).find("Articles/item")
    if item is None:
        return {}
    return {f"Article{child.tag}": (child.text or "") for child in item}
