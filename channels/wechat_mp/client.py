"""Calls to WeChat's official-account APIs (``WECHAT_MP_API_BASE_URL``: the sandbox when it
is on), answered as ``channels.wechat_open.client`` reads them: an ``errcode`` becomes
``WeChatOpenError``, no answer ``OutcomeUnknown``."""
import json
import logging

import requests
from flask import current_app

from channels.wechat_open.client import _checked
from channels.wechat_open.errors import OutcomeUnknown

log = logging.getLogger(__name__)

# access_token invalid (40001), expired (42001), missing or not the latest (40014): fetch a new one.
TOKEN_ERRCODES = (40001, 40014, 42001)


def _call(method, path, **kwargs):
    url = current_app.config["WECHAT_MP_API_BASE_URL"] + path
    try:
        response = requests.request(method, url, timeout=current_app.config["WECHAT_TIMEOUT"], **kwargs)
    except requests.RequestException as exc:
        log.warning("WeChat %s unreachable: %s", path, type(exc).__name__)  # the URL carries a token: not logged
        raise OutcomeUnknown() from None
    return _checked(response, path)


def fetch_access_token(appid, secret):
    """``(token, expires_in)`` from ``cgi-bin/token`` (client_credential)."""
    body = _call("GET", "/cgi-bin/token", params={"grant_type": "client_credential", "appid": appid,
                                                   "secret": secret})
    return body["access_token"], int(body.get("expires_in") or 7200)


def fetch_jsapi_ticket(access_token):
    """``(ticket, expires_in)`` for the JS-SDK."""
    body = _call("GET", "/cgi-bin/ticket/getticket", params={"access_token": access_token, "type": "jsapi"})
    return body["ticket"], int(body.get("expires_in") or 7200)


def create_menu(access_token, buttons):
    _call("POST", "/cgi-bin/menu/create", params={"access_token": access_token},
          data=_json(buttons and {"button": buttons}), headers={"Content-Type": "application/json"})


def send_template(access_token, message):
    """WeChat's msgid of a template message sent (``touser``, ``template_id``, ``url``, ``data``)."""
    body = _call("POST", "/cgi-bin/message/template/send", params={"access_token": access_token},
                 data=_json(message), headers={"Content-Type": "application/json"})
    return str(body.get("msgid") or "")


def send_custom(access_token, message):
    """A customer-service message (a news card here) to one follower."""
    _call("POST", "/cgi-bin/message/custom/send", params={"access_token": access_token},
          data=_json(message), headers={"Content-Type": "application/json"})


def _json(value):
    """WeChat reads Chinese as UTF-8 characters, not \\u escapes (its byte limits count them)."""
    return json.dumps(value, ensure_ascii=False).encode("utf-8")
