"""WeChat login, as plain calls to WeChat's servers: web OAuth for the in-app browser
(公众号网页授权) and code2session for mini-programs; and the JS-SDK's signed ``wx.config``
(the official account's jsapi_ticket) that ``wx.openAddress`` needs.

Base URLs come from config (``WECHAT_OPEN_BASE_URL`` for the authorize page,
``WECHAT_API_BASE_URL`` for the APIs) so the sandbox can stand in for WeChat. Every
refusal (an ``errcode`` in the answer, a network failure) becomes ``WeChatLoginError``.
A mini-program's ``session_key`` decrypts the user's data: it is returned to the caller,
never logged and never stored in clear.
"""
import hashlib
import logging
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import requests
from flask import current_app
from flask_babel import lazy_gettext as _l

from core.cache import cache_get, cache_set
from core.errors import DomainError

log = logging.getLogger(__name__)

SILENT = "snsapi_base"  # openid only, no consent page
WITH_PROFILE = "snsapi_userinfo"  # nickname and avatar, after the user allows it
SCOPES = (SILENT, WITH_PROFILE)


class WeChatLoginError(DomainError):
    """WeChat refused a login call or could not be reached; ``errcode`` is WeChat's own."""

    status = 422

    def __init__(self, message=None, *, errcode=None, status=None):
        super().__init__(message or _l("WeChat login failed. Please try again."), status=status)
        self.errcode = errcode


@dataclass(frozen=True)
class OAuthGrant:
    openid: str
    access_token: str
    scope: str
    unionid: str | None = None


@dataclass(frozen=True)
class WeChatProfile:
    openid: str
    nickname: str | None
    avatar_url: str | None
    unionid: str | None = None


@dataclass(frozen=True)
class MiniProgramSession:
    openid: str
    session_key: str = field(repr=False)  # decrypts the user's data: never print it
    unionid: str | None = None


def oauth_authorize_url(appid, redirect_uri, scope, state):
    """Where to send the browser so WeChat asks (or, for snsapi_base, silently gives) a code."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}")
    query = urlencode({"appid": appid, "redirect_uri": redirect_uri, "response_type": "code", "scope": scope,
                       "state": state})
    return f"{current_app.config['WECHAT_OPEN_BASE_URL']}/connect/oauth2/authorize?{query}#wechat_redirect"


def oauth_origin():
    """The origin of WeChat's authorize page (``scheme://host``): a form whose answer redirects
    there must be allowed to (CSP ``form-action`` covers redirects after a submit)."""
    parts = urlsplit(current_app.config["WECHAT_OPEN_BASE_URL"])
    return f"{parts.scheme}://{parts.netloc}"


def exchange_oauth_code(appid, secret, code):
    """The openid (and unionid, when the app is bound to an open-platform account) behind an
    OAuth ``code``. Codes are single-use and live five minutes.

    :raise WeChatLoginError: WeChat refused the code or the credentials
    """
    body = _get("/sns/oauth2/access_token",
                {"appid": appid, "secret": secret, "code": code, "grant_type": "authorization_code"})
    return OAuthGrant(openid=_required(body, "openid"), access_token=_required(body, "access_token"),
                      scope=body.get("scope") or SILENT, unionid=body.get("unionid"))


def fetch_userinfo(access_token, openid):
    """Nickname and avatar of a user who allowed snsapi_userinfo.

    :raise WeChatLoginError: the token is not valid for that scope
    """
    body = _get("/sns/userinfo", {"access_token": access_token, "openid": openid, "lang": "zh_CN"})
    return WeChatProfile(openid=_required(body, "openid"), nickname=body.get("nickname") or None,
                         avatar_url=body.get("headimgurl") or None, unionid=body.get("unionid"))


def code2session(appid, secret, js_code):
    """The mini-program user behind ``wx.login()``'s ``code``.

    :raise WeChatLoginError: WeChat refused the code or the credentials
    """
    body = _get("/sns/jscode2session",
                {"appid": appid, "secret": secret, "js_code": js_code, "grant_type": "authorization_code"})
    return MiniProgramSession(openid=_required(body, "openid"), session_key=_required(body, "session_key"),
                              unionid=body.get("unionid"))


# The official account is the platform's, so its ticket is too: one cache entry for every
# store (tenant 0 is no store). A new access_token unsettles the last one, so fetch rarely.
PLATFORM = 0
TICKET_MARGIN = 300  # seconds: fetch a new ticket this long before WeChat's expires


def jsapi_ticket(appid, secret):
    """The official account's JS-SDK ticket: cached, else fetched (``cgi-bin/token``, then
    ``cgi-bin/ticket/getticket``).

    :raise WeChatLoginError: WeChat refused or could not be reached
    """
    key = f"wechat:jsapi_ticket:{appid}"
    ticket = cache_get(PLATFORM, key)
    if ticket:
        return ticket
    token = _required(_get("/cgi-bin/token", {"grant_type": "client_credential", "appid": appid, "secret": secret}),
                      "access_token")
    body = _get("/cgi-bin/ticket/getticket", {"access_token": token, "type": "jsapi"})
    ticket = _required(body, "ticket")
    expires_in = body.get("expires_in") if isinstance(body.get("expires_in"), int) else 7200
    cache_set(PLATFORM, key, ticket, ttl=max(expires_in - TICKET_MARGIN, 60))
    return ticket


def jsapi_config(appid, ticket, url, *, nonce, timestamp):
    """What ``wx.config`` takes for the page at ``url`` (its fragment dropped), signed as
    WeChat's JS-SDK documents (SHA-1 of the sorted fields)."""
    signed = f"jsapi_ticket={ticket}&noncestr={nonce}&timestamp={timestamp}&url={url.split('#')[0]}"
    return {"appId": appid, "timestamp": timestamp, "nonceStr": nonce,
            "signature": hashlib.sha1(signed.encode()).hexdigest()}


def _get(path, params):
    url = current_app.config["WECHAT_API_BASE_URL"] + path
    try:
        response = requests.get(url, params=params, timeout=current_app.config["WECHAT_TIMEOUT"])
        body = response.json()
    except (requests.RequestException, ValueError) as exc:
        log.warning("WeChat %s unreachable: %s", path, type(exc).__name__)  # the URL carries the secret: not logged
        raise WeChatLoginError(_l("WeChat could not be reached. Please try again in a moment."), status=502) from None
    if not isinstance(body, dict):
        raise WeChatLoginError(status=502)
    if body.get("errcode"):
        log.info("WeChat %s refused: errcode=%s", path, body.get("errcode"))
        raise WeChatLoginError(errcode=body["errcode"])
    return body


def _required(body, name):
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise WeChatLoginError(status=502)
    return value
