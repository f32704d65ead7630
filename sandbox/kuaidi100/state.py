"""The sandbox's memory: the account it accepts and how far each parcel has travelled."""
import hashlib
import threading
from datetime import datetime, timedelta

DEVELOPMENT_KEY = "sandbox-kuaidi100-key"
DEVELOPMENT_CUSTOMER = "SANDBOXCUSTOMER0000000000000000"
UNKNOWN_PREFIX = "NOTFOUND"  # numbers starting so are never found, like a typo
# 快递100's states; written out here rather than imported, so the sandbox checks our client.
IN_TRANSIT, COLLECTED, DELIVERED, OUT_FOR_DELIVERY = "0", "1", "3", "5"

# (state, what 快递100 says) in order; the parcel shows one more step at each query.
TIMELINE = (
    (COLLECTED, "【上海市】上海浦东新区营业部 快递员 已揽收"),
    (IN_TRANSIT, "【上海市】已离开 上海转运中心，发往 北京转运中心"),
    (IN_TRANSIT, "【北京市】已到达 北京转运中心"),
    (OUT_FOR_DELIVERY, "【北京市】北京朝阳区营业部 快递员 正在派件（95338）"),
    (DELIVERED, "【北京市】已签收，签收人：本人。感谢使用，期待再次为您服务"),
)
STEP = timedelta(hours=6)


class Kuaidi100Sandbox:
    def __init__(self, key=DEVELOPMENT_KEY, customer=DEVELOPMENT_CUSTOMER):
        self.key, self.customer = key, customer
        self._lock = threading.Lock()
        self._steps = {}  # (carrier, number) → steps shown so far
        self._started = {}  # (carrier, number) → when it was collected

    def signature_is_valid(self, customer, param, signature):
        expected = hashlib.md5((param + self.key + self.customer).encode("utf-8")).hexdigest().upper()
        return customer == self.customer and signature == expected

    def advance(self, carrier, number, steps=1):
        """Move the parcel ``steps`` on (at most to 签收); returns the steps now shown."""
        with self._lock:
            shown = min(self._steps.get((carrier, number), 0) + steps, len(TIMELINE))
            self._steps[(carrier, number)] = shown
            self._started.setdefault((carrier, number), datetime.now().replace(microsecond=0) - STEP * len(TIMELINE))
            return shown

    def deliver(self, carrier, number):
        """Jump to 签收 (tests)."""
        return self.advance(carrier, number, len(TIMELINE))

    def timeline(self, carrier, number, shown):
        """``(state, events newest first)`` after ``shown`` steps."""
        start = self._started[(carrier, number)]
        events = [{"time": (start + STEP * i).strftime("%Y-%m-%d %H:%M:%S"), "context": context,
                   "location": context[1:context.index("】")]}
                  for i, (_, context) in enumerate(TIMELINE[:shown])]
        for event in events:
            event["ftime"] = event["time"]
        return TIMELINE[shown - 1][0], list(reversed(events))
