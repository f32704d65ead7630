"""The sandbox's routes (WeChat's ``sns`` APIs, the authorize page, a js_code minter for
mini-program developers) and the two ways to run them: mounted in Duoshop at
``/sandbox/wechat`` when ``WECHAT_SANDBOX`` is true, or as a small app of their own."""
from urllib.parse import urlencode, urlparse

from flask import Blueprint, Flask, abort, current_app, jsonify, redirect, render_template, request

from core.security import allow_form_redirect_to
from sandbox.wechat.state import Refusal, WeChatSandbox

URL_PREFIX = "/sandbox/wechat"
EXTENSION = "wechat_sandbox"
LOOPBACK = ("127.0.0.1", "::1")
DEVELOPMENT_OA_APPID = "wx0000000000sandbox"
DEVELOPMENT_OA_SECRET = "sandbox-official-account-secret"
SCOPES = ("snsapi_base", "snsapi_userinfo")

wechat_bp = Blueprint("wechat_sandbox", __name__, template_folder="templates")


@wechat_bp.before_request
def _only_from_this_machine():
    # A developer tool that hands out identities: nobody else may reach it.
    if request.remote_addr not in LOOPBACK:
        abort(404)


def current_sandbox():
    return current_app.extensions[EXTENSION]


@wechat_bp.errorhandler(Refusal)
def _refused(refusal):
    return jsonify({"errcode": refusal.errcode, "errmsg": refusal.errmsg})  # HTTP 200, as WeChat answers


@wechat_bp.route("/connect/oauth2/authorize", methods=["GET", "POST"])
def authorize():
    """WeChat's consent page: choose a test user (or make one) and allow."""
    sandbox = current_sandbox()
    args = request.values
    appid, redirect_uri, scope, state = (args.get(name, "") for name in ("appid", "redirect_uri", "scope", "state"))
    if not appid.startswith("wx") or scope not in SCOPES or urlparse(redirect_uri).scheme not in ("http", "https"):
        return render_template("wechat_sandbox/authorize.html", error="10003 redirect_uri, appid or scope is invalid",
                               users=[], args=args), 400
    if request.method == "GET":
        target = urlparse(redirect_uri)
        allow_form_redirect_to(f"{target.scheme}://{target.netloc}")  # the consent form ends on the store's host
        return render_template("wechat_sandbox/authorize.html", users=list(sandbox.users.values()), args=args,
                               sandbox=sandbox)
    if request.form.get("decision") == "deny":
        return redirect(_with_query(redirect_uri, state=state))  # WeChat sends no code when the user refuses
    chosen = request.form.get("user_id", "")
    user_id = int(chosen) if chosen.isdigit() else sandbox.create_user(request.form.get("nickname", "")).id
    try:
        code = sandbox.issue_code(appid, user_id, scope)
    except Refusal:
        abort(400)
    return redirect(_with_query(redirect_uri, code=code, state=state))


def _with_query(url, **params):
    return url + ("&" if "?" in url else "?") + urlencode(params)


def _redeem(code_parameter):
    """The grant behind the request's code, once its app's credentials check out."""
    sandbox, args = current_sandbox(), request.args
    sandbox.check_app(args.get("appid"), args.get("secret"))
    return sandbox.redeem_code(args.get("appid"), args.get(code_parameter))


@wechat_bp.route("/sns/oauth2/access_token")
def oauth_access_token():
    sandbox = current_sandbox()
    grant = _redeem("code")
    body = {"access_token": sandbox.issue_token(grant), "expires_in": 7200, "refresh_token": "sandbox",
            "openid": sandbox.openid(grant.appid, grant.user_id), "scope": grant.scope}
    if grant.scope == "snsapi_userinfo":
        body["unionid"] = sandbox.unionid(grant.user_id)
    return jsonify(body)


