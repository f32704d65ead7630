"""The sandbox's books: transactions and refunds kept in memory, with WeChat's rules
(one prepay per out_trade_no, no closing a paid order, refunds up to the paid amount).

Direct and service-provider orders are kept alike; ``sub_mchid`` is None for direct ones.
The JSON shapes follow WeChat Pay v3's field names so the SDK and our gateway read them
exactly as they would read WeChat's.
"""
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8))

# Trade states, as WeChat names them.
NOTPAY = "NOTPAY"  # prepaid, waiting for the shopper
SUCCESS = "SUCCESS"  # paid
REFUND = "REFUND"  # paid, then (partly) refunded
CLOSED = "CLOSED"  # closed by the merchant before payment
PAYERROR = "PAYERROR"  # the shopper's payment failed (WeChat sends no notification)

# Refund states.
REFUND_PROCESSING = "PROCESSING"  # accepted; WeChat settles it a little later
REFUND_SUCCESS = "SUCCESS"  # money back with the shopper
REFUND_ABNORMAL = "ABNORMAL"  # could not be paid out (the shopper's card was closed): the merchant acts at WeChat
REFUND_CLOSED = "CLOSED"  # closed without paying out: the amount can be refunded again


class Refusal(Exception):
    """WeChat's answer to a request it will not carry out: HTTP status, code, message."""

    def __init__(self, http_status, code, message):
        super().__init__(message)
        self.http_status, self.code, self.message = http_status, code, message


def wechat_time(moment=None):
    """RFC 3339 in China time, as WeChat writes ``success_time`` and ``create_time``."""
    return (moment or datetime.now(CHINA)).astimezone(CHINA).isoformat(timespec="seconds")


def _new_id(prefix, length=24):
    return prefix + "".join(secrets.choice("0123456789") for _ in range(length))


@dataclass
class Transaction:
    mchid: str  # the caller: the direct merchant, or the service provider
    sub_mchid: str | None
    appid: str
    sub_appid: str | None
    out_trade_no: str
    trade_type: str  # JSAPI, NATIVE, H5
    description: str
    total: int  # fen
    notify_url: str
    payer: dict = field(default_factory=dict)
    attach: str | None = None
    trade_state: str = NOTPAY
    prepay_id: str = field(default_factory=lambda: "wx" + secrets.token_hex(16))
    transaction_id: str | None = None
    success_time: str | None = None
    refunded: int = 0  # fen refunded so far, PROCESSING ones included

    @property
    def partner(self):
        return self.sub_mchid is not None

    def as_wechat_json(self):
        """The query answer and the decrypted payment notification."""
        body = {"out_trade_no": self.out_trade_no, "trade_type": self.trade_type,
                "trade_state": self.trade_state, "trade_state_desc": STATE_DESCRIPTIONS[self.trade_state],
                "amount": {"total": self.total, "currency": "CNY"}}
        if self.partner:
            body.update(sp_mchid=self.mchid, sub_mchid=self.sub_mchid, sp_appid=self.appid)
            if self.sub_appid:
                body["sub_appid"] = self.sub_appid
        else:
            body.update(mchid=self.mchid, appid=self.appid)
        if self.attach:
            body["attach"] = self.attach
        if self.transaction_id:
            body.update(transaction_id=self.transaction_id, success_time=self.success_time, bank_type="OTHERS",
                        payer=self.payer or {})
            body["amount"].update(payer_total=self.total, payer_currency="CNY")
        return body


STATE_DESCRIPTIONS = {NOTPAY: "订单未支付", SUCCESS: "支付成功", REFUND: "转入退款", CLOSED: "已关闭",
                      PAYERROR: "支付失败"}


