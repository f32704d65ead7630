"""The store's message endpoint's work (服务器地址, ``/wechat/mp/<store>``): WeChat's GET
handshake and every pushed message.

Every request carries ``signature`` = SHA-1 of the sorted [token, timestamp, nonce]; in
安全模式 (``encrypt_type=aes``) the body is ``<Encrypt>`` with its own ``msg_signature``,
decrypted with the EncodingAESKey — WeChat's message encryption, the same as the open
platform's, so ``channels.wechat_open.crypto.MessageCrypto`` does it with the account's AppID.

A message is inserted once (``ReceivedMessage``: MsgId, or FromUserName + CreateTime + Event
for events); WeChat's retries of it (three within 15 seconds, or the same message at once on
two servers) find it and are answered "success" without acting again. Everything here is a
few indexed reads and writes, well inside WeChat's 5 seconds; nothing calls WeChat."""
import hashlib
import hmac
import logging
import secrets
import time
from datetime import timedelta
from xml.sax.saxutils import escape

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from channels.wechat_mp.accounts import account_of
from channels.wechat_mp.links import absolute_url, target_url
from channels.wechat_mp.models import Follower, ReceivedMessage
from channels.wechat_mp.replies import match_reply, store_rules
from channels.wechat_open.crypto import MessageCrypto, MessageRefused, message_signature
from channels.wechat_open.crypto import _fields as message_fields
from commerce.members.models import Member
from core.extensions import db
from core.models import utcnow
from core.sweep_steps import sweep_step

log = logging.getLogger(__name__)

SUCCESS = "success"  # what WeChat waits for when there is no reply
KEEP = timedelta(days=3)  # WeChat retries within 15 seconds; a message's row is kept this long


class NoAccount(LookupError):
    """The store has no official account bound: its URL answers 404."""


def plain_signature(token, timestamp, nonce):
    return hashlib.sha1("".join(sorted([token, str(timestamp), nonce])).encode()).hexdigest()


def _account():
    account = account_of()
    if account is None or not account.token:
        raise NoAccount()
    return account


def _check_signature(account, args):
    expected = plain_signature(account.token, args.get("timestamp") or "", args.get("nonce") or "")
    if not hmac.compare_digest(expected, args.get("signature") or ""):
        raise MessageRefused("bad signature")


def handshake(args):
    """The ``echostr`` WeChat sent when the URL is saved in its console, once the signature checks.

    :raise NoAccount, MessageRefused:
    """
    _check_signature(_account(), args)
    return args.get("echostr") or ""


def receive(args, body):
    """The answer to a pushed message: a passive reply's XML (encrypted in 安全模式) or
    "success". The caller commits.

    :raise NoAccount, MessageRefused: no account; a forged, garbled or foreign message
    """
    account = _account()
    _check_signature(account, args)
    crypto = None
    if args.get("encrypt_type") == "aes":
        if not account.encoding_aes_key:
            raise MessageRefused("encrypted message, no EncodingAESKey bound")
        crypto = MessageCrypto(account.token, account.encoding_aes_key, account.appid)
        fields = crypto.open_message(body, msg_signature=args.get("msg_signature"),
                                     timestamp=args.get("timestamp"), nonce=args.get("nonce"))
    else:
        fields = message_fields(body)
    if not fields.get("FromUserName") or not fields.get("MsgType"):
        raise MessageRefused("not a WeChat message")
    if not _first_time(fields):
        log.info("official account message %s repeated: already answered", dedup_key(fields))
        return SUCCESS
    reply = _reply_to(account, fields)
    if reply is None:
        return SUCCESS
    xml = reply_xml(reply, to=fields["FromUserName"], sender=fields.get("ToUserName", ""))
    return _encrypted(crypto, account, xml) if crypto else xml


def dedup_key(fields):
    if fields.get("MsgId"):
        return f"msg:{fields['MsgId']}"
    return f"event:{fields['FromUserName']}:{fields.get('CreateTime', '')}:{fields.get('Event', '')}"[:160]


