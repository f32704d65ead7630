"""The open platform's message endpoints on the platform host: 授权事件接收URL
(``/wechat/open/events``: component_verify_ticket and authorisation events) and
消息与事件接收URL (``/wechat/open/<appid>/events``: the authorisers' audit results).

WeChat signs and encrypts every message; it has no cookie and no form token, so no CSRF.
The answer is the text "success" once the message is applied (or was before); 401 for one
that does not verify (logged, nothing changed); 500 lets WeChat retry later.
"""
import logging

from flask import Blueprint, Response, request

from channels.wechat_open.crypto import MessageRefused
from channels.wechat_open.events import receive_authorizer_message, receive_component_message
from core.extensions import csrf, db
from tenants.middleware import PLATFORM, serve_on

log = logging.getLogger(__name__)

wechat_open_events_bp = serve_on(PLATFORM, Blueprint("wechat_open_events", __name__))
csrf.exempt(wechat_open_events_bp)


def _signed():
    args = request.args
    return {"msg_signature": args.get("msg_signature"), "timestamp": args.get("timestamp"), "nonce": args.get("nonce")}


def _answer(receive, *args):
    try:
        kind = receive(*args, request.get_data(as_text=True), **_signed())
    except MessageRefused as refusal:
        db.session.rollback()
        log.warning("refused a WeChat open platform message from %s: %s", request.remote_addr, refusal)
        return Response("invalid signature", status=401, mimetype="text/plain")
    db.session.commit()
    log.info("WeChat open platform message applied: %s", kind)
    return Response("success", mimetype="text/plain")  # what WeChat waits for


@wechat_open_events_bp.route("/wechat/open/events", methods=["POST"])
def component_events():
    return _answer(receive_component_message)


@wechat_open_events_bp.route("/wechat/open/<appid>/events", methods=["POST"])
def authorizer_events(appid):
    return _answer(receive_authorizer_message, appid)
