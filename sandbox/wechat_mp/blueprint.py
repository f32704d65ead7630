"""The sandbox's routes — ``cgi-bin/token``, ``ticket/getticket``, ``menu/create`` and
``menu/get``, ``message/template/send``, ``message/custom/send`` — and a control page that
shows what was sent and sends a user's message or event to a store's endpoint. Mounted at
``/sandbox/wechat_mp`` when ``WECHAT_MP_SANDBOX`` is true; ``create_sandbox_app`` serves
one on its own for tests."""
from flask import Blueprint, Flask, abort, current_app, jsonify, render_template, request

from sandbox.wechat_mp.state import OfficialAccountSandbox, Refusal

URL_PREFIX = "/sandbox/wechat_mp"
EXTENSION = "wechat_mp_sandbox"
LOOPBACK = ("127.0.0.1", "::1")
KINDS = ("text", "subscribe", "unsubscribe", "CLICK")

wechat_mp_bp = Blueprint("wechat_mp_sandbox", __name__, template_folder="templates", static_folder="static",
                         static_url_path="/static")


@wechat_mp_bp.before_request
def _only_from_this_machine():
    if request.remote_addr not in LOOPBACK:
        abort(404)


def current_sandbox():
    return current_app.extensions[EXTENSION]


@wechat_mp_bp.errorhandler(Refusal)
def _refused(refusal):
    return jsonify({"errcode": refusal.errcode, "errmsg": refusal.errmsg})  # HTTP 200, as WeChat answers


def _appid(path):
    return current_sandbox().appid_of(request.args.get("access_token"), path)


def _body():
    return request.get_json(force=True, silent=True) or {}


@wechat_mp_bp.get("/cgi-bin/token")
def token():
    if request.args.get("grant_type") != "client_credential":
        raise Refusal(40002, "invalid grant_type")
    issued = current_sandbox().issue_token(request.args.get("appid"), request.args.get("secret"))
    return jsonify({"access_token": issued, "expires_in": 7200})


@wechat_mp_bp.get("/cgi-bin/ticket/getticket")
def ticket():
    appid = _appid("/cgi-bin/ticket/getticket")
    return jsonify({"errcode": 0, "errmsg": "ok", "ticket": current_sandbox().issue_ticket(appid), "expires_in": 7200})


@wechat_mp_bp.post("/cgi-bin/menu/create")
def menu_create():
    appid = _appid("/cgi-bin/menu/create")
    buttons = _body().get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        raise Refusal(40016, "invalid button size")
    for button in buttons:
        if len(button.get("sub_button") or []) > 5:
            raise Refusal(40023, "invalid sub button size")
        if len((button.get("name") or "").encode()) > 16:
            raise Refusal(40018, "invalid button name size")
    current_sandbox().menus[appid] = {"button": buttons}
    return jsonify({"errcode": 0, "errmsg": "ok"})


@wechat_mp_bp.get("/cgi-bin/menu/get")
def menu_get():
    appid = _appid("/cgi-bin/menu/get")
    menu = current_sandbox().menus.get(appid)
    if menu is None:
        raise Refusal(46003, "menu no exist")
    return jsonify({"menu": menu})


@wechat_mp_bp.post("/cgi-bin/message/template/send")
def template_send():
    appid = _appid("/cgi-bin/message/template/send")
    body = _body()
    if not body.get("touser") or not body.get("template_id"):
        raise Refusal(40037, "invalid template_id")
    return jsonify({"errcode": 0, "errmsg": "ok", "msgid": int(current_sandbox().record_template(appid, body))})


@wechat_mp_bp.post("/cgi-bin/message/custom/send")
def custom_send():
    appid = _appid("/cgi-bin/message/custom/send")
    body = _body()
    if not body.get("touser"):
        raise Refusal(40003, "invalid openid")
    current_sandbox().record_custom(appid, body)
    return jsonify({"errcode": 0, "errmsg": "ok"})


@wechat_mp_bp.route("/control", methods=["GET", "POST"])
def control():
    """What was sent, and a form that sends a store's endpoint a user's message or event."""
    sandbox = current_sandbox()
    delivery = None
    form = request.form
    if request.method == "POST":
        if form.get("kind") not in KINDS or not form.get("url", "").startswith(("http://", "https://")):
            abort(400)
        delivery = sandbox.send_to_store(
            form["url"], token=form.get("token", ""), appid=form.get("appid", ""),
            openid=form.get("openid") or "o-sandbox-user", kind=form["kind"], content=form.get("content", ""),
            event_key=form.get("content", "") if form["kind"] == "CLICK" else "",
            aes_key=form.get("aes_key") or None if form.get("encrypted") else None)
    return render_template("wechat_mp_sandbox/control.html", sandbox=sandbox, delivery=delivery, form=form,
                           kinds=KINDS)


def create_sandbox_app(sandbox):
    """A bare WSGI app serving ``sandbox`` at the root."""
    app = Flask(__name__)
    app.extensions[EXTENSION] = sandbox
    app.register_blueprint(wechat_mp_bp)
    return app


def init_app(app):
    """Mount the sandbox on the platform host and point stores' official accounts at it when
    enabled; production config refuses the flag."""
    if not app.config.get("WECHAT_MP_SANDBOX"):
        return
    from core.extensions import csrf
    from tenants.middleware import PLATFORM, serve_on

    cfg = app.config
    base_url = f"{cfg.get('PREFERRED_URL_SCHEME')}://{cfg.get('PLATFORM_DOMAIN')}"
    app.extensions[EXTENSION] = OfficialAccountSandbox()
    cfg["WECHAT_MP_API_BASE_URL"] = cfg.get("WECHAT_MP_API_BASE_URL") or base_url + URL_PREFIX
    csrf.exempt(wechat_mp_bp)  # a loopback-only developer tool standing in for WeChat
    serve_on(PLATFORM, wechat_mp_bp)
    app.register_blueprint(wechat_mp_bp, url_prefix=URL_PREFIX)
