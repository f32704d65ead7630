"""Calls to WeChat's open platform, plain HTTP as its documentation describes them. Base
URLs come from config (``WECHAT_OPEN_API_BASE_URL``, ``WECHAT_OPEN_PAGE_BASE_URL``) so the
sandbox can stand in for WeChat. Tokens are passed in; ``channels.wechat_open.tokens``
keeps them."""
import logging
from urllib.parse import urlencode

import requests
from flask import current_app

from channels.wechat_open.errors import QUOTA_ERRCODES, OutcomeUnknown, QuotaReached, WeChatOpenError

log = logging.getLogger(__name__)


def component_appid():
    return current_app.config["WECHAT_COMPONENT_APPID"]


def fetch_component_token(verify_ticket):
    """``(token, expires_in)``."""
    cfg = current_app.config
    body = _call("POST", "/cgi-bin/component/api_component_token", json={
        "component_appid": cfg["WECHAT_COMPONENT_APPID"], "component_appsecret": cfg["WECHAT_COMPONENT_SECRET"],
        "component_verify_ticket": verify_ticket})
    return body["component_access_token"], int(body.get("expires_in") or 7200)


def create_preauthcode(component_token):
    body = _call("POST", "/cgi-bin/component/api_create_preauthcode",
                 params={"component_access_token": component_token}, json={"component_appid": component_appid()})
    return body["pre_auth_code"]


def authorization_page_url(pre_auth_code, redirect_uri):
    """The page where the merchant picks the mini-program to authorise (auth_type 2: mini-programs only)."""
    query = urlencode({"component_appid": component_appid(), "pre_auth_code": pre_auth_code,
                       "redirect_uri": redirect_uri, "auth_type": 2})
    return f"{current_app.config['WECHAT_OPEN_PAGE_BASE_URL']}/cgi-bin/componentloginpage?{query}"


def query_auth(component_token, authorization_code):
    """``authorization_info``: authorizer_appid, tokens, func_info."""
    body = _call("POST", "/cgi-bin/component/api_query_auth", params={"component_access_token": component_token},
                 json={"component_appid": component_appid(), "authorization_code": authorization_code})
    return body["authorization_info"]


def authorizer_info(component_token, authorizer_appid):
    """The mini-program's ``authorizer_info``: nick_name, user_name (its original id, gh_…)."""
    return _call("POST", "/cgi-bin/component/api_get_authorizer_info",
                 params={"component_access_token": component_token},
                 json={"component_appid": component_appid(), "authorizer_appid": authorizer_appid})["authorizer_info"]


def refresh_authorizer_token(component_token, authorizer_appid, refresh_token):
    return _call("POST", "/cgi-bin/component/api_authorizer_token",
                 params={"component_access_token": component_token},
                 json={"component_appid": component_appid(), "authorizer_appid": authorizer_appid,
                       "authorizer_refresh_token": refresh_token})


def template_list(component_token):
    """WeChat's template library (普通模板库) of the platform, newest last."""
    return _call("GET", "/wxa/gettemplatelist", params={"access_token": component_token,
                                                        "template_type": 0})["template_list"]


def commit(access_token, *, template_id, ext_json, user_version, user_desc):
    _call("POST", "/wxa/commit", params={"access_token": access_token},
          json={"template_id": template_id, "ext_json": ext_json, "user_version": user_version,
                "user_desc": user_desc})


def trial_qrcode(access_token):
    """The 体验版 QR code image: ``(bytes, mimetype)``."""
    response = _send("GET", "/wxa/get_qrcode", params={"access_token": access_token})
    if response.headers.get("Content-Type", "").startswith("image/"):
        return response.content, response.headers["Content-Type"].split(";")[0]
    _checked(response, "/wxa/get_qrcode")
    raise OutcomeUnknown()


def submit_audit(access_token):
    return _call("POST", "/wxa/submit_audit", params={"access_token": access_token}, json={})["auditid"]


def latest_audit(access_token):
    """``{"auditid", "status", "reason"}`` of the app's newest audit."""
    return _call("GET", "/wxa/get_latest_auditstatus", params={"access_token": access_token})


def release(access_token):
    _call("POST", "/wxa/release", params={"access_token": access_token}, json={})


def _send(method, path, **kwargs):
    url = current_app.config["WECHAT_OPEN_API_BASE_URL"] + path
    try:
        return requests.request(method, url, timeout=current_app.config["WECHAT_TIMEOUT"], **kwargs)
    except requests.RequestException as exc:
        log.warning("WeChat %s unreachable: %s", path, type(exc).__name__)  # the URL carries a token: not logged
        raise OutcomeUnknown() from None


def _call(method, path, **kwargs):
    return _checked(_send(method, path, **kwargs), path)


def _checked(response, path):
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code >= 500 or not isinstance(body, dict):
        log.warning("WeChat %s answered %s without JSON", path, response.status_code)
        raise OutcomeUnknown()
    errcode = body.get("errcode")
    if errcode:
        log.info("WeChat %s refused: errcode=%s %s", path, errcode, body.get("errmsg"))
        refusal = QuotaReached if errcode in QUOTA_ERRCODES else WeChatOpenError
        raise refusal(errcode=errcode, errmsg=body.get("errmsg"))
    return body
