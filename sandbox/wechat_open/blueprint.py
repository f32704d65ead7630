"""The sandbox's routes — the component APIs (``cgi-bin/component/…``), the authorisation
page (``cgi-bin/componentloginpage``), code management (``wxa/…``) and a control page — and
the two ways to run them: mounted in Duoshop at ``/sandbox/wechat_open`` when
``WECHAT_OPEN_SANDBOX`` is true, or as a small app of their own (``create_sandbox_app``)."""
import base64
import hashlib
import io
import re
import threading
import time
from urllib.parse import urlencode, urlparse

import segno
from flask import Blueprint, Flask, abort, current_app, jsonify, redirect, render_template, request, send_file, url_for

from core.security import allow_form_redirect_to
from sandbox.wechat_open.state import FUNC_INFO, NO_SUCH_TEMPLATE, OpenPlatformSandbox, Refusal

URL_PREFIX = "/sandbox/wechat_open"
EXTENSION = "wechat_open_sandbox"
LOOPBACK = ("127.0.0.1", "::1")
DEVELOPMENT_COMPONENT_APPID = "wx00000000component"
DEVELOPMENT_COMPONENT_SECRET = "sandbox-component-secret"
DEVELOPMENT_COMPONENT_TOKEN = "sandbox-component-token"
# 43 characters of base64, as the open platform's console generates an EncodingAESKey.
DEVELOPMENT_COMPONENT_AES_KEY = base64.b64encode(hashlib.sha256(b"duoshop wechat_open sandbox").digest()).decode()[:43]
TICKET_INTERVAL = 600  # seconds: WeChat pushes a component_verify_ticket every ten minutes
EVENT_PATH, MESSAGE_PATH = "/wechat/open/events", "/wechat/open/$APPID$/events"

APPID = re.compile(r"^wx[0-9a-f]{16}$")

wechat_open_bp = Blueprint("wechat_open_sandbox", __name__, template_folder="templates")


@wechat_open_bp.before_request
def _only_from_this_machine():
    # A developer tool that authorises mini-programs and passes audits: nobody else may reach it.
    if request.remote_addr not in LOOPBACK:
        abort(404)


def current_sandbox():
    return current_app.extensions[EXTENSION]


@wechat_open_bp.errorhandler(Refusal)
def _refused(refusal):
    return jsonify({"errcode": refusal.errcode, "errmsg": refusal.errmsg})  # HTTP 200, as WeChat answers


def _body():
    return request.get_json(force=True, silent=True) or {}


def _component_call():
    """The JSON body of a call that carries a valid ``component_access_token``."""
    sandbox = current_sandbox()
    sandbox.check_component_token(request.args.get("component_access_token"))
    body = _body()
    if body.get("component_appid") != sandbox.component_appid:
        raise Refusal(40013, "invalid component_appid")
    return body


def _authorizer():
    return current_sandbox().authorizer_of(request.args.get("access_token"))


# ---------------------------------------------------------------- component APIs

@wechat_open_bp.route("/cgi-bin/component/api_component_token", methods=["POST"])
def api_component_token():
    body = _body()
    token, expires_in = current_sandbox().issue_component_token(
        body.get("component_appid"), body.get("component_appsecret"), body.get("component_verify_ticket"))
    return jsonify({"component_access_token": token, "expires_in": expires_in})


@wechat_open_bp.route("/cgi-bin/component/api_create_preauthcode", methods=["POST"])
def api_create_preauthcode():
    _component_call()
    code, expires_in = current_sandbox().create_preauthcode()
    return jsonify({"pre_auth_code": code, "expires_in": expires_in})


@wechat_open_bp.route("/cgi-bin/component/api_query_auth", methods=["POST"])
def api_query_auth():
    body = _component_call()
    return jsonify({"authorization_info": current_sandbox().query_auth(body.get("authorization_code"))})


@wechat_open_bp.route("/cgi-bin/component/api_authorizer_token", methods=["POST"])
def api_authorizer_token():
    body = _component_call()
    return jsonify(current_sandbox().refresh_authorizer_token(body.get("authorizer_appid"),
                                                              body.get("authorizer_refresh_token")))


@wechat_open_bp.route("/cgi-bin/component/api_get_authorizer_info", methods=["POST"])
def api_get_authorizer_info():
    body = _component_call()
    program = current_sandbox().program(body.get("authorizer_appid"))
    if not program.authorized:
        raise Refusal(61003, "component is not authorized by this account")
    return jsonify({"authorizer_info": {"nick_name": program.name, "user_name": program.original_id,
                                        "principal_name": "沙箱测试主体", "MiniProgramInfo": {"visit_status": 0}},
                    "authorization_info": {"authorizer_appid": program.appid, "func_info": FUNC_INFO}})


# ---------------------------------------------------------------- the authorisation page

