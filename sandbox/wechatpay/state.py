"""One running sandbox: its platform key, the merchants registered with it, its ledger,
and the developer's actions (pay, fail, settle a refund) that make WeChat notify."""
import secrets
import time
import uuid

from sandbox.wechatpay.auth import RegisteredMerchant
from sandbox.wechatpay.faults import Faults
from sandbox.wechatpay.keys import MerchantKeyPair, PlatformKey
from sandbox.wechatpay.ledger import Ledger
from sandbox.wechatpay.notify import build_notification, post_notification


class Sandbox:
    def __init__(self, platform_key=None):
        self.platform_key = platform_key or PlatformKey()
        self.ledger = Ledger()
        self.merchants = {}  # mchid → RegisteredMerchant
        self.faults = Faults()
        self._notification_ids = {}  # (kind, id) → the id every delivery of that notification carries

    def register_merchant(self, mchid, public_pem, serial_no, apiv3_key):
        """Tell the sandbox a merchant's API public key, as one uploads it to WeChat."""
        self.merchants[mchid] = RegisteredMerchant(mchid, public_pem, serial_no, apiv3_key)
        return self.merchants[mchid]

    def create_merchant(self, mchid):
        """A new merchant with generated keys, registered here; returns its private side:
        ``(MerchantKeyPair, apiv3_key)``."""
        keys, apiv3_key = MerchantKeyPair.generate(), secrets.token_hex(16)
        self.register_merchant(mchid, keys.public_pem, keys.serial_no, apiv3_key)
        return keys, apiv3_key

    def payment_notification(self, trade, timestamp=None):
        """``(headers, body)`` of the TRANSACTION.SUCCESS notification for a paid order
        (every delivery of it has the same notification id)."""
        return build_notification(self.platform_key, self.merchants[trade.mchid].apiv3_key,
                                  "TRANSACTION.SUCCESS", trade.as_wechat_json(), timestamp,
                                  self._notification_id(("transaction", trade.prepay_id)))

    def refund_notification(self, refund, timestamp=None):
        """``(headers, body)`` of the REFUND.SUCCESS (ABNORMAL, CLOSED) notification for a settled refund."""
        return build_notification(self.platform_key, self.merchants[refund.transaction.mchid].apiv3_key,
                                  f"REFUND.{refund.status}", refund.as_notification_json(), timestamp,
                                  self._notification_id(("refund", refund.refund_id)))

    def _notification_id(self, event):
        return self._notification_ids.setdefault(event, str(uuid.uuid4()))

    def pay_transaction(self, out_trade_no=None, outcome="SUCCESS", *, prepay_id=None, send=True):
        """The shopper pays (or fails to pay) a pending order, found by number or prepay id.

        On success the signed notification is POSTed to the order's notify_url when
        ``send`` is true; returns ``(transaction, merchant's HTTP status or None)``. WeChat
        sends nothing for a failed payment, and neither does the sandbox.
        """
        trade = self._pending_trade(out_trade_no, prepay_id)
        self.ledger.settle(trade, outcome)
        if outcome != "SUCCESS" or not send:
            return trade, None
        time.sleep(self.faults.notify_delay)
        return trade, post_notification(trade.notify_url, *self.payment_notification(trade))

    def complete_refund(self, refund, *, send=True, outcome="SUCCESS"):
        """WeChat settles a PROCESSING refund (``outcome`` SUCCESS, ABNORMAL or CLOSED); notifies when
        the refund had a notify_url."""
        self.ledger.complete_refund(refund, outcome)
        if not (send and refund.notify_url):
            return refund, None
        time.sleep(self.faults.notify_delay)
        return refund, post_notification(refund.notify_url, *self.refund_notification(refund))

    def _pending_trade(self, out_trade_no, prepay_id):
        if prepay_id is not None:
            return self.ledger.find_by_prepay_id(prepay_id)
        matches = [t for t in self.ledger.pending()[0] if t.out_trade_no == out_trade_no]
        if len(matches) != 1:
            raise LookupError(f"{len(matches)} pending transactions numbered {out_trade_no!r}")
        return matches[0]
