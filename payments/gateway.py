"""The one way Duoshop talks to WeChat Pay: plain functions over the ``wechatpayv3`` SDK.

Every function takes a ``PayAccount`` (service-provider or direct mode) and amounts in
integer fen. WeChat's refusals and network failures become ``PaymentError``; SDK
exceptions and stack traces never reach a caller's user. Where WeChat lives (the real
API or the local sandbox) is the config key ``WECHATPAY_BASE_URL``, applied in
``point_sdk_at`` and nowhere else.
"""
import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from functools import lru_cache

import requests
from flask import current_app, has_app_context
from wechatpayv3 import WeChatPay, WeChatPayType

from payments.errors import InvalidNotification, PaymentError

log = logging.getLogger(__name__)

SDK_BASE_URL = "https://api.mch.weixin.qq.com"  # where the SDK points until told otherwise
DEFAULT_TIMEOUT = 10  # seconds to wait for WeChat's answer (connecting gets at most 3)
NOTIFICATION_MAX_AGE = 300  # seconds; older (or future) notifications may be replays

# Trade states WeChat reports (``PaymentStatus.trade_state``).
NOTPAY = "NOTPAY"  # prepaid, the shopper has not paid (yet)
SUCCESS = "SUCCESS"  # paid
REFUND = "REFUND"  # paid, then refunded in part or whole
CLOSED = "CLOSED"  # closed before payment; a new out_trade_no is needed
PAYERROR = "PAYERROR"  # the shopper's payment failed
USERPAYING = "USERPAYING"  # waiting for the shopper's password (code payments)
PAID_STATES = (SUCCESS, REFUND)


@dataclass(frozen=True)
class PaymentStatus:
    """What WeChat knows of one order's payment."""

    out_trade_no: str
    trade_state: str
    transaction_id: str | None
    amount_fen: int
    payer_total_fen: int | None
    success_time: str | None
    raw: dict = field(repr=False, compare=False)

    @property
    def was_paid(self):
        return self.trade_state in PAID_STATES

    @classmethod
    def from_wechat(cls, answer):
        amount = answer.get("amount") or {}
        return cls(answer["out_trade_no"], answer["trade_state"], answer.get("transaction_id"),
                   amount.get("total"), amount.get("payer_total"), answer.get("success_time"), answer)


@dataclass(frozen=True)
class RefundStatus:
    """One refund: ``status`` is PROCESSING, SUCCESS, CLOSED or ABNORMAL."""

    out_refund_no: str
    refund_id: str
    status: str
    refund_fen: int
    total_fen: int
    raw: dict = field(repr=False, compare=False)

    @classmethod
    def from_wechat(cls, answer):
        amount = answer["amount"]
        return cls(answer["out_refund_no"], answer["refund_id"], answer["status"], amount["refund"],
                   amount["total"], answer)


# -- clients -------------------------------------------------------------------------------

def client_for(account):
    """The cached SDK client for this account's keys and mode, pointed at the configured
    WeChat Pay, with a timeout (the SDK has none by default and would wait for ever)."""
    config = current_app.config if has_app_context() else {}
    base_url = config.get("WECHATPAY_BASE_URL") or SDK_BASE_URL
    read_timeout = float(config.get("WECHATPAY_TIMEOUT") or DEFAULT_TIMEOUT)
    return _cached_client(account.keys, account.partner_mode, base_url, (min(3.0, read_timeout), read_timeout))


@lru_cache(maxsize=512)
def _cached_client(keys, partner_mode, base_url, timeout):
    # Keyed by the whole frozen MerchantKeys: one client per mchid, mode and key id, and a
    # rotated key gets a fresh client instead of a stale one.
    client = WeChatPay(
        wechatpay_type=WeChatPayType.JSAPI, mchid=keys.mchid, private_key=keys.private_key,
        cert_serial_no=keys.cert_serial_no, appid=keys.appid, apiv3_key=keys.apiv3_key,
        partner_mode=partner_mode, timeout=timeout, public_key=keys.public_key,
        public_key_id=keys.public_key_id)
    return point_sdk_at(client, base_url)