@wechat_open_bp.route("/cgi-bin/componentloginpage", methods=["GET", "POST"])
def componentloginpage():
    """Where the merchant scans and picks the mini-program to authorise; here a developer
    picks a test mini-program (or makes one) and approves."""
    sandbox, args = current_sandbox(), request.values
    redirect_uri = args.get("redirect_uri", "")
    error = None
    if args.get("component_appid") != sandbox.component_appid or urlparse(redirect_uri).scheme not in ("http", "https"):
        error = "component_appid or redirect_uri is invalid"
    else:
        try:
            sandbox.check_preauthcode(args.get("pre_auth_code"))
        except Refusal as refusal:
            error = f"{refusal.errcode} {refusal.errmsg}"
    if error:
        return render_template("wechat_open_sandbox/authorize.html", error=error, args=args, sandbox=sandbox), 400
    if request.method == "GET":
        target = urlparse(redirect_uri)
        allow_form_redirect_to(f"{target.scheme}://{target.netloc}")  # the page ends on the platform's console
        return render_template("wechat_open_sandbox/authorize.html", args=args, sandbox=sandbox)
    appid = request.form.get("appid", "")
    if appid not in sandbox.mini_programs:
        chosen = request.form.get("new_appid", "").strip()
        appid = sandbox.add_mini_program(request.form.get("name", ""), appid=chosen if APPID.match(chosen) else None).appid
    code = sandbox.authorize(args.get("pre_auth_code"), appid)
    return redirect(redirect_uri + ("&" if "?" in redirect_uri else "?") + urlencode(
        {"auth_code": code, "expires_in": 1800}))


# ---------------------------------------------------------------- code management

@wechat_open_bp.route("/wxa/gettemplatelist")
def gettemplatelist():
    sandbox = current_sandbox()
    sandbox.check_component_token(request.args.get("access_token"))
    return jsonify({"errcode": 0, "errmsg": "ok", "template_list": [
        {"template_id": t.template_id, "user_version": t.user_version, "user_desc": t.user_desc,
         "create_time": t.create_time, "template_type": 0} for t in sandbox.templates]})


@wechat_open_bp.route("/wxa/commit", methods=["POST"])
def commit():
    body = _body()
    try:
        template_id = int(body.get("template_id"))
    except (TypeError, ValueError):
        raise Refusal(NO_SUCH_TEMPLATE, "template not found") from None
    current_sandbox().commit(_authorizer(), template_id, body.get("ext_json"), str(body.get("user_version", "")),
                             str(body.get("user_desc", "")))
    return jsonify({"errcode": 0, "errmsg": "ok"})




@wechat_open_bp.route("/wxa/get_qrcode")
def get_qrcode():
    """The 体验版 QR code: a PNG encoding WeChat's trial-build link for the app."""
    program = _authorizer()
    if program.committed is None:
        raise Refusal(85004, "no code committed")
    image = io.BytesIO()
    segno.make(f"https://open.weixin.qq.com/sns/getexpappinfo?appid={program.appid}#wechat-redirect",
               error="m").save(image, kind="png", scale=5, border=2)
    image.seek(0)
    return send_file(image, mimetype="image/png")


GATEWAY_FAILURE = ("<html><body>502 Bad Gateway</body></html>", 502, {"Content-Type": "text/html"})


@wechat_open_bp.route("/wxa/submit_audit", methods=["POST"])
def submit_audit():
    sandbox = current_sandbox()
    if sandbox.take_fault("fail", "submit_audit"):
        return GATEWAY_FAILURE
    audit = sandbox.submit_audit(_authorizer())
    if sandbox.take_fault("lose_answer", "submit_audit"):
        return GATEWAY_FAILURE  # WeChat has the audit; the caller never hears of it
    return jsonify({"errcode": 0, "errmsg": "ok", "auditid": audit.auditid})


def _audit_answer(audit):
    return jsonify({"errcode": 0, "errmsg": "ok", "auditid": audit.auditid, "status": audit.status,
                    "reason": audit.reason, "user_version": audit.user_version, "ScreenShot": ""})


@wechat_open_bp.route("/wxa/get_auditstatus", methods=["POST"])
def get_auditstatus():
    program = _authorizer()
    owner, audit = current_sandbox().audit(_body().get("auditid"))
    if owner is not program:
        raise Refusal(85012, "invalid audit id")
    return _audit_answer(audit)


@wechat_open_bp.route("/wxa/get_latest_auditstatus")
def get_latest_auditstatus():
    program = _authorizer()
    if not program.audits:
        raise Refusal(85058, "no audit found")
    return _audit_answer(program.audits[-1])


@wechat_open_bp.route("/wxa/release", methods=["POST"])
def release():
    sandbox = current_sandbox()
    if sandbox.take_fault("fail", "release"):
        return GATEWAY_FAILURE
    sandbox.release(_authorizer())
    if sandbox.take_fault("lose_answer", "release"):
        return GATEWAY_FAILURE
    return jsonify({"errcode": 0, "errmsg": "ok"})


