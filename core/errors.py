"""One mapping from errors to responses: HTML pages for browsers, problem details for /api.

Views raise; nothing below a view builds an error response itself.
"""
import logging
import re
from urllib.parse import urlsplit

from flask import flash, g, jsonify, redirect, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge

from core.config import MAX_IMAGE_MB
from core.extensions import db

log = logging.getLogger(__name__)

TITLES = {
    400: _l("Bad request"),
    401: _l("Please sign in"),
    403: _l("Not allowed"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Upload too large"),
    422: _l("Please check your input"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
    503: _l("Temporarily unavailable"),
}
MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("You need to sign in to see this page."),
    403: _l("Your account is not allowed to do this."),
    404: _l("We could not find what you were looking for."),
    405: _l("This address does not accept that kind of request."),
    409: _l("Someone else changed this in the meantime. Reload and try again."),
    413: _l("The file you sent is too large: an image can be at most %(n)d MB. Make it smaller and send it again.",
            n=MAX_IMAGE_MB),
    422: _l("Some of what you entered is not valid."),
    429: _l("You are doing that too often. Please wait a minute and try again."),
    500: _l("An unexpected error happened on our side. It has been logged; please try again."),
    503: _l("The service is temporarily unavailable. Please try again shortly."),
}


# The stable ``code`` of a problem body, for the statuses no domain error names itself.
STATUS_CODES = {
    400: "bad_request", 401: "not_authenticated", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "refused",
    429: "rate_limited", 500: "server_error", 502: "upstream_error", 503: "unavailable",
}
_WORD_START = re.compile(r"(?<!^)(?=[A-Z])")


class DomainError(Exception):
    """A business rule refused the request; ``status`` and ``message`` reach the user.

    ``code`` is the stable, machine-readable name a client branches on (problem bodies carry
    it); by default the class name in snake case (``OutOfStock`` → ``out_of_stock``), so
    renaming an error class is a change to the API.
    """

    status = 422
    code = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "code" not in cls.__dict__:
            cls.code = _WORD_START.sub("_", cls.__name__).lower()

    def __init__(self, message, *, status=None, field=None, extra=None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.extra = extra or {}  # more members for the problem-details body
        if status is not None:
            self.status = status


def wants_problem_json():
    """API paths, and any caller (the page editor's fetch) that asks for JSON."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best
    return best in ("application/problem+json", "application/json") or request.is_json


def error_response(status, detail=None, *, template="errors/error.html", title=None, code=None, **context):
    title = title or TITLES.get(status, TITLES[500])
    detail = detail or MESSAGES.get(status, MESSAGES[500])
    if wants_problem_json():
        body = {
            "type": "about:blank",
            "title": str(title),
            "status": status,
            "detail": str(detail),
            "code": code or STATUS_CODES.get(status, "error"),
            "instance": request.path,
            "request_id": g.get("request_id"),
        }
        body.update({k: v for k, v in context.items() if isinstance(v, (str, int, list, dict))})
        response = jsonify(body)
        response.status_code = status
        response.mimetype = "application/problem+json"
        return response
    return render_template(template, status=status, title=title, detail=detail, **context), status


def init_app(app):
    app.jinja_env.globals["max_image_mb"] = MAX_IMAGE_MB  # the file inputs' own check states it
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return error_response(400, _l("The form expired or did not come from this site. Reload the page and try again."))

    @app.errorhandler(DomainError)
    def domain_error(exc):
        extra = dict(exc.extra)
        code = extra.pop("code", None) or exc.code
        return error_response(exc.status, exc.message, code=code, **extra)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(exc):
        """An oversized upload keeps the person where they were: back on the page that sent
        it with the limit stated (or a problem body for the API and the editors' fetches)."""
        back = None if wants_problem_json() else _page_that_sent_it()
        if back is None:
            return error_response(413, max_bytes=MAX_IMAGE_MB * 1024 * 1024)
        flash(str(MESSAGES[413]), "error")
        return redirect(back, 303)

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if getattr(exc, "response", None) is not None:
            return exc.response  # the view made its own answer (a sign-in form saying to wait)
        response = error_response(exc.code or 500)
        if exc.code == 405 and getattr(exc, "valid_methods", None):
            response = _with_header(response, "Allow", ", ".join(exc.valid_methods))
        return response

    @app.errorhandler(Exception)
    def unexpected_error(exc):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        log.exception("unhandled error")
        db.session.rollback()
        return error_response(InternalServerError.code)


def _page_that_sent_it():
    """The path of the page on this host that sent the request (its ``Referer``), or None."""
    referrer = urlsplit(request.referrer or "")
    if referrer.scheme not in ("http", "https") or referrer.netloc != request.host:
        return None
    target = (referrer.path or "/") + (f"?{referrer.query}" if referrer.query else "")
    if not target.startswith("/") or target.startswith("//") or any(ord(c) < 32 or c == "\\" for c in target):
        return None
    return target


def _with_header(response, name, value):
    if isinstance(response, tuple):
        body, status = response
        return body, status, {name: value}
    response.headers[name] = value
    return response
