"""Asking WeChat to collect money for a store: one ``prepay`` for every store payment
(orders, top-ups of stored value), on the channel the shopper's browser can pay with.
Billing's invoices are paid into the platform's own account (``billing.invoices``)."""
from dataclasses import dataclass

from flask_babel import gettext as _

from payments.errors import PaymentError
from payments.gateway import create_h5_payment, create_jsapi_payment, create_native_payment
from payments.settings import notify_url, store_pay_account

JSAPI = "jsapi"  # inside WeChat (official account page or mini-program): needs the payer's openid
NATIVE = "native"  # a QR code shown on a desktop screen
H5 = "h5"  # a phone browser outside WeChat, sent to WeChat's page
CHANNELS = (JSAPI, NATIVE, H5)


@dataclass(frozen=True)
class Prepay:
    """What WeChat gave back for one channel: the signed JSAPI parameters (with their
    ``prepay_id``), a Native ``code_url`` or an H5 ``h5_url``."""

    jsapi: dict | None = None
    prepay_id: str | None = None
    code_url: str | None = None
    h5_url: str | None = None


def prepay(tenant_id, channel, *, out_trade_no, description, amount_fen, time_expire, client_ip=None, openid=None,
           appid=None):
    """Ask WeChat to collect ``amount_fen`` for ``out_trade_no`` into store ``tenant_id``'s
    account on ``channel``; its notification comes to the store's ``notify_url``.

    :param appid: the app the shopper pays in when it is not the account's own (the store's
        mini-program, whose user ``openid`` is)
    :raise PaymentError: WeChat refused or could not be reached, or JSAPI without an openid
    """
    account = store_pay_account(tenant_id, appid=appid)
    common = {"out_trade_no": out_trade_no, "description": description[:127], "amount_fen": amount_fen,
              "notify_url": notify_url(tenant_id), "time_expire": time_expire}
    if channel == JSAPI:
        if not openid:
            raise PaymentError(_("Open this page in WeChat to pay with WeChat Pay."))
        jsapi = create_jsapi_payment(account, openid=openid, **common)
        return Prepay(jsapi=jsapi, prepay_id=jsapi["package"].removeprefix("prepay_id="))
    if channel == NATIVE:
        return Prepay(code_url=create_native_payment(account, **common))
    if channel == H5:
        return Prepay(h5_url=create_h5_payment(account, client_ip=client_ip or "127.0.0.1", **common))
    raise ValueError(f"unknown channel {channel!r}")