# ---------------------------------------------------------------- the developer's control page

@wechat_open_bp.route("/control")
def control():
    return render_template("wechat_open_sandbox/control.html", sandbox=current_sandbox())


@wechat_open_bp.route("/control/audits/<int:auditid>", methods=["POST"])
def control_decide(auditid):
    current_sandbox().decide(auditid, approve=request.form.get("decision") == "approve",
                             reason=request.form.get("reason", ""))
    return redirect(url_for(".control"))


@wechat_open_bp.route("/control/audits/approve-all", methods=["POST"])
def control_approve_all():
    sandbox = current_sandbox()
    for _program, audit in sandbox.pending_audits():
        sandbox.decide(audit.auditid, approve=True)
    return redirect(url_for(".control"))


@wechat_open_bp.route("/control/mini-programs/<appid>/<action>", methods=["POST"])
def control_mini_program(appid, action):
    sandbox = current_sandbox()
    sandbox.program(appid)
    if action == "unauthorize":
        sandbox.unauthorize(appid)
    elif action == "update":
        sandbox.update_authorization(appid)
    else:
        abort(404)
    return redirect(url_for(".control"))


@wechat_open_bp.route("/control/<action>", methods=["POST"])
def control_action(action):
    sandbox = current_sandbox()
    if action == "ticket":
        sandbox.push_verify_ticket()
    elif action == "new-day":
        sandbox.new_day()
    elif action == "template":
        sandbox.add_template(request.form.get("user_version", ""), request.form.get("user_desc", ""))
    elif action == "mini-program":
        sandbox.add_mini_program(request.form.get("name", ""))
    else:
        abort(404)
    return redirect(url_for(".control"))


# ---------------------------------------------------------------- running it

def development_sandbox(config, base_url):
    """A sandbox with the component keys of ``config`` (filled with the development ones when
    unset) pushing events to the Duoshop at ``base_url``."""
    for name, value in (("WECHAT_COMPONENT_APPID", DEVELOPMENT_COMPONENT_APPID),
                        ("WECHAT_COMPONENT_SECRET", DEVELOPMENT_COMPONENT_SECRET),
                        ("WECHAT_COMPONENT_TOKEN", DEVELOPMENT_COMPONENT_TOKEN),
                        ("WECHAT_COMPONENT_AES_KEY", DEVELOPMENT_COMPONENT_AES_KEY)):
        config[name] = config.get(name) or value
    return OpenPlatformSandbox(config["WECHAT_COMPONENT_APPID"], config["WECHAT_COMPONENT_SECRET"],
                               config["WECHAT_COMPONENT_TOKEN"], config["WECHAT_COMPONENT_AES_KEY"],
                               event_url=base_url + EVENT_PATH, message_url=base_url + MESSAGE_PATH)


def create_sandbox_app(sandbox):
    """A bare WSGI app serving ``sandbox`` at the root."""
    app = Flask(__name__)
    app.extensions[EXTENSION] = sandbox
    app.register_blueprint(wechat_open_bp)
    return app


def push_tickets(sandbox, stop_after=None):
    """WeChat's ticket timer: the first ticket as soon as Duoshop answers, then every ten minutes."""
    delay = 1
    while stop_after is None or time.time() < stop_after:
        time.sleep(delay)
        status = sandbox.push_verify_ticket()
        delay = TICKET_INTERVAL if status == 200 else min(delay * 2, 30)


def init_app(app):
    """Mount the sandbox on the platform host and publish against it when enabled;
    production config refuses the flag, so this never happens there."""
    if not app.config.get("WECHAT_OPEN_SANDBOX"):
        return
    from core.extensions import csrf
    from tenants.middleware import PLATFORM, serve_on

    cfg = app.config
    base_url = f"{cfg.get('PREFERRED_URL_SCHEME')}://{cfg.get('PLATFORM_DOMAIN')}"
    sandbox = app.extensions[EXTENSION] = development_sandbox(cfg, base_url)
    cfg["WECHAT_OPEN_API_BASE_URL"] = cfg.get("WECHAT_OPEN_API_BASE_URL") or base_url + URL_PREFIX
    cfg["WECHAT_OPEN_PAGE_BASE_URL"] = cfg.get("WECHAT_OPEN_PAGE_BASE_URL") or base_url + URL_PREFIX
    csrf.exempt(wechat_open_bp)  # a loopback-only developer tool standing in for WeChat's own pages
    serve_on(PLATFORM, wechat_open_bp)
    app.register_blueprint(wechat_open_bp, url_prefix=URL_PREFIX)
    if not app.testing:  # tests push tickets themselves
        threading.Thread(target=push_tickets, args=(sandbox,), daemon=True, name="wechat-open-tickets").start()
