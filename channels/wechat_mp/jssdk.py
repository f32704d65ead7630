"""The JS-SDK's ``wx.config`` for share cards on a store page: signed with the store's own
official account's jsapi_ticket when it has bound one (cached per store, ``tokens``), else
with the platform's official account — the one shoppers' web login already uses
(``commerce.members.wechat_auth``). WeChat accepts the config only on a page of a domain
set as that account's JS接口安全域名."""
import secrets
import time

from flask_babel import lazy_gettext as _l

from channels.wechat_mp.accounts import account_of
from channels.wechat_mp.errors import NotBound
from channels.wechat_mp.tokens import jsapi_ticket as store_ticket
from channels.wechat_open.errors import OutcomeUnknown, WeChatOpenError
from commerce.members.wechat_auth import WeChatLoginError, jsapi_config, jsapi_ticket
from commerce.members.wechat_login import official_account_credentials


def share_config(url, *, now=None):
    """``{"appId", "timestamp", "nonceStr", "signature"}`` for the page at ``url``.

    :raise NotBound: neither the store nor the platform has an official account that answers
    """
    account = account_of()
    try:
        if account is not None and account.app_secret:
            appid, ticket = account.appid, store_ticket(account)
        else:
            appid, secret = official_account_credentials()
            ticket = jsapi_ticket(appid, secret)
    except (WeChatOpenError, OutcomeUnknown, WeChatLoginError):
        raise NotBound(_l("Share cards are not available right now."), status=503) from None
    return jsapi_config(appid, ticket, url, nonce=secrets.token_hex(8), timestamp=int(now or time.time()))
