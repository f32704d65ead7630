"""The sandbox's blueprints (the v3 API the SDK calls, the developer's page, the control
API) and the ways to run them: mounted in Duoshop at ``/sandbox/wechatpay`` when the config
flag ``WECHATPAY_SANDBOX`` is true (one process), as a small app of their own (tests, and
the shared server ``python -m sandbox.wechatpay``), or — with ``WECHATPAY_SANDBOX_URL``
set — not mounted at all: every app process then pays against that one shared server."""
from flask import Blueprint, Flask, abort, current_app, request

URL_PREFIX = "/sandbox/wechatpay"
EXTENSION = "wechatpay_sandbox"
LOOPBACK = ("127.0.0.1", "::1")
DEVELOPMENT_MCHID = "1900000001"  # the platform's service-provider number when none is configured

api_bp = Blueprint("wechatpay_sandbox_api", __name__)
pages_bp = Blueprint("wechatpay_sandbox_pages", __name__, template_folder="templates")
control_bp = Blueprint("wechatpay_sandbox_control", __name__)


def _only_from_this_machine():
    # A developer tool that hands out "payments": nobody else may reach it.
    if request.remote_addr not in LOOPBACK:
        abort(404)


for _blueprint in (api_bp, pages_bp, control_bp):
    _blueprint.before_request(_only_from_this_machine)


def current_sandbox():
    return current_app.extensions[EXTENSION]


def create_sandbox_app(sandbox=None):
    """A bare WSGI app serving one sandbox at the root (``sandbox`` or a new one)."""
    from sandbox.wechatpay.state import Sandbox

    app = Flask(__name__)
    app.extensions[EXTENSION] = sandbox or Sandbox()
    _register(app, url_prefix="")
    return app


def init_app(app):
    """Mount the sandbox on the platform host when enabled; production config refuses the
    flag, so this never happens there."""
    if not app.config.get("WECHATPAY_SANDBOX"):
        return
    from payments.settings import on_direct_keys_saved

    on_direct_keys_saved(app, _register_merchant)  # a store's own keys, as uploaded to WeChat
    if app.config.get("WECHATPAY_SANDBOX_URL"):
        _use_shared_sandbox(app)
        return
    from core.extensions import csrf
    from sandbox.wechatpay.state import Sandbox
    from tenants.middleware import PLATFORM, serve_on

    sandbox = app.extensions[EXTENSION] = Sandbox()
    _use_sandbox_as_wechat(app.config, sandbox)
    for blueprint in (api_bp, pages_bp, control_bp):
        csrf.exempt(blueprint)  # the SDK signs its requests; the page is loopback-only
        serve_on(PLATFORM, blueprint)
    _register(app, url_prefix=URL_PREFIX)


def _register_merchant(mchid, public_pem, serial_no, apiv3_key):
    """Tell the sandbox mounted in the current app (local or shared) a merchant's key."""
    current_app.extensions[EXTENSION].register_merchant(mchid, public_pem, serial_no, apiv3_key)


def _register(app, url_prefix):
    from sandbox.wechatpay import api, control, pages  # noqa: F401  (attach the routes)

    app.register_blueprint(api_bp, url_prefix=url_prefix)
    app.register_blueprint(pages_bp, url_prefix=url_prefix)
    app.register_blueprint(control_bp, url_prefix=url_prefix + "/control")


def shared_sandbox_keys(settings):
    """``(platform key, development merchant or None)`` that the shared server and every app
    process derive alike from the same settings (a config mapping or the environment):
    ``WECHATPAY_SANDBOX_PLATFORM_KEY`` or ``WECHATPAY_SANDBOX_SEED``; the development
    merchant only when no ``WECHATPAY_SP_PRIVATE_KEY`` is configured."""
    from sandbox.wechatpay.keys import MerchantKeyPair, PlatformKey, derived_apiv3_key

    seed = settings.get("WECHATPAY_SANDBOX_SEED")
    platform = PlatformKey.pinned(settings.get("WECHATPAY_SANDBOX_PLATFORM_KEY"), seed)
    if settings.get("WECHATPAY_SP_PRIVATE_KEY"):
        return platform, None
    mchid = settings.get("WECHATPAY_SP_MCHID") or DEVELOPMENT_MCHID
    return platform, (mchid, MerchantKeyPair.derived(seed, mchid), derived_apiv3_key(seed, mchid))


def _use_shared_sandbox(app):
    """Pay against the shared sandbox server: nothing is mounted here, the platform's keys
    come pinned from configuration, and registering a merchant is a control call."""
    from sandbox.wechatpay.remote import RemoteSandbox

    config = app.config
    url = config["WECHATPAY_SANDBOX_URL"].rstrip("/")
    app.extensions[EXTENSION] = RemoteSandbox(url)
    platform, development = shared_sandbox_keys(config)
    if development is not None:
        mchid, keys, apiv3_key = development
        config.update(WECHATPAY_SP_MCHID=mchid, WECHATPAY_SP_PRIVATE_KEY=keys.private_pem,
                      WECHATPAY_SP_CERT_SERIAL_NO=keys.serial_no, WECHATPAY_SP_APIV3_KEY=apiv3_key)
    config.update(WECHATPAY_SP_APPID=config.get("WECHATPAY_SP_APPID") or "wx0000000000sandbox",
                  WECHATPAY_PUBLIC_KEY=platform.public_pem, WECHATPAY_PUBLIC_KEY_ID=platform.public_key_id)


def _use_sandbox_as_wechat(config, sandbox):
    """Make the platform's service-provider account work against this sandbox: register
    the configured merchant key, or create a development merchant when none is set, and
    trust the sandbox's platform key instead of WeChat's."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from sandbox.wechatpay.keys import public_key_pem

    if config.get("WECHATPAY_SP_PRIVATE_KEY"):
        key = load_pem_private_key(config["WECHATPAY_SP_PRIVATE_KEY"].encode("ascii"), password=None)
        sandbox.register_merchant(config["WECHATPAY_SP_MCHID"], public_key_pem(key.public_key()),
                                  config["WECHATPAY_SP_CERT_SERIAL_NO"], config["WECHATPAY_SP_APIV3_KEY"])
    else:
        mchid = config.get("WECHATPAY_SP_MCHID") or DEVELOPMENT_MCHID
        keys, apiv3_key = sandbox.create_merchant(mchid)
        config.update(WECHATPAY_SP_MCHID=mchid,
                      WECHATPAY_SP_APPID=config.get("WECHATPAY_SP_APPID") or "wx0000000000sandbox",
                      WECHATPAY_SP_PRIVATE_KEY=keys.private_pem, WECHATPAY_SP_CERT_SERIAL_NO=keys.serial_no,
                      WECHATPAY_SP_APIV3_KEY=apiv3_key)
    config.update(WECHATPAY_PUBLIC_KEY=sandbox.platform_key.public_pem,
                  WECHATPAY_PUBLIC_KEY_ID=sandbox.platform_key.public_key_id)
