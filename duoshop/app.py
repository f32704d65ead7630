"""The application factory: the composition root, the one place that knows every package.

It imports downwards only: core (the ground), tenants, the domain packages (through
``duoshop.registry``) and the web packages whose blueprints it registers.
"""
import os

from flask import Flask, g
from flask_babel import format_date, format_datetime, get_locale
from werkzeug.middleware.proxy_fix import ProxyFix

import builder.views  # noqa: F401  (attaches the console's routes)
import duoshop.registry  # noqa: F401  (every model and outbox subscriber)
import storefront.views  # noqa: F401  (attaches the storefront's routes)
import tenants.auth  # noqa: F401  (registers the staff account loader)
from billing.notify import billing_notify_bp
from billing.views import platform_bp
from billing.wechat_open_events import wechat_open_events_bp
from builder.blueprints import console_bp, site_bp
from commerce.pricing.receipts import adjustment_label
from core import (  # noqa: F401
    bench_routes,
    cache,
    database,
    errors,
    health,
    jobs,
    limits,
    request_log,
    script_integrity,
    security,
    sessions,
)
from core.config import config_for, from_environment
from core.extensions import babel, csrf, db, limiter, login_manager, migrate
from core.i18n import select_locale, set_language
from core.money import format_money
from core.sites import register_home
from duoshop.cli import register_commands
from sandbox import kuaidi100, wechat, wechat_mp, wechat_open, wechatpay
from storefront import page_layer
from storefront.api import api_bp
from storefront.blueprints import storefront_bp
from storefront.script_inventory import SCRIPTS
from storefront.views.media import media_bp
from storefront.views.official_account_messages import official_account_bp
from storefront.views.payment_notify import notify_bp
from tenants import middleware
from themes.assets import assets_bp

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(config_name=None, overrides=None):
    """Build the app. ``overrides`` (tests) are applied before the config is checked."""
    app = Flask(
        "duoshop",
        root_path=PROJECT_ROOT,
        static_folder="core/static",
        template_folder="core/templates",
        instance_path=os.path.join(PROJECT_ROOT, "instance"),
    )
    config = config_for(config_name)
    app.config.from_object(config)
    app.config.update(from_environment())
    app.config.update(overrides or {})
    config.finalize(app)
    app.json.ensure_ascii = False  # shoppers' and merchants' Chinese stays readable in JSON
    os.makedirs(app.instance_path, exist_ok=True)

    _init_extensions(app)
    _register_blueprints(app)
    _register_template_helpers(app)
    register_commands(app)
    page_layer.init_app(app)  # cached anonymous pages answered before Flask's request machinery
    if app.config["TRUSTED_PROXIES"]:  # outermost: the layer and Flask see the client's host and scheme
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app


def _init_extensions(app):
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(PROJECT_ROOT, "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=os.path.join(PROJECT_ROOT, "translations"))
    limiter.init_app(app)
    limits.init_app(app, limiter)  # views without a limit skip Flask-Limiter's per-request resolution
    sessions.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.blueprint_login_views = {"console": "console.login", "platform": "platform.login"}
    request_log.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    jobs.init_app(app)
    cache.init_app(app)
    middleware.init_app(app)


def _register_blueprints(app):
    for blueprint in (site_bp, console_bp, platform_bp, storefront_bp, api_bp, assets_bp, media_bp, notify_bp,
                      billing_notify_bp, wechat_open_events_bp, official_account_bp):
        app.register_blueprint(blueprint)

    register_home(app)
    script_integrity.init_app(app, SCRIPTS)  # after the blueprints: it hashes the files their static folders serve
    health.init_app(app)  # /healthz, /readyz on every host
    bench_routes.init_app(app)  # /__bench/hello, only when BENCH_ROUTES is true
    wechatpay.init_app(app)  # /sandbox/wechatpay, only when WECHATPAY_SANDBOX is true
    kuaidi100.init_app(app)  # /sandbox/kuaidi100, only when KUAIDI100_SANDBOX is true
    wechat.init_app(app)  # /sandbox/wechat (login), only when WECHAT_SANDBOX is true; after wechatpay (its AppID)
    wechat_open.init_app(app)  # /sandbox/wechat_open (third-party platform), only when WECHAT_OPEN_SANDBOX is true
    wechat_mp.init_app(app)  # /sandbox/wechat_mp (stores' official accounts), only when WECHAT_MP_SANDBOX is true


def _register_template_helpers(app):
    app.add_url_rule("/lang/<code>", "set_language", set_language, methods=["GET", "POST"])

    app.jinja_env.filters["money"] = format_money
    app.jinja_env.globals.update(get_locale=get_locale, format_date=format_date, format_datetime=format_datetime,
                                 adjustment_label=adjustment_label)  # _price_lines.html's words of a price line

    @app.context_processor
    def inject_site():
        return {"current_tenant": g.get("tenant"), "current_site": g.get("site")}