def point_sdk_at(client, base_url):
    """Send this client's requests to ``base_url``. wechatpayv3 2.0.4 keeps its base URL in
    ``WeChatPay()._core._gate_way``; if an upgrade moves it, fail here, loudly, rather
    than let a development machine talk to the real WeChat Pay."""
    core = getattr(client, "_core", None)
    if getattr(core, "_gate_way", None) != SDK_BASE_URL:
        raise RuntimeError("wechatpayv3 no longer keeps its base URL in WeChatPay()._core._gate_way; "
                           "update payments.gateway.point_sdk_at for this SDK version")
    core._gate_way = base_url.rstrip("/")
    return client


def _call(action, sdk_method, **kwargs):
    """Run one SDK request; WeChat's JSON answer, or ``PaymentError``."""
    try:
        http_status, text = sdk_method(**kwargs)
    except requests.RequestException:
        log.warning("WeChat Pay unreachable (%s)", action, exc_info=True)
        raise PaymentError(f"Could not reach WeChat Pay to {action}; please try again.") from None
    except Exception as exc:  # the SDK raises bare Exception: bad input, bad answer signature
        log.warning("WeChat Pay call failed (%s)", action, exc_info=True)
        raise PaymentError(f"WeChat Pay could not {action}: {exc}") from None
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not 200 <= http_status < 300:
        code, message = _refusal(text)
        log.info("WeChat Pay refused (%s): HTTP %s %s %s", action, http_status, code, message)
        raise PaymentError(f"WeChat Pay refused to {action}: {message} ({code})", code=code,
                           http_status=http_status)
    return json.loads(text) if text else {}


def _refusal(text):
    try:
        answer = json.loads(text)
        return answer.get("code") or "UNKNOWN", answer.get("message") or "no message"
    except (ValueError, AttributeError):
        return "UNKNOWN", "unreadable answer"


# -- payments ------------------------------------------------------------------------------

def _prepay(account, pay_type, *, out_trade_no, description, amount_fen, notify_url, time_expire=None,
            attach=None, payer=None, scene_info=None):
    if not isinstance(amount_fen, int) or amount_fen <= 0:
        raise ValueError(f"amount_fen must be a positive integer, not {amount_fen!r}")
    return _call("create the payment", client_for(account).pay, pay_type=pay_type,
                 out_trade_no=out_trade_no, description=description,
                 amount={"total": amount_fen, "currency": "CNY"}, notify_url=notify_url,
                 time_expire=time_expire.isoformat(timespec="seconds") if time_expire else None,
                 attach=attach, payer=payer, scene_info=scene_info,
                 sub_mchid=account.sub_mchid, sub_appid=account.sub_appid)


def create_jsapi_payment(account, *, out_trade_no, description, amount_fen, openid, notify_url,
                         time_expire=None, attach=None):
    """Prepay for a shopper in WeChat (official account page or mini-program) and return the
    signed parameters of ``wx.requestPayment``/``WeixinJSBridge``: appId, timeStamp,
    nonceStr, package, signType, paySign. ``openid`` belongs to ``account.payment_appid``.
    ``time_expire`` is an aware datetime."""
    if account.partner_mode:
        payer = {"sub_openid": openid} if account.sub_appid else {"sp_openid": openid}
    else:
        payer = {"openid": openid}
    answer = _prepay(account, WeChatPayType.JSAPI, out_trade_no=out_trade_no, description=description,
                     amount_fen=amount_fen, notify_url=notify_url, time_expire=time_expire, attach=attach,
                     payer=payer)
    return request_payment_params(account, answer["prepay_id"])


def request_payment_params(account, prepay_id):
    """The signed ``wx.requestPayment`` parameters for an existing prepay_id (valid 2 hours)."""
    params = {"appId": account.payment_appid, "timeStamp": str(int(time.time())),
              "nonceStr": uuid.uuid4().hex, "package": f"prepay_id={prepay_id}", "signType": "RSA"}
    signed = [params["appId"], params["timeStamp"], params["nonceStr"], params["package"]]
    params["paySign"] = client_for(account).sign(signed)
    return params


