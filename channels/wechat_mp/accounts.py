"""A store binds its official account: AppID, AppSecret, the message token and (for 安全模式)
the EncodingAESKey. The secrets are kept encrypted (``EncryptedText``); a secret left blank
when the binding is saved again keeps the one stored. WeChat's MP console needs the store's
message URL (服务器地址), which ``message_url`` gives."""
import base64
import binascii
import re

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from channels.wechat_mp.errors import OfficialAccountRefused
from channels.wechat_mp.models import OfficialAccount
from core.audit import record_audit
from core.extensions import db

APPID = re.compile(r"^wx[0-9a-f]{16}$")
SECRET = re.compile(r"^[0-9a-zA-Z]{32}$")
TOKEN = re.compile(r"^[0-9a-zA-Z]{3,32}$")  # WeChat's console: 3–32 letters or digits


def account_of():
    """The current store's official account, or None."""
    return db.session.scalar(select(OfficialAccount))


def message_url(tenant_id):
    """The store's 服务器地址 (URL) to paste into WeChat's MP console."""
    cfg = current_app.config
    base = cfg.get("PAYMENT_NOTIFY_BASE_URL") or f"{cfg.get('PREFERRED_URL_SCHEME') or 'https'}://{cfg['PLATFORM_DOMAIN']}"
    return f"{base.rstrip('/')}/wechat/mp/{int(tenant_id)}"


def _valid_aes_key(value):
    try:
        return len(value) == 43 and len(base64.b64decode(value + "=", validate=True)) == 32
    except (binascii.Error, ValueError):
        return False


def bind_account(*, actor, appid, app_secret, token, encoding_aes_key):
    """Bind (or re-bind) the store's official account; returns it.

    :raise OfficialAccountRefused: a value WeChat's console would never hand out
    """
    appid, app_secret, token, aes_key = ((value or "").strip() for value in (appid, app_secret, token,
                                                                               encoding_aes_key))
    account = account_of()
    if not APPID.match(appid):
        raise OfficialAccountRefused(_l("The AppID looks like wx followed by 16 letters or digits."), field="appid")
    changed_app = account is None or account.appid != appid
    if (app_secret or changed_app) and not SECRET.match(app_secret):
        raise OfficialAccountRefused(_l("The AppSecret has 32 letters or digits."), field="app_secret")
    if (token or account is None) and not TOKEN.match(token):
        raise OfficialAccountRefused(_l("The token is 3 to 32 letters or digits, as set in WeChat."),
                                     field="token")
    if aes_key and not _valid_aes_key(aes_key):
        raise OfficialAccountRefused(_l("The EncodingAESKey has 43 letters or digits."), field="encoding_aes_key")
    if account is None:
        account = OfficialAccount(appid=appid)
        db.session.add(account)
    if changed_app or app_secret:
        account.access_token = account.access_token_expires_at = None  # the old app's token is no use
    account.appid = appid
    account.app_secret = app_secret or account.app_secret
    account.token = token or account.token
    account.encoding_aes_key = aes_key or account.encoding_aes_key
    db.session.flush()
    record_audit("official_account.bound", actor=actor, target=account, details={"appid": appid})
    return account
