"""The sandbox's query endpoint and the two ways to run it: mounted in Duoshop at
``/sandbox/kuaidi100`` when ``KUAIDI100_SANDBOX`` is true, or as a small app of its own."""
import json
import time

from flask import Blueprint, Flask, abort, current_app, jsonify, request

from sandbox.kuaidi100.state import DELIVERED, DOWN, TIMEOUT_AFTER_WORK, UNKNOWN_PREFIX, Kuaidi100Sandbox

URL_PREFIX = "/sandbox/kuaidi100"
EXTENSION = "kuaidi100_sandbox"
LOOPBACK = ("127.0.0.1", "::1")

api_bp = Blueprint("kuaidi100_sandbox", __name__)


@api_bp.before_request
def _only_from_this_machine():
    # A developer tool that makes up parcel journeys: nobody else may reach it.
    if request.remote_addr not in LOOPBACK:
        abort(404)


def _refusal(code, message):
    # 快递100 answers refusals with HTTP 200 and this body.
    return jsonify({"result": False, "returnCode": code, "message": message})


@api_bp.route("/poll/query.do", methods=["POST"])
def query():
    sandbox = current_app.extensions[EXTENSION]
    customer, param, signature = (request.form.get(name, "") for name in ("customer", "param", "sign"))
    if not sandbox.signature_is_valid(customer, param, signature):
        return _refusal("601", "验证签名失败")
    try:
        wanted = json.loads(param)
        carrier, number = str(wanted["com"]), str(wanted["num"])
    except (ValueError, KeyError, TypeError):
        return _refusal("400", "找不到对应公司或参数不完整")
    if number.upper().startswith(UNKNOWN_PREFIX):
        return _refusal("500", "查询无结果，请隔段时间再查")
    state, events = sandbox.timeline(carrier, number, sandbox.advance(carrier, number))
    return jsonify({"message": "ok", "nu": number, "ischeck": "1" if state == DELIVERED else "0", "condition": "F00",
                    "com": carrier, "status": "200", "state": state, "data": events})


def _label_refusal(code, message):
    # The label API answers refusals with HTTP 200, ``success`` false.
    return jsonify({"success": False, "code": code, "message": message})


@api_bp.route("/label/order", methods=["POST"])
def label():
    """电子面单: ``method=order`` makes (or finds again, by ``orderId``) a waybill;
    ``method=cancel`` gives one back while it is not yet collected."""
    sandbox = current_app.extensions[EXTENSION]
    fault = sandbox.take_fault()
    if fault == DOWN:
        return jsonify({"success": False, "code": 503, "message": "服务繁忙"}), 503
    key, param, t, signature = (request.form.get(name, "") for name in ("key", "param", "t", "sign"))
    if not sandbox.label_signature_is_valid(key, param, t, signature):
        return _label_refusal(30002, "签名验证失败")
    try:
        wanted = json.loads(param)
        assert isinstance(wanted, dict)
    except (ValueError, AssertionError):
        return _label_refusal(30001, "参数错误")
    if request.form.get("method") == "cancel":
        reason = sandbox.cancel_waybill(wanted)
        return _label_refusal(30010, reason) if reason else jsonify({"success": True, "code": 200, "message": "取消成功"})
    if request.form.get("method") != "order":
        return _label_refusal(30001, "不支持的 method")
    waybill, reason = sandbox.make_waybill(wanted)
    if reason:
        return _label_refusal(30005, reason)
    if fault == TIMEOUT_AFTER_WORK:
        time.sleep(sandbox.late_by)  # the waybill is made; the caller has given up by now
    return jsonify({"success": True, "code": 200, "message": "success", "data": {
        "taskId": waybill["orderId"], "kuaidinum": waybill["kuaidinum"], "kuaidicom": waybill["kuaidicom"],
        "bulkpen": waybill["bulkpen"], "pkgCode": waybill["pkgCode"], "sortingCode": waybill["sortingCode"]}})


def create_sandbox_app(sandbox=None):
    """A bare WSGI app serving one sandbox at the root (``sandbox`` or a new one)."""
    app = Flask(__name__)
    app.extensions[EXTENSION] = sandbox or Kuaidi100Sandbox()
    app.register_blueprint(api_bp)
    return app


def init_app(app):
    """Mount the sandbox on the platform host and point tracking at it when enabled;
    production config refuses the flag, so this never happens there."""
    if not app.config.get("KUAIDI100_SANDBOX"):
        return
    from core.extensions import csrf
    from tenants.middleware import PLATFORM, serve_on

    sandbox = Kuaidi100Sandbox(key=app.config.get("KUAIDI100_KEY") or Kuaidi100Sandbox().key,
                               customer=app.config.get("KUAIDI100_CUSTOMER") or Kuaidi100Sandbox().customer,
                               secret=app.config.get("KUAIDI100_SECRET") or Kuaidi100Sandbox().secret)
    app.extensions[EXTENSION] = sandbox
    app.config.update(KUAIDI100_KEY=sandbox.key, KUAIDI100_CUSTOMER=sandbox.customer, KUAIDI100_SECRET=sandbox.secret)
    base = f"{app.config.get('PREFERRED_URL_SCHEME')}://{app.config.get('PLATFORM_DOMAIN')}{URL_PREFIX}"
    if not app.config.get("KUAIDI100_URL"):
        app.config["KUAIDI100_URL"] = f"{base}/poll/query.do"
    if not app.config.get("KUAIDI100_LABEL_URL"):
        app.config["KUAIDI100_LABEL_URL"] = f"{base}/label/order"
    csrf.exempt(api_bp)  # 快递100's callers sign their requests instead
    serve_on(PLATFORM, api_bp)
    app.register_blueprint(api_bp, url_prefix=URL_PREFIX)
