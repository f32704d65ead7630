"""The shared sandbox's control API (loopback only, like every sandbox route): what app
processes, tests and the fault harness ask of "WeChat" besides its v3 API.

``POST /control/merchants``                     register a merchant's API public key
``GET  /control/ledger``                        every transaction and refund (fen, states)
``GET|POST /control/faults``                    read or set the fault switches (faults.py)
``POST /control/faults/reset``                  every switch off
``POST /control/transactions/<no>/pay``         the shopper pays (or fails) an order; WeChat notifies
``POST /control/transactions/<no>/notify``      WeChat retries a paid order's notification
``POST /control/refunds/<no>/complete``         WeChat settles a refund; notifies
``POST /control/refunds/<no>/notify``           WeChat retries a settled refund's notification
``GET  /control/health``                        the platform key's id, for a caller to check it agrees
"""
from flask import jsonify, request

from sandbox.wechatpay.blueprint import control_bp, current_sandbox
from sandbox.wechatpay.ledger import Refusal
from sandbox.wechatpay.notify import post_notification


@control_bp.errorhandler(Refusal)
def refused(refusal):
    return jsonify(code=refusal.code, message=refusal.message), refusal.http_status


@control_bp.errorhandler(ValueError)
def bad_request(error):
    return jsonify(code="PARAM_ERROR", message=str(error)), 400


def _body():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValueError("the request body must be a JSON object")
    return body


@control_bp.get("/health")
def health():
    return jsonify(status="ok", public_key_id=current_sandbox().platform_key.public_key_id)


@control_bp.post("/merchants")
def register_merchant():
    body = _body()
    missing = [name for name in ("mchid", "public_pem", "serial_no", "apiv3_key") if not body.get(name)]
    if missing:
        raise ValueError("missing " + ", ".join(missing))
    current_sandbox().register_merchant(body["mchid"], body["public_pem"], body["serial_no"], body["apiv3_key"])
    return jsonify(mchid=body["mchid"]), 201


@control_bp.get("/ledger")
def ledger():
    return jsonify(current_sandbox().ledger.snapshot())


@control_bp.get("/faults")
def faults():
    return jsonify(current_sandbox().faults.as_json())


@control_bp.post("/faults")
def set_faults():
    current_sandbox().faults.update(_body())
    return jsonify(current_sandbox().faults.as_json())


@control_bp.post("/faults/reset")
def reset_faults():
    current_sandbox().faults.reset()
    return jsonify(current_sandbox().faults.as_json())


@control_bp.post("/transactions/<out_trade_no>/pay")
def pay(out_trade_no):
    body = request.get_json(silent=True) or {}
    outcome = "FAIL" if body.get("outcome") == "FAIL" else "SUCCESS"
    try:
        trade, status = current_sandbox().pay_transaction(out_trade_no, outcome, send=body.get("send", True))
    except LookupError as error:
        raise Refusal(404, "ORDER_NOT_EXIST", str(error)) from None
    return jsonify(trade=trade.as_wechat_json(), notify_status=status)


@control_bp.post("/transactions/<out_trade_no>/notify")
def notify_again(out_trade_no):
    sandbox = current_sandbox()
    trades = [t for t in sandbox.ledger.snapshot()["transactions"] if t["out_trade_no"] == out_trade_no]
    if len(trades) != 1 or not trades[0]["transaction_id"]:
        raise Refusal(404, "ORDER_NOT_EXIST", f"no paid transaction numbered {out_trade_no}")
    trade = sandbox.ledger.find(trades[0]["mchid"], trades[0]["sub_mchid"], out_trade_no)
    return jsonify(notify_status=post_notification(trade.notify_url, *sandbox.payment_notification(trade)))


@control_bp.post("/refunds/<out_refund_no>/complete")
def complete_refund(out_refund_no):
    refund = current_sandbox().ledger.find_refund_anywhere(out_refund_no)
    outcome = request.args.get("outcome", "SUCCESS")
    if outcome not in ("SUCCESS", "ABNORMAL", "CLOSED"):
        raise Refusal(400, "PARAM_ERROR", "outcome is SUCCESS, ABNORMAL or CLOSED")
    refund, status = current_sandbox().complete_refund(refund, outcome=outcome)
    return jsonify(refund=refund.as_wechat_json(), notify_status=status)


@control_bp.post("/refunds/<out_refund_no>/notify")
def notify_refund_again(out_refund_no):
    sandbox = current_sandbox()
    refund = sandbox.ledger.find_refund_anywhere(out_refund_no)
    if refund.status != "SUCCESS" or not refund.notify_url:
        raise Refusal(400, "INVALID_REQUEST", f"refund {out_refund_no} is {refund.status}; nothing to notify")
    return jsonify(notify_status=post_notification(refund.notify_url, *sandbox.refund_notification(refund)))
