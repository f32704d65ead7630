"""The carrier's electronic waybill (电子面单) through 快递100's label API (电子面单下单 / 取消).

``request_waybill`` POSTs ``method=order``, ``key``, ``t`` (milliseconds), ``param`` (JSON)
and ``sign = MD5(param + t + key + secret)`` in upper-case hex to ``KUAIDI100_LABEL_URL``,
like ``tracking.poll`` signs its queries. ``param.orderId`` is our fixed request id: the
carrier makes one waybill per orderId and answers a repeated request with the same one, so
a request whose answer was lost is asked again under the same id, never under a new one.

Settings: ``KUAIDI100_LABEL_URL``, ``KUAIDI100_KEY``, ``KUAIDI100_SECRET`` and
``KUAIDI100_LABEL_TIMEOUT`` (seconds); with ``KUAIDI100_SANDBOX`` the local sandbox answers.
"""
import hashlib
import json
import re
import time
from dataclasses import dataclass, field

import requests
from flask import current_app
from flask_babel import gettext as _

from core.errors import DomainError

DEFAULT_URL = "https://api.kuaidi100.com/label/order"
DEFAULT_TIMEOUT = 10  # seconds
WAYBILL_NUMBER = re.compile(r"^[A-Za-z0-9-]{6,40}$")  # as a parcel's tracking number must be


class WaybillUnavailable(Exception):
    """No answer (timeout, connection refused, a garbled reply): the carrier may or may not
    have made the waybill. Ask again with the same request id to find out."""


class WaybillRefused(DomainError):
    """The carrier answered no (outside its area, a bad account, a bad address); the
    message is the carrier's."""


@dataclass
class IssuedWaybill:
    number: str
    routing: dict = field(default_factory=dict)  # printed on the label: bulkpen (大头笔), pkg_code (集包地) …


@dataclass
class Party:
    """A sender or receiver as the carrier wants them."""

    name: str
    phone: str
    address: str  # the whole address printed on the label

    def as_param(self):
        return {"name": self.name, "mobile": self.phone, "printAddr": self.address}


def label_sign(param, t, key, secret):
    """快递100's label signature: MD5 of ``param + t + key + secret``, upper-case hex."""
    return hashlib.md5((param + t + key + secret).encode("utf-8")).hexdigest().upper()


def _call(method, param):
    config = current_app.config
    key, secret = config.get("KUAIDI100_KEY"), config.get("KUAIDI100_SECRET")
    if not key or not secret:
        raise WaybillUnavailable("KUAIDI100_KEY and KUAIDI100_SECRET are not set")
    body = json.dumps(param, ensure_ascii=False, separators=(",", ":"))
    t = str(int(time.time() * 1000))
    try:
        response = requests.post(config.get("KUAIDI100_LABEL_URL") or DEFAULT_URL,
                                 timeout=config.get("KUAIDI100_LABEL_TIMEOUT") or DEFAULT_TIMEOUT,
                                 data={"method": method, "key": key, "t": t, "param": body,
                                       "sign": label_sign(body, t, key, secret)})
        answer = response.json()
    except (requests.RequestException, ValueError) as error:
        raise WaybillUnavailable(f"快递100 did not answer: {error}") from error
    if response.status_code >= 500:  # busy or down: it may answer the same request later
        raise WaybillUnavailable(f"快递100 answered {response.status_code}: {answer}")
    if not isinstance(answer, dict):
        raise WaybillUnavailable("快递100: bad answer")
    if not answer.get("success"):
        raise WaybillRefused(_("The carrier refused: %(reason)s", reason=answer.get("message") or answer.get("code")))
    return answer.get("data") or {}


def request_waybill(*, request_id, carrier, partner_id, partner_key, sender, receiver, goods, count):
    """A waybill number (and what the label prints) for one parcel.

    :raise WaybillUnavailable: no answer — ask again with the same ``request_id``
    :raise WaybillRefused: the carrier said no
    """
    data = _call("order", {
        "partnerId": partner_id or "", "partnerKey": partner_key or "", "kuaidicom": carrier, "orderId": request_id,
        "recMan": receiver.as_param(), "sendMan": sender.as_param(), "cargo": goods[:40], "count": count,
        "payType": "SHIPPER", "expType": "标准快递", "printType": "NON",
    })
    number = str(data.get("kuaidinum") or "")
    if not WAYBILL_NUMBER.match(number):
        raise WaybillUnavailable(f"快递100 answered without a usable waybill number: {number[:60]!r}")
    return IssuedWaybill(number=number, routing={"bulkpen": data.get("bulkpen") or "",
                                                 "pkg_code": data.get("pkgCode") or "",
                                                 "sort_code": data.get("sortingCode") or ""})


def cancel_waybill(*, request_id, carrier, number, partner_id, partner_key):
    """Give an unused waybill back to the carrier.

    :raise WaybillUnavailable: no answer  :raise WaybillRefused: the carrier said no (e.g. already collected)
    """
    _call("cancel", {"partnerId": partner_id or "", "partnerKey": partner_key or "", "kuaidicom": carrier,
                     "kuaidinum": number, "orderId": request_id, "reason": "商家取消"})