@dataclass
class Refund:
    transaction: Transaction
    out_refund_no: str
    refund: int  # fen
    reason: str | None
    notify_url: str | None
    refund_id: str = field(default_factory=lambda: _new_id("50", 30))
    status: str = REFUND_PROCESSING
    create_time: str = field(default_factory=wechat_time)
    success_time: str | None = None

    def as_wechat_json(self):
        """The refund (and refund query) answer."""
        trade = self.transaction
        body = {"refund_id": self.refund_id, "out_refund_no": self.out_refund_no,
                "transaction_id": trade.transaction_id, "out_trade_no": trade.out_trade_no,
                "channel": "ORIGINAL", "user_received_account": "支付用户零钱", "create_time": self.create_time,
                "status": self.status, "funds_account": "AVAILABLE",
                "amount": {"total": trade.total, "refund": self.refund, "payer_total": trade.total,
                           "payer_refund": self.refund, "settlement_total": trade.total,
                           "settlement_refund": self.refund, "discount_refund": 0, "currency": "CNY"}}
        if self.success_time:
            body["success_time"] = self.success_time
        return body

    def as_notification_json(self):
        """The decrypted REFUND.SUCCESS resource."""
        trade = self.transaction
        body = {"out_trade_no": trade.out_trade_no, "transaction_id": trade.transaction_id,
                "out_refund_no": self.out_refund_no, "refund_id": self.refund_id, "refund_status": self.status,
                "success_time": self.success_time, "user_received_account": "支付用户零钱",
                "amount": {"total": trade.total, "refund": self.refund, "payer_total": trade.total,
                           "payer_refund": self.refund}}
        if trade.partner:
            body.update(sp_mchid=trade.mchid, sub_mchid=trade.sub_mchid)
        else:
            body["mchid"] = trade.mchid
        return body