def _first_time(fields):
    try:
        with db.session.begin_nested():
            db.session.add(ReceivedMessage(dedup_key=dedup_key(fields), msg_type=fields["MsgType"][:16],
                                           event=(fields.get("Event") or None) and fields["Event"][:32],
                                           openid=fields["FromUserName"][:64]))
    except IntegrityError:
        return False
    return True


def _reply_to(account, fields):
    kind, event = fields["MsgType"], (fields.get("Event") or "").lower()
    if kind == "event" and event == "subscribe":
        _follow(fields["FromUserName"])
        return account.subscribe_reply
    if kind == "event" and event == "unsubscribe":
        _unfollow(fields["FromUserName"])
        return None
    rules = store_rules()
    if kind == "event" and event == "click":
        return match_reply(fields.get("EventKey"), rules)  # a keyword button: its key is the keyword
    if kind == "text":
        return match_reply(fields.get("Content"), rules, default=account.default_reply)
    if kind in ("image", "voice", "video", "shortvideo", "location", "link"):
        return account.default_reply
    return None


def _follow(openid):
    now = utcnow()
    follower = db.session.scalar(select(Follower).where(Follower.openid == openid))
    member_id = db.session.scalar(select(Member.id).where(Member.openid == openid, Member.erased_at.is_(None)))
    if follower is None:
        follower = Follower(openid=openid)
        db.session.add(follower)
    follower.following, follower.followed_at, follower.unfollowed_at = True, now, None
    follower.member_id = member_id or follower.member_id
    db.session.flush()


def _unfollow(openid):
    follower = db.session.scalar(select(Follower).where(Follower.openid == openid))
    if follower is not None:
        follower.following, follower.unfollowed_at = False, utcnow()
        db.session.flush()


def _cdata(text):
    return "<![CDATA[" + str(text or "").replace("]]>", "]]]]><![CDATA[>") + "]]>"


def reply_xml(reply, *, to, sender, now=None):
    """WeChat's passive reply XML for ``reply`` (text, image or a one-card news)."""
    head = (f"<ToUserName>{_cdata(to)}</ToUserName><FromUserName>{_cdata(sender)}</FromUserName>"
            f"<CreateTime>{int(now or time.time())}</CreateTime>")
    if reply["kind"] == "text":
        body = f"<MsgType>{_cdata('text')}</MsgType><Content>{_cdata(reply['text'])}</Content>"
    elif reply["kind"] == "image":
        body = f"<MsgType>{_cdata('image')}</MsgType><Image><MediaId>{_cdata(reply['media_id'])}</MediaId></Image>"
    else:
        body = (f"<MsgType>{_cdata('news')}</MsgType><ArticleCount>1</ArticleCount><Articles><item>"
                f"<Title>{_cdata(reply['title'])}</Title><Description>{_cdata(reply.get('description'))}</Description>"
                f"<PicUrl>{_cdata(absolute_url(reply.get('picture_url')))}</PicUrl>"
                f"<Url>{_cdata(target_url(reply['target']))}</Url></item></Articles>")
    return f"<xml>{head}{body}</xml>"



def _encrypted(crypto, account, xml):
    timestamp, nonce = str(int(time.time())), secrets.token_hex(8)
    encrypt = crypto.encrypt(xml)
    signature = message_signature(account.token, timestamp, nonce, encrypt)
    return (f"<xml><Encrypt>{_cdata(encrypt)}</Encrypt><MsgSignature>{escape(signature)}</MsgSignature>"
            f"<TimeStamp>{timestamp}</TimeStamp><Nonce>{_cdata(nonce)}</Nonce></xml>")


@sweep_step(order=87, outcome="official_account_messages_forgotten")
def forget_old_messages(now=None):
    """Delete the rows of messages received more than ``KEEP`` ago: no retry of theirs comes now."""
    return db.session.execute(delete(ReceivedMessage).where(ReceivedMessage.received_at < (now or utcnow()) - KEEP)
                              .execution_options(synchronize_session=False)).rowcount
