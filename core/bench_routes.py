"""A bare "hello" route for ``make bench``: the ceiling the storefront is measured against.

It goes through the same app, middleware (tenant resolution on the platform host, request
ids, security headers) and server as every other page, but renders nothing and reads no
database. Registered only when the config flag ``BENCH_ROUTES`` is true; never in production
by default.
"""
from flask import Blueprint, Response

bench_bp = Blueprint("bench", __name__, url_prefix="/__bench")

_TRUE = ("1", "true", "yes", "on")


def enabled(app):
    value = app.config.get("BENCH_ROUTES")
    return value if isinstance(value, bool) else str(value or "").strip().lower() in _TRUE


@bench_bp.route("/hello")
def hello():
    return Response("hello", mimetype="text/plain")


def init_app(app):
    if enabled(app):
        app.register_blueprint(bench_bp)