def create_native_payment(account, *, out_trade_no, description, amount_fen, notify_url,
                          time_expire=None, attach=None):
    """Prepay for a QR code shown on a desktop screen; returns the ``code_url`` to encode."""
    answer = _prepay(account, WeChatPayType.NATIVE, out_trade_no=out_trade_no, description=description,
                     amount_fen=amount_fen, notify_url=notify_url, time_expire=time_expire, attach=attach)
    return answer["code_url"]


def create_h5_payment(account, *, out_trade_no, description, amount_fen, notify_url, client_ip,
                      h5_type="Wap", time_expire=None, attach=None):
    """Prepay for a phone browser outside WeChat; returns the ``h5_url`` to send it to.
    ``client_ip`` is the shopper's address, which WeChat checks against the paying phone."""
    scene_info = {"payer_client_ip": client_ip, "h5_info": {"type": h5_type}}
    answer = _prepay(account, WeChatPayType.H5, out_trade_no=out_trade_no, description=description,
                     amount_fen=amount_fen, notify_url=notify_url, time_expire=time_expire, attach=attach,
                     scene_info=scene_info)
    return answer["h5_url"]


def query_payment(account, out_trade_no):
    """Ask WeChat about an order (for orders still unpaid near their timeout)."""
    answer = _call("query the payment", client_for(account).query, out_trade_no=out_trade_no,
                   sub_mchid=account.sub_mchid)
    return PaymentStatus.from_wechat(answer)


def close_payment(account, out_trade_no):
    """Close an unpaid order so it can no longer be paid; ``PaymentError`` code ORDERPAID if
    the shopper was quicker."""
    _call("close the payment", client_for(account).close, out_trade_no=out_trade_no,
          sub_mchid=account.sub_mchid)


def refund_payment(account, *, out_refund_no, refund_fen, total_fen, out_trade_no=None, transaction_id=None,
                   reason=None, notify_url=None):
    """Refund part or all of a paid order; several refunds per order, each with its own
    ``out_refund_no`` (retrying with the same number is safe). Usually PROCESSING at first."""
    answer = _call("refund the payment", client_for(account).refund, out_refund_no=out_refund_no,
                   amount={"refund": refund_fen, "total": total_fen, "currency": "CNY"},
                   out_trade_no=out_trade_no, transaction_id=transaction_id, reason=reason,
                   notify_url=notify_url, sub_mchid=account.sub_mchid)
    return RefundStatus.from_wechat(answer)


def query_refund(account, out_refund_no):
    answer = _call("query the refund", client_for(account).query_refund, out_refund_no=out_refund_no,
                   sub_mchid=account.sub_mchid)
    return RefundStatus.from_wechat(answer)


# -- notifications -------------------------------------------------------------------------

def parse_notification(account, headers, body, *, now=None):
    """Verify and decrypt a payment or refund notification.

    Returns WeChat's envelope (``id``, ``event_type`` like TRANSACTION.SUCCESS or
    REFUND.SUCCESS, ``summary``) with ``resource`` decrypted to a dict. Raises
    ``InvalidNotification`` for a bad or missing signature, an unknown key, a body that
    does not decrypt, or a timestamp more than five minutes from ``now`` (a replay).
    """
    headers = {name.title(): value for name, value in headers.items()}
    try:
        age = abs((time.time() if now is None else now) - int(headers.get("Wechatpay-Timestamp", "")))
    except ValueError:
        raise InvalidNotification("The notification has no valid Wechatpay-Timestamp.") from None
    if age > NOTIFICATION_MAX_AGE:
        raise InvalidNotification("The notification's timestamp is more than five minutes off; refused as a replay.")
    try:
        # None for a bad signature or undecryptable body; raises on a missing signature type.
        envelope = client_for(account).callback(headers, body)
    except Exception:
        log.info("WeChat Pay notification refused by the SDK", exc_info=True)
        envelope = None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("resource"), dict):
        raise InvalidNotification("The notification's signature or encryption does not check out.")
    return envelope