@wechat_bp.route("/sns/userinfo")
def userinfo():
    sandbox = current_sandbox()
    grant = sandbox.token_grant(request.args.get("access_token"), request.args.get("openid"))
    user = sandbox.users[grant.user_id]
    return jsonify({"openid": request.args["openid"], "nickname": user.nickname, "sex": 0, "province": "",
                    "city": "", "country": "", "headimgurl": user.avatar_url, "privilege": [],
                    "unionid": sandbox.unionid(user.id)})


@wechat_bp.route("/sns/jscode2session")
def jscode2session():
    sandbox = current_sandbox()
    grant = _redeem("js_code")
    return jsonify({"openid": sandbox.openid(grant.appid, grant.user_id), "session_key": sandbox.issue_token(grant),
                    "unionid": sandbox.unionid(grant.user_id)})


@wechat_bp.route("/cgi-bin/token")
def access_token():
    """The official account's own access_token (``grant_type=client_credential``)."""
    sandbox, args = current_sandbox(), request.args
    sandbox.check_app(args.get("appid"), args.get("secret"))
    return jsonify({"access_token": sandbox.issue_app_token(args["appid"]), "expires_in": 7200})


@wechat_bp.route("/cgi-bin/ticket/getticket")
def jsapi_ticket():
    """The JS-SDK's jsapi_ticket for an access_token from ``/cgi-bin/token``."""
    sandbox = current_sandbox()
    ticket = sandbox.jsapi_ticket(request.args.get("access_token"))
    return jsonify({"errcode": 0, "errmsg": "ok", "ticket": ticket, "expires_in": 7200})


@wechat_bp.route("/dev/js_code", methods=["POST"])
def mint_js_code():
    """What ``wx.login()`` would return in a mini-program: ``appid`` and ``user_id`` or ``nickname``."""
    sandbox = current_sandbox()
    chosen = request.values.get("user_id", "")
    user_id = int(chosen) if chosen.isdigit() else sandbox.create_user(request.values.get("nickname", "")).id
    code = sandbox.issue_code(request.values.get("appid", ""), user_id, "snsapi_base")
    return jsonify({"code": code, "user_id": user_id})


def create_sandbox_app(sandbox=None):
    """A bare WSGI app serving one sandbox at the root (``sandbox`` or a new one)."""
    app = Flask(__name__)
    app.extensions[EXTENSION] = sandbox or WeChatSandbox()
    app.register_blueprint(wechat_bp)
    return app


def init_app(app):
    """Mount the sandbox on the platform host and log in against it when enabled; production
    config refuses the flag, so this never happens there."""
    if not app.config.get("WECHAT_SANDBOX"):
        return
    from core.extensions import csrf
    from tenants.middleware import PLATFORM, serve_on

    sandbox = app.extensions[EXTENSION] = WeChatSandbox()
    cfg = app.config
    # The platform's official account defaults to the WeChat Pay sandbox's AppID, so the
    # openid a login gives is the one JSAPI payments expect.
    cfg["WECHAT_OA_APPID"] = cfg.get("WECHAT_OA_APPID") or cfg.get("WECHATPAY_SP_APPID") or DEVELOPMENT_OA_APPID
    cfg["WECHAT_OA_SECRET"] = cfg.get("WECHAT_OA_SECRET") or DEVELOPMENT_OA_SECRET
    sandbox.register_app(cfg["WECHAT_OA_APPID"], cfg["WECHAT_OA_SECRET"])
    here = f"{cfg.get('PREFERRED_URL_SCHEME')}://{cfg.get('PLATFORM_DOMAIN')}{URL_PREFIX}"
    cfg["WECHAT_API_BASE_URL"] = cfg.get("WECHAT_API_BASE_URL") or here
    cfg["WECHAT_OPEN_BASE_URL"] = cfg.get("WECHAT_OPEN_BASE_URL") or here
    csrf.exempt(wechat_bp)  # a loopback-only developer tool standing in for WeChat's own pages
    serve_on(PLATFORM, wechat_bp)
    app.register_blueprint(wechat_bp, url_prefix=URL_PREFIX)
