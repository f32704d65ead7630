"""The sandbox's memory: the account it accepts and how far each parcel has travelled."""
import hashlib
import threading
from datetime import datetime, timedelta

DEVELOPMENT_KEY = "sandbox-kuaidi100-key"
DEVELOPMENT_CUSTOMER = "SANDBOXCUSTOMER0000000000000000"
DEVELOPMENT_SECRET = "sandbox-kuaidi100-secret"
# Faults the label API can be told to show on its next request (``fail_next``):
TIMEOUT_AFTER_WORK = "timeout_after_work"  # make the waybill, then answer too late for the caller
DOWN = "down"  # answer 503 without doing anything
WAYBILL_PREFIXES = {"shunfeng": "SF", "yuantong": "YT", "zhongtong": "ZT", "shentong": "ST", "yunda": "YD",
                    "jtexpress": "JT", "ems": "EM", "youzhengguonei": "YZ", "jd": "JD", "debangkuaidi": "DPK"}
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
    def __init__(self, key=DEVELOPMENT_KEY, customer=DEVELOPMENT_CUSTOMER, secret=DEVELOPMENT_SECRET):
        self.key, self.customer, self.secret = key, customer, secret
        self._lock = threading.Lock()
        self.waybills = {}  # orderId → the waybill made for it (kuaidinum, kuaidicom, recMan …, cancelled)
        self.label_requests = 0  # every label API call, answered or not
        self.out_of_area = ["海外"]  # a receiver address containing one of these is refused (超区)
        self.late_by = 3.0  # seconds TIMEOUT_AFTER_WORK waits before answering
        self._faults = []
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

    # --- electronic waybills (电子面单) ------------------------------------------------------

    def label_signature_is_valid(self, key, param, t, signature):
        expected = hashlib.md5((param + t + self.key + self.secret).encode("utf-8")).hexdigest().upper()
        return key == self.key and signature == expected

    def fail_next(self, fault):
        """The next label request shows ``fault`` (``TIMEOUT_AFTER_WORK`` or ``DOWN``)."""
        with self._lock:
            self._faults.append(fault)

    def take_fault(self):
        with self._lock:
            self.label_requests += 1
            return self._faults.pop(0) if self._faults else None

    def make_waybill(self, wanted):
        """The waybill for ``wanted["orderId"]``: the one made before for that id, else a new
        one. Returns ``(waybill, None)`` or ``(None, refusal message)``."""
        address = str((wanted.get("recMan") or {}).get("printAddr") or "")
        if not address.strip() or not (wanted.get("recMan") or {}).get("mobile"):
            return None, "收件人信息不完整"
        if not str((wanted.get("sendMan") or {}).get("printAddr") or "").strip():
            return None, "寄件人信息不完整"
        if any(word in address for word in self.out_of_area):
            return None, "超区：该地址不在派送范围内"
        carrier, order_id = str(wanted.get("kuaidicom") or ""), str(wanted.get("orderId") or "")
        if carrier not in WAYBILL_PREFIXES:
            return None, "暂不支持该快递公司"
        with self._lock:
            if order_id and order_id in self.waybills:
                return self.waybills[order_id], None
            number = f"{WAYBILL_PREFIXES[carrier]}{7300000000000 + len(self.waybills) + 1}"
            province = address.split()[0] if address.split() else ""
            waybill = {"kuaidinum": number, "kuaidicom": carrier, "orderId": order_id, "cancelled": False,
                       "bulkpen": f"{province[:2]}-{300 + len(self.waybills) % 700:03d}",
                       "pkgCode": f"{province[:2]}转运中心", "sortingCode": f"{len(self.waybills) % 90 + 10}",
                       "recMan": wanted.get("recMan"), "sendMan": wanted.get("sendMan"), "cargo": wanted.get("cargo")}
            if order_id:
                self.waybills[order_id] = waybill
            return waybill, None

    def cancel_waybill(self, wanted):
        """``None`` once cancelled, else why not."""
        with self._lock:
            for waybill in self.waybills.values():
                if waybill["kuaidinum"] == wanted.get("kuaidinum") and waybill["kuaidicom"] == wanted.get("kuaidicom"):
                    if (waybill["kuaidicom"], waybill["kuaidinum"]) in self._steps:
                        return "快件已揽收，不能取消"
                    waybill["cancelled"] = True
                    return None
        return "找不到该面单"

    def live_waybills(self):
        """Waybills made and not cancelled (tests count them)."""
        return [waybill for waybill in self.waybills.values() if not waybill["cancelled"]]
