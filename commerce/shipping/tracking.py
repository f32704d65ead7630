"""Parcel tracking through 快递100's real-time query API (实时快递查询).

``poll(carrier, number)`` POSTs ``customer``, ``param`` (JSON) and
``sign = MD5(param + key + customer)`` in upper-case hex to ``KUAIDI100_URL`` and returns the
parcel's events, newest first. Settings: ``KUAIDI100_URL``, ``KUAIDI100_KEY`` and
``KUAIDI100_CUSTOMER`` (with ``KUAIDI100_SANDBOX`` the local sandbox/kuaidi100 answers).
Carrier codes are 快递100's (``shunfeng``, ``yuantong``, ``zhongtong`` …).
"""
import hashlib
import json
from dataclasses import dataclass, field

import requests
from flask import current_app

from commerce.shipping.models import Parcel
from core.models import utcnow

DEFAULT_URL = "https://poll.kuaidi100.com/poll/query.do"
TIMEOUT = 10  # seconds

# 快递100's ``state``: where the parcel is. Delivered and returned-to-sender are final.
IN_TRANSIT, COLLECTED, PROBLEM, DELIVERED, REFUSED, OUT_FOR_DELIVERY, RETURNING = "0", "1", "2", "3", "4", "5", "6"
FINAL_STATES = (DELIVERED, REFUSED)

CARRIERS = {  # 快递100 code → name shown to merchants and shoppers
    "shunfeng": "顺丰速运", "yuantong": "圆通速递", "zhongtong": "中通快递", "shentong": "申通快递",
    "yunda": "韵达快递", "jtexpress": "极兔速递", "ems": "EMS", "youzhengguonei": "邮政快递包裹",
    "jd": "京东物流", "debangkuaidi": "德邦快递",
}


class TrackingUnavailable(Exception):
    """快递100 did not answer, refused the request or knows nothing of the parcel yet;
    the caller tries again later."""


@dataclass
class Tracking:
    state: str  # one of the states above
    events: list = field(default_factory=list)  # [{"time": "2026-11-25 10:00:00", "context": …, "location": …}], newest first

    def is_final(self):
        return self.state in FINAL_STATES


def sign(param, key, customer):
    """快递100's request signature: MD5 of ``param + key + customer``, upper-case hex."""
    return hashlib.md5((param + key + customer).encode("utf-8")).hexdigest().upper()


def poll(carrier, number, *, phone=None):
    """The parcel's state and events, newest first. ``phone`` (the recipient's) is needed
    by 顺丰 and a few others.

    :raise TrackingUnavailable: no answer, a refusal, or nothing known yet
    """
    config = current_app.config
    key, customer = config.get("KUAIDI100_KEY"), config.get("KUAIDI100_CUSTOMER")
    if not key or not customer:
        raise TrackingUnavailable("KUAIDI100_KEY and KUAIDI100_CUSTOMER are not set")
    param = json.dumps({"com": carrier, "num": number, "phone": phone or "", "resultv2": "0", "order": "desc"},
                       ensure_ascii=False, separators=(",", ":"))
    try:
        response = requests.post(config.get("KUAIDI100_URL") or DEFAULT_URL, timeout=TIMEOUT,
                                 data={"customer": customer, "param": param, "sign": sign(param, key, customer)})
        answer = response.json()
    except (requests.RequestException, ValueError) as error:
        raise TrackingUnavailable(f"快递100 did not answer: {error}") from error
    if not isinstance(answer, dict) or answer.get("status") != "200" or answer.get("message") != "ok":
        raise TrackingUnavailable(f"快递100 refused {carrier} {number}: {answer.get('returnCode')} "
                                  f"{answer.get('message')}" if isinstance(answer, dict) else "快递100: bad answer")
    events = [{"time": item.get("ftime") or item.get("time"), "context": item.get("context", ""),
               "location": item.get("location") or ""} for item in answer.get("data") or ()]
    return Tracking(state=str(answer.get("state", IN_TRANSIT)), events=events)


MAX_EVENTS = 100  # newest kept; a parcel's journey rarely has more than 20


def record_tracking(parcel, tracking, *, now=None):
    """Keep 快递100's latest answer on the parcel; signed for or refused ends its polling.
    Applying the same answer twice changes nothing but ``last_checked_at``."""
    now = now or utcnow()
    parcel.tracking_state = tracking.state
    parcel.events = tracking.events[:MAX_EVENTS]
    parcel.last_checked_at = now
    if tracking.state == DELIVERED and parcel.status == Parcel.IN_TRANSIT:
        parcel.status, parcel.delivered_at = Parcel.DELIVERED, now
    elif tracking.state == REFUSED and parcel.status == Parcel.IN_TRANSIT:
        parcel.status = Parcel.RETURNED
    return parcel
