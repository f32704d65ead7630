"""The sandbox's query endpoint and the two ways to run it: mounted in Duoshop at
``/sandbox/kuaidi100`` when ``KUAIDI100_SANDBOX`` is true, or as a small app of its own."""
import json

from flask import Blueprint, Flask, abort, current_app, jsonify, request

from sandbox.kuaidi100.state import DELIVERED, UNKNOWN_PREFIX, Kuaidi100Sandbox

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
                               customer=app.config.get("KUAIDI100_CUSTOMER") or Kuaidi100Sandbox().customer)
    app.extensions[EXTENSION] = sandbox
    app.config.update(KUAIDI100_KEY=sandbox.key, KUAIDI100_CUSTOMER=sandbox.customer)
    if not app.config.get("KUAIDI100_URL"):
        app.config["KUAIDI100_URL"] = (f"{app.config.get('PREFERRED_URL_SCHEME')}://{app.config.get('PLATFORM_DOMAIN')}"
                                       f"{URL_PREFIX}/poll/query.do")
    csrf.exempt(api_bp)  # 快递100's callers sign their requests instead
    serve_on(PLATFORM, api_bp)
    app.register_blueprint(api_bp, url_prefix=URL_PREFIX)