class Ledger:
    """All transactions and refunds of one sandbox, safe to use from several threads."""

    def __init__(self):
        self._lock = threading.RLock()
        self._transactions = {}  # (mchid, sub_mchid, out_trade_no) → Transaction
        self._refunds = {}  # (mchid, sub_mchid, out_refund_no) → Refund

    def prepay(self, order):
        """Record a new order, or return the pending one with the same number and amount."""
        key = (order.mchid, order.sub_mchid, order.out_trade_no)
        with self._lock:
            existing = self._transactions.get(key)
            if existing is None:
                self._transactions[key] = order
                return order
            if existing.trade_state in (SUCCESS, REFUND):
                raise Refusal(400, "ORDERPAID", "该订单已支付")
            if existing.trade_state == CLOSED:
                raise Refusal(400, "ORDERCLOSED", "当前订单已关闭，请重新下单")
            if (existing.total, existing.trade_type) != (order.total, order.trade_type):
                raise Refusal(400, "INVALID_REQUEST", "201 商户订单号重复")
            return existing

    def find(self, mchid, sub_mchid, out_trade_no=None, transaction_id=None):
        with self._lock:
            for trade in self._transactions.values():
                if (trade.mchid, trade.sub_mchid) != (mchid, sub_mchid):
                    continue
                if out_trade_no is not None and trade.out_trade_no == out_trade_no:
                    return trade
                if transaction_id is not None and trade.transaction_id == transaction_id:
                    return trade
        raise Refusal(404, "ORDER_NOT_EXIST", "订单不存在")

    def find_by_prepay_id(self, prepay_id):
        with self._lock:
            for trade in self._transactions.values():
                if trade.prepay_id == prepay_id:
                    return trade
        raise Refusal(404, "ORDER_NOT_EXIST", "订单不存在")

    def close(self, trade):
        with self._lock:
            if trade.trade_state in (SUCCESS, REFUND):
                raise Refusal(400, "ORDERPAID", "订单已支付")
            trade.trade_state = CLOSED

    def settle(self, trade, outcome):
        """The shopper paid (``SUCCESS``) or the payment failed (``FAIL``)."""
        with self._lock:
            if trade.trade_state != NOTPAY:
                raise Refusal(400, "INVALID_REQUEST", f"订单状态为 {trade.trade_state}，不能支付")
            if outcome == "SUCCESS":
                trade.trade_state, trade.success_time = SUCCESS, wechat_time()
                trade.transaction_id = _new_id("4200", 24)
            elif outcome == "FAIL":
                trade.trade_state = PAYERROR
            else:
                raise ValueError(f"outcome must be SUCCESS or FAIL, not {outcome!r}")
        return trade

    def refund(self, trade, out_refund_no, amount, total, reason=None, notify_url=None):
        """Accept a refund of ``amount`` fen; the same out_refund_no again returns the first."""
        key = (trade.mchid, trade.sub_mchid, out_refund_no)
        with self._lock:
            existing = self._refunds.get(key)
            if existing is not None:
                if existing.transaction is not trade or existing.refund != amount:
                    raise Refusal(400, "INVALID_REQUEST", "商户退款单号重复，且参数与首次请求不一致")
                return existing
            if trade.trade_state not in (SUCCESS, REFUND):
                raise Refusal(400, "INVALID_REQUEST", "订单未支付，不能退款")
            if total != trade.total:
                raise Refusal(400, "INVALID_REQUEST", "订单金额与原订单不一致")
            if amount <= 0 or trade.refunded + amount > trade.total:
                raise Refusal(400, "INVALID_REQUEST", "申请退款金额超过订单可退金额")
            refund = Refund(trade, out_refund_no, amount, reason, notify_url)
            trade.refunded += amount
            trade.trade_state = REFUND
            self._refunds[key] = refund
            return refund

    def find_refund(self, mchid, sub_mchid, out_refund_no):
        with self._lock:
            refund = self._refunds.get((mchid, sub_mchid, out_refund_no))
        if refund is None:
            raise Refusal(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
        return refund

    def complete_refund(self, refund, outcome=REFUND_SUCCESS):
        """WeChat settles a PROCESSING refund: ``SUCCESS``, ``ABNORMAL`` (not paid out; the
        merchant handles it at WeChat, the refund stays open) or ``CLOSED``."""
        if outcome not in (REFUND_SUCCESS, REFUND_ABNORMAL, REFUND_CLOSED):
            raise ValueError(f"a refund ends SUCCESS, ABNORMAL or CLOSED, not {outcome!r}")
        with self._lock:
            if refund.status == REFUND_PROCESSING:
                refund.status = outcome
                refund.success_time = wechat_time() if outcome == REFUND_SUCCESS else None
        return refund

    def find_refund_anywhere(self, out_refund_no):
        """A refund by its number alone (the developer's page and the control API)."""
        with self._lock:
            matches = [r for r in self._refunds.values() if r.out_refund_no == out_refund_no]
        if len(matches) != 1:
            raise Refusal(404, "RESOURCE_NOT_EXISTS", f"{len(matches)} 笔退款单号为 {out_refund_no}")
        return matches[0]

    def snapshot(self):
        """Every transaction and refund with amounts (fen) and states, oldest first."""
        with self._lock:
            trades = [{"mchid": t.mchid, "sub_mchid": t.sub_mchid, "out_trade_no": t.out_trade_no,
                       "transaction_id": t.transaction_id, "trade_state": t.trade_state, "total": t.total,
                       "refunded": t.refunded} for t in self._transactions.values()]
            refunds = [{"mchid": r.transaction.mchid, "sub_mchid": r.transaction.sub_mchid,
                        "out_trade_no": r.transaction.out_trade_no, "out_refund_no": r.out_refund_no,
                        "refund_id": r.refund_id, "refund": r.refund, "status": r.status}
                       for r in self._refunds.values()]
        return {"transactions": trades, "refunds": refunds}

    def pending(self):
        """Orders waiting for a shopper and refunds waiting to settle, newest first."""
        with self._lock:
            trades = [t for t in self._transactions.values() if t.trade_state == NOTPAY]
            refunds = [r for r in self._refunds.values() if r.status == REFUND_PROCESSING]
        return trades[::-1], refunds[::-1]
