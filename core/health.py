"""``/healthz`` and ``/readyz``, on every host, for load balancers and orchestrators.

- ``/healthz`` (liveness): the process answers; it asks nothing else, so a database or
  Redis outage never gets healthy processes restarted.
- ``/readyz`` (readiness): the database answers ``SELECT 1``, Redis answers ``PING`` when
  ``REDIS_URL`` is set, and every check registered with ``register_check`` passes.

Both answer JSON (``{"status": "ok"|"unavailable", "checks": {name: {"ok": …}}}``) with 200
or 503, are never cached, never rate-limited, and start no session. Errors are named by
their exception class only: these answer anyone, and a message could name internal hosts.
"""
import logging
import time

from flask import current_app, jsonify
from sqlalchemy import text

from core.breaker import quick_redis
from core.extensions import db, limiter

log = logging.getLogger(__name__)

ENDPOINTS = ("healthz", "readyz")  # answered before any store is resolved (tenants.middleware)
PROBE_TIMEOUT_SECONDS = 1.0

_checks = {}


class NotReady(Exception):
    """Raised by a check: the service should not get traffic now; the text says why."""


def register_check(name, check):
    """Add ``check()`` to ``/readyz``. It runs in an app context and returns a detail to
    show (anything JSON can hold, or None) when all is well, or raises ``NotReady(reason)``
    (any other exception counts as not ready too, named by its class)."""
    _checks[name] = check


def _database():
    with db.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _redis():
    client = current_app.extensions.get("duoshop_health_redis")
    if client is None:
        client = current_app.extensions["duoshop_health_redis"] = quick_redis(current_app.config["REDIS_URL"],
                                                                                PROBE_TIMEOUT_SECONDS)
    client.ping()


def _run(check):
    started = time.perf_counter()
    try:
        detail = check()
    except NotReady as reason:
        state = {"ok": False, "error": str(reason)}
    except Exception as error:  # noqa: BLE001 — any failure is an answer here, not a 500
        log.warning("readiness check failed: %s", type(error).__name__)
        state = {"ok": False, "error": type(error).__name__}
    else:
        state = {"ok": True} if detail is None else {"ok": True, "detail": detail}
    state["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return state


def _answer(checks):
    ready = all(state["ok"] for state in checks.values())
    response = jsonify({"status": "ok" if ready else "unavailable", "checks": checks})
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@limiter.exempt
def healthz():
    return _answer({})


@limiter.exempt
def readyz():
    checks = {"database": _run(_database)}
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = _run(_redis)
    for name, check in _checks.items():
        checks[name] = _run(check)
    return _answer(checks)


def init_app(app):
    app.add_url_rule("/healthz", "healthz", healthz)
    app.add_url_rule("/readyz", "readyz", readyz)
