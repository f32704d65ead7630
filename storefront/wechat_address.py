"""How 「使用微信地址」 works on a page with an address form: inside WeChat, ``wx.openAddress``
through the JS-SDK (its script from WeChat, ``wx.config`` signed with the official account's
jsapi_ticket, and only when its SRI hash is pinned); elsewhere, when WeChat is the development sandbox, a stand-in dialog that
answers in ``wx.openAddress``'s shape; otherwise no button."""
import logging
import secrets
import time

from flask import current_app, request

from commerce.members.wechat_auth import WeChatLoginError, jsapi_config, jsapi_ticket
from commerce.members.wechat_login import official_account_credentials
from core.script_integrity import script_available
from core.security import allow_script_from
from storefront.shopper import in_wechat

log = logging.getLogger(__name__)

JSSDK_ORIGIN = "https://res.wx.qq.com"
JSSDK_URL = JSSDK_ORIGIN + "/open/js/jweixin-1.6.0.js"
JSSDK_SCRIPT = "wechat js-sdk"  # its name in storefront.script_inventory


def wechat_address_source():
    """``{"mode": "jssdk", "sdk": …, "config": …}``, ``{"mode": "sandbox"}`` or None (no button)."""
    if in_wechat():
        if not script_available(JSSDK_SCRIPT):
            return None  # not pinned (WECHAT_JSSDK_INTEGRITY unset): the start-up log said so
        try:
            appid, secret = official_account_credentials()
            ticket = jsapi_ticket(appid, secret)
        except WeChatLoginError as refusal:
            log.warning("No JS-SDK for 「使用微信地址」: %s", refusal.message)
            return None
        allow_script_from(JSSDK_ORIGIN)
        return {"mode": "jssdk", "sdk": JSSDK_URL,
                "config": jsapi_config(appid, ticket, request.url, nonce=secrets.token_hex(8),
                                       timestamp=int(time.time()))}
    if current_app.config.get("WECHAT_SANDBOX"):
        return {"mode": "sandbox"}
    return None
