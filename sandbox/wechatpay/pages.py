"""The developer's stand-in for a phone: lists pending orders, "scans" one and pays or
fails it (which sends WeChat's signed notification), and settles pending refunds.

Like WeChat's H5 cashier, the checkout page takes the merchant's ``redirect_url`` (added to
``h5_url``): once the shopper has paid (or the payment failed) it shows the outcome and
sends the browser back there — the store's order page — with a link for doing it by hand."""
from urllib.parse import urlparse

from flask import redirect, render_template, request, url_for
from werkzeug.exceptions import NotFound

from sandbox.wechatpay.blueprint import current_sandbox, pages_bp
from sandbox.wechatpay.ledger import Refusal


def _result_message(action, status):
    if status is None:
        return f"{action}; no notification was delivered (none is sent, or the notify_url did not answer)"
    return f"{action}; the merchant answered the notification with HTTP {status}"


@pages_bp.get("/")
def index():
    trades, refunds = current_sandbox().ledger.pending()
    return render_template("wechatpay_sandbox/index.html", trades=trades, refunds=refunds,
                           result=request.args.get("result"))


def return_address(raw):
    """The merchant's ``redirect_url`` when it is an absolute http(s) address, else None
    (WeChat, too, only sends the shopper back to a web page of the merchant's)."""
    raw = (raw or "").strip()
    parts = urlparse(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c in raw for c in "\r\n\t\\"):
        return None
    return raw


@pages_bp.get("/checkout/<prepay_id>")
def checkout(prepay_id):
    try:
        trade = current_sandbox().ledger.find_by_prepay_id(prepay_id)
    except Refusal:
        raise NotFound() from None
    return render_template("wechatpay_sandbox/checkout.html", trade=trade,
                           return_to=return_address(request.args.get("redirect_url")))


@pages_bp.post("/checkout/<prepay_id>")
def pay(prepay_id):
    outcome = "FAIL" if request.form.get("outcome") == "FAIL" else "SUCCESS"
    return_to = return_address(request.form.get("redirect_url"))
    try:
        trade, status = current_sandbox().pay_transaction(prepay_id=prepay_id, outcome=outcome)
    except Refusal as refusal:
        if return_to:
            return render_template("wechatpay_sandbox/paid.html", outcome=refusal.message, return_to=return_to)
        return redirect(url_for(".index", result=refusal.message))
    action = f"Order {trade.out_trade_no} {'paid' if outcome == 'SUCCESS' else 'failed'}"
    if return_to:  # WeChat's H5 flow: show the outcome, then back to the merchant's page
        return render_template("wechatpay_sandbox/paid.html", outcome=_result_message(action, status),
                               return_to=return_to, paid=outcome == "SUCCESS")
    return redirect(url_for(".index", result=_result_message(action, status)))


@pages_bp.post("/refunds/<refund_id>/complete")
def complete_refund(refund_id):
    refunds = [r for r in current_sandbox().ledger.pending()[1] if r.refund_id == refund_id]
    if not refunds:
        raise NotFound()
    refund, status = current_sandbox().complete_refund(refunds[0])
    return redirect(url_for(".index", result=_result_message(f"Refund {refund.out_refund_no} settled", status)))
