"""Every log line carries the request id and the tenant id."""
import logging
import uuid

from flask import g, has_request_context, request

from core.tenancy import current_tenant_id


class RequestContextFilter(logging.Filter):
    def filter(self, record):
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        tenant_id = current_tenant_id()
        record.tenant_id = tenant_id if tenant_id is not None else "-"
        return True


LOG_FORMAT = "%(asctime)s %(levelname)s [req=%(request_id)s tenant=%(tenant_id)s] %(name)s: %(message)s"


def _assign_request_id():
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if 8 <= len(incoming) <= 64 and incoming.isalnum() else uuid.uuid4().hex


def _echo_request_id(response):
    response.headers["X-Request-ID"] = g.get("request_id", "")
    return response


def init_app(app):
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    if not any(isinstance(f, RequestContextFilter) for h in root.handlers for f in h.filters):
        root.addHandler(handler)
    root.setLevel(app.config["LOG_LEVEL"])
    app.before_request(_assign_request_id)
    app.after_request(_echo_request_id)
