"""A client of the shared sandbox server (``python -m sandbox.wechatpay``) over its
control API. An app process configured with ``WECHATPAY_SANDBOX_URL`` keeps one as
``app.extensions["wechatpay_sandbox"]``, so registering a merchant's key reaches the one
"WeChat" every process pays against; tests and the fault harness drive it the same way."""
import requests


class SandboxUnavailable(RuntimeError):
    """The shared sandbox did not answer, or refused the control call."""


class RemoteSandbox:
    def __init__(self, base_url, timeout=10):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _call(self, method, path, payload=None):
        url = f"{self.base_url}/control{path}"
        try:
            response = requests.request(method, url, json=payload, timeout=self.timeout)
        except requests.RequestException as error:
            raise SandboxUnavailable(f"the WeChat Pay sandbox at {self.base_url} did not answer: {error}") from None
        if response.status_code >= 400:
            raise SandboxUnavailable(f"{method} {url} answered {response.status_code}: {response.text[:300]}")
        return response.json()

    def health(self):
        return self._call("GET", "/health")

    def register_merchant(self, mchid, public_pem, serial_no, apiv3_key):
        """As ``Sandbox.register_merchant``, over HTTP."""
        return self._call("POST", "/merchants", {"mchid": mchid, "public_pem": public_pem,
                                                 "serial_no": serial_no, "apiv3_key": apiv3_key})

    def ledger(self):
        """``{"transactions": [...], "refunds": [...]}`` with amounts in fen."""
        return self._call("GET", "/ledger")

    def faults(self):
        return self._call("GET", "/faults")

    def set_faults(self, **switches):
        return self._call("POST", "/faults", switches)

    def reset_faults(self):
        return self._call("POST", "/faults/reset")

    def pay(self, out_trade_no, outcome="SUCCESS", send=True):
        """The shopper pays; returns ``{"trade": …, "notify_status": the merchant's HTTP status}``."""
        return self._call("POST", f"/transactions/{out_trade_no}/pay", {"outcome": outcome, "send": send})

    def notify_again(self, out_trade_no):
        """WeChat's retry of a paid order's notification; the merchant's HTTP status."""
        return self._call("POST", f"/transactions/{out_trade_no}/notify")["notify_status"]

    def complete_refund(self, out_refund_no, outcome="SUCCESS"):
        """WeChat settles the refund (SUCCESS, ABNORMAL or CLOSED); returns ``{"refund": …, "notify_status": the
        merchant's HTTP status}``."""
        return self._call("POST", f"/refunds/{out_refund_no}/complete?outcome={outcome}")

    def notify_refund_again(self, out_refund_no):
        return self._call("POST", f"/refunds/{out_refund_no}/notify")["notify_status"]
