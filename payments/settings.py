"""A store's WeChat Pay account: set by its owner or admin, used by every payment.

Service-provider mode needs only the store's ``sub_mchid`` (the platform signs). Direct
mode needs the store's own keys; they are checked (the private key must load, the APIv3
key must be 32 characters …) and stored encrypted. The audit log records that the account
changed and its mode, never a key. Saved direct keys are told to whoever listens
(``on_direct_keys_saved``): the WeChat Pay sandbox, when mounted, registers them as a
merchant uploads its public key to WeChat. Nothing here knows the sandbox.
"""
import re

from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from core.audit import record_audit
from core.errors import DomainError
from core.extensions import db
from payments.accounts import MerchantKeys, PayAccount, platform_keys
from payments.errors import PaymentError
from payments.models import WeChatPayAccount

MCHID = re.compile(r"^\d{8,12}$")
APPID = re.compile(r"^wx[0-9a-zA-Z]{16}$")
SERIAL = re.compile(r"^[0-9A-Fa-f]{8,64}$")
PUBLIC_KEY_ID = re.compile(r"^PUB_KEY_ID_[0-9A-Za-z_]{4,48}$")
DIRECT_KEYS_LISTENERS = "payments.direct_keys_listeners"  # app.extensions key


class InvalidPayAccount(DomainError):
    """A WeChat Pay setting is missing or malformed; ``field`` names it."""


def store_account():
    return db.session.scalar(select(WeChatPayAccount))


def save_service_provider_account(*, actor, sub_mchid):
    sub_mchid = (sub_mchid or "").strip()
    if not MCHID.match(sub_mchid):
        raise InvalidPayAccount(_("The sub-merchant number is 8 to 12 digits."), field="sub_mchid")
    account = store_account() or WeChatPayAccount()
    _clear_keys(account)
    account.mode, account.sub_mchid = WeChatPayAccount.SERVICE_PROVIDER, sub_mchid
    return _saved(account, actor)


def save_direct_account(*, actor, mchid, appid, private_key, cert_serial_no, apiv3_key, public_key, public_key_id):
    values = {name: (value or "").strip() for name, value in dict(
        mchid=mchid, appid=appid, private_key=private_key, cert_serial_no=cert_serial_no, apiv3_key=apiv3_key,
        public_key=public_key, public_key_id=public_key_id).items()}
    checks = (("mchid", MCHID, _("The merchant number is 8 to 12 digits.")),
              ("appid", APPID, _("The AppID looks like wx followed by 16 letters or digits.")),
              ("cert_serial_no", SERIAL, _("The certificate serial number is hexadecimal.")),
              ("public_key_id", PUBLIC_KEY_ID, _("The public key ID starts with PUB_KEY_ID_.")))
    for field, pattern, message in checks:
        if not pattern.match(values[field]):
            raise InvalidPayAccount(message, field=field)
    if len(values["apiv3_key"]) != 32:
        raise InvalidPayAccount(_("The APIv3 key has 32 characters."), field="apiv3_key")
    try:
        private = load_pem_private_key(values["private_key"].encode(), password=None)
    except (ValueError, TypeError):
        raise InvalidPayAccount(_("Paste the API private key (apiclient_key.pem) as it is."),
                                field="private_key") from None
    try:
        load_pem_public_key(values["public_key"].encode())
    except (ValueError, TypeError):
        raise InvalidPayAccount(_("Paste WeChat Pay's public key (pub_key.pem) as it is."),
                                field="public_key") from None
    account = store_account() or WeChatPayAccount()
    account.mode, account.sub_mchid = WeChatPayAccount.DIRECT, None
    for name, value in values.items():
        setattr(account, name, value)
    _tell_listeners(values, private)
    return _saved(account, actor)


def notify_url(tenant_id):
    """Where WeChat Pay notifies a store's payments and refunds."""
    base = current_app.config.get("PAYMENT_NOTIFY_BASE_URL") or f"http://{current_app.config['PLATFORM_DOMAIN']}"
    return f"{base.rstrip('/')}/payments/wechatpay/notify/{int(tenant_id)}"


def store_pay_account(tenant_id, *, appid=None):
    """The ``PayAccount`` the current store's shoppers pay into; with ``appid`` (the store's
    mini-program), paid from that app: its AppID is the one ``wx.requestPayment`` names.

    :raise PaymentError: the store has not set up WeChat Pay (outside the sandbox)
    """
    account = store_account()
    config = current_app.config
    if account is not None and account.mode == WeChatPayAccount.DIRECT:
        return PayAccount.direct(MerchantKeys(
            mchid=account.mchid, appid=appid or account.appid, private_key=account.private_key,
            cert_serial_no=account.cert_serial_no, apiv3_key=account.apiv3_key, public_key=account.public_key,
            public_key_id=account.public_key_id))
    sub_mchid = account.sub_mchid if account is not None else None
    if sub_mchid is None and config.get("WECHATPAY_SANDBOX"):
        sub_mchid = f"19{int(tenant_id):08d}"  # the sandbox accepts any sub-merchant
    if sub_mchid is None:
        raise PaymentError(_("This store cannot take WeChat Pay yet. Please contact the merchant."))
    return PayAccount.service_provider(platform_keys(config), sub_mchid, sub_appid=appid)


def _saved(account, actor):
    db.session.add(account)
    db.session.flush()
    record_audit("wechatpay.account", actor=actor, tenant_id=account.tenant_id, target=account,
                 details={"mode": account.mode, "mchid": account.mchid or account.sub_mchid})
    return account


def _clear_keys(account):
    for name in ("mchid", "appid", "private_key", "cert_serial_no", "apiv3_key", "public_key", "public_key_id"):
        setattr(account, name, None)


def on_direct_keys_saved(app, listener):
    """Call ``listener(mchid, public_key_pem, cert_serial_no, apiv3_key)`` whenever a store
    of ``app`` saves direct-mode keys. The WeChat Pay sandbox registers here when it is
    mounted, so that it knows the merchant's public key as WeChat would."""
    app.extensions.setdefault(DIRECT_KEYS_LISTENERS, []).append(listener)


def _tell_listeners(values, private):
    listeners = current_app.extensions.get(DIRECT_KEYS_LISTENERS, ())
    if not listeners:
        return
    public_pem = private.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode("ascii")
    for listener in listeners:
        listener(values["mchid"], public_pem, values["cert_serial_no"], values["apiv3_key"])
