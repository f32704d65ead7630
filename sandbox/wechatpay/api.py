"""WeChat Pay v3's merchant API as the sandbox serves it: every request must carry a
valid merchant signature (401 otherwise), every answer is signed with the platform key.
Covers prepay (JSAPI, Native, H5; direct and partner), query, close, refund, refund query."""
import json
import time

from flask import Response, g, request, url_for

from sandbox.wechatpay.auth import authenticate
from sandbox.wechatpay.blueprint import api_bp, current_sandbox
from sandbox.wechatpay.ledger import Refusal, Transaction
from sandbox.wechatpay.notify import signed_headers

TRADE_TYPES = {"jsapi": "JSAPI", "native": "NATIVE", "h5": "H5"}


def signed_response(payload=None, status=200):
    """JSON (or an empty 204) with the Wechatpay-* headers the SDK verifies."""
    body = "" if payload is None else json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    response = Response(body, status=status, headers=signed_headers(current_sandbox().platform_key, body))
    if body:
        response.content_type = "application/json; charset=utf-8"
    return response


@api_bp.errorhandler(Refusal)
def refused(refusal):
    return signed_response({"code": refusal.code, "message": refusal.message}, refusal.http_status)


def _signed_path():
    """Path and query exactly as the client wrote them, less the mount prefix."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.full_path.rstrip("?")
    return raw[raw.index("/v3/"):]


@api_bp.before_request
def authenticate_merchant():
    body = request.get_data(as_text=True)
    g.merchant = authenticate(current_sandbox().merchants, request.method, _signed_path(), body,
                              request.headers.get("Authorization"))


def _unless_failing(endpoint):
    """The ``fail_next`` switch: answer 500 SYSTEM_ERROR instead of doing the work."""
    if current_sandbox().faults.take_failure(endpoint):
        raise Refusal(500, "SYSTEM_ERROR", "系统繁忙，请稍后重试")


def _json_body():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Refusal(400, "PARAM_ERROR", "请求体不是合法的 JSON 对象")
    return body


def _required(body, *names):
    missing = [name for name in names if not body.get(name)]
    if missing:
        raise Refusal(400, "PARAM_ERROR", "缺少参数 " + ", ".join(missing))


def _caller_must_be(mchid):
    if mchid != g.merchant.mchid:
        raise Refusal(400, "PARAM_ERROR", "商户号与签名的商户号不一致")


def _new_transaction(body, trade_type, *, partner):
    _unless_failing("prepay")
    if trade_type not in TRADE_TYPES:
        raise Refusal(404, "NOT_FOUND", "不支持的交易类型")
    mchid_field, appid_field = ("sp_mchid", "sp_appid") if partner else ("mchid", "appid")
    _required(body, mchid_field, appid_field, "description", "out_trade_no", "notify_url", "amount")
    if partner:
        _required(body, "sub_mchid")
    _caller_must_be(body[mchid_field])
    total = body["amount"].get("total") if isinstance(body["amount"], dict) else None
    if not isinstance(total, int) or total <= 0:
        raise Refusal(400, "PARAM_ERROR", "amount.total 必须是正整数（分）")
    trade = Transaction(mchid=body[mchid_field], sub_mchid=body.get("sub_mchid") if partner else None,
                        appid=body[appid_field], sub_appid=body.get("sub_appid") if partner else None,
                        out_trade_no=body["out_trade_no"], trade_type=TRADE_TYPES[trade_type],
                        description=body["description"], total=total, notify_url=body["notify_url"],
                        payer=body.get("payer") or {}, attach=body.get("attach"))
    _check_scene(trade, body, partner)
    return current_sandbox().ledger.prepay(trade)


def _check_scene(trade, body, partner):
    if trade.trade_type == "JSAPI":
        openids = ("sp_openid", "sub_openid") if partner else ("openid",)
        if not any(trade.payer.get(name) for name in openids):
            raise Refusal(400, "PARAM_ERROR", "JSAPI 下单需要 payer." + "/".join(openids))
        if trade.payer.get("sub_openid") and not trade.sub_appid:
            raise Refusal(400, "PARAM_ERROR", "使用 sub_openid 时必须传 sub_appid")
    if trade.trade_type == "H5":
        scene = body.get("scene_info") or {}
        if not scene.get("payer_client_ip") or not (scene.get("h5_info") or {}).get("type"):
            raise Refusal(400, "PARAM_ERROR", "H5 下单需要 scene_info.payer_client_ip 和 scene_info.h5_info.type")


def _prepay_answer(trade):
    if trade.trade_type == "JSAPI":
        return {"prepay_id": trade.prepay_id}
    if trade.trade_type == "NATIVE":
        return {"code_url": f"weixin://wxpay/bizpayurl?pr={trade.prepay_id[2:14]}"}
    # H5: the shopper's browser is sent to the sandbox's checkout page instead of WeChat's.
    return {"h5_url": url_for("wechatpay_sandbox_pages.checkout", prepay_id=trade.prepay_id, _external=True)}


@api_bp.post("/v3/pay/transactions/<trade_type>")
def direct_prepay(trade_type):
    return signed_response(_prepay_answer(_new_transaction(_json_body(), trade_type, partner=False)))


@api_bp.post("/v3/pay/partner/transactions/<trade_type>")
def partner_prepay(trade_type):
    return signed_response(_prepay_answer(_new_transaction(_json_body(), trade_type, partner=True)))


@api_bp.get("/v3/pay/transactions/out-trade-no/<out_trade_no>")
@api_bp.get("/v3/pay/transactions/id/<transaction_id>")
def direct_query(out_trade_no=None, transaction_id=None):
    _unless_failing("query")
    _caller_must_be(request.args.get("mchid"))
    trade = current_sandbox().ledger.find(g.merchant.mchid, None, out_trade_no, transaction_id)
    return signed_response(trade.as_wechat_json())


@api_bp.get("/v3/pay/partner/transactions/out-trade-no/<out_trade_no>")
@api_bp.get("/v3/pay/partner/transactions/id/<transaction_id>")
def partner_query(out_trade_no=None, transaction_id=None):
    _unless_failing("query")
    _caller_must_be(request.args.get("sp_mchid"))
    sub_mchid = request.args.get("sub_mchid")
    trade = current_sandbox().ledger.find(g.merchant.mchid, sub_mchid, out_trade_no, transaction_id)
    return signed_response(trade.as_wechat_json())


@api_bp.post("/v3/pay/transactions/out-trade-no/<out_trade_no>/close")
def direct_close(out_trade_no):
    _unless_failing("close")
    _caller_must_be(_json_body().get("mchid"))
    ledger = current_sandbox().ledger
    ledger.close(ledger.find(g.merchant.mchid, None, out_trade_no))
    return signed_response(status=204)


@api_bp.post("/v3/pay/partner/transactions/out-trade-no/<out_trade_no>/close")
def partner_close(out_trade_no):
    _unless_failing("close")
    body = _json_body()
    _caller_must_be(body.get("sp_mchid"))
    ledger = current_sandbox().ledger
    ledger.close(ledger.find(g.merchant.mchid, body.get("sub_mchid"), out_trade_no))
    return signed_response(status=204)


@api_bp.post("/v3/refund/domestic/refunds")
def create_refund():
    _unless_failing("refund")
    body = _json_body()
    _required(body, "out_refund_no", "amount")
    if not (body.get("out_trade_no") or body.get("transaction_id")):
        raise Refusal(400, "PARAM_ERROR", "缺少参数 out_trade_no 或 transaction_id")
    amount = body["amount"] if isinstance(body["amount"], dict) else {}
    if not all(isinstance(amount.get(name), int) for name in ("refund", "total")):
        raise Refusal(400, "PARAM_ERROR", "amount.refund 和 amount.total 必须是整数（分）")
    ledger = current_sandbox().ledger
    trade = ledger.find(g.merchant.mchid, body.get("sub_mchid"), body.get("out_trade_no"), body.get("transaction_id"))
    refund = ledger.refund(trade, body["out_refund_no"], amount["refund"], amount["total"],
                           body.get("reason"), body.get("notify_url"))
    time.sleep(current_sandbox().faults.refund_answer_delay)  # recorded, but the caller may time out first
    return signed_response(refund.as_wechat_json())


@api_bp.get("/v3/refund/domestic/refunds/<out_refund_no>")
def query_refund(out_refund_no):
    _unless_failing("refund_query")
    refund = current_sandbox().ledger.find_refund(g.merchant.mchid, request.args.get("sub_mchid"), out_refund_no)
    return signed_response(refund.as_wechat_json())
