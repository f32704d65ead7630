"""Response security headers. Framing is denied except for views that opt in; a view with
pinned scripts (``core.script_integrity.pinned_scripts``) allows exactly the scripts it rendered."""
from functools import wraps

from flask import abort, current_app, g, request

from core.script_integrity import pinned_script_sources

BASE_CSP = (
    "default-src 'self'; img-src 'self' data: https:; media-src 'self' https:; "
    "style-src 'self'; script-src {script_sources}; object-src 'none'; base-uri 'self'; form-action 'self'{form_targets}"
)


def allow_form_redirect_to(origin):
    """Let this page's forms end on ``origin``: browsers apply ``form-action`` to where a
    submitted form is redirected too (the pay button redirects to WeChat Pay's H5 page)."""
    g.setdefault("form_targets", []).append(origin)


def allow_script_from(origin):
    """Let this page load scripts from ``origin`` too (WeChat's JS-SDK inside WeChat)."""
    sources = g.setdefault("script_sources", [])
    if origin not in sources:  # two features of one page may each ask for WeChat's JS-SDK
        sources.append(origin)


def frameable_by_console(view):
    """Let the merchant console embed this view (the page builder's live preview)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.frameable_by_console = True
        return view(*args, **kwargs)

    return wrapper


def require_same_origin():
    """CSRF defence for a form that cached pages carry without a token (a cached page
    cannot hold a per-session token): the browser's ``Origin`` — or, failing that, its
    ``Referer`` — must be this host.

    :raise 403: the request came from another site, or says nowhere where it came from
    """
    own = request.host_url.rstrip("/")
    origin = request.headers.get("Origin")
    if origin:
        if origin.rstrip("/") != own:
            abort(403)
        return
    referer = request.headers.get("Referer") or ""
    if not (referer == own or referer.startswith(own + "/")):
        abort(403)


def _script_sources():
    """``'self'`` and the origins pages allowed, or on a page with pinned scripts exactly their
    full URLs (``'self'`` and origins are too wide there)."""
    pinned = pinned_script_sources()
    if pinned is not None:
        return " ".join(pinned) or "'none'"
    return " ".join(["'self'", *g.get("script_sources", ())])


def _set_security_headers(response):
    headers = response.headers
    csp = BASE_CSP.format(form_targets="".join(f" {origin}" for origin in g.get("form_targets", ())),
                          script_sources=_script_sources())
    if g.get("frameable_by_console"):
        scheme = current_app.config["PREFERRED_URL_SCHEME"]
        ancestors = f"{scheme}://{current_app.config['PLATFORM_DOMAIN']}"
        headers["Content-Security-Policy"] = f"{csp}; frame-ancestors {ancestors}"
    else:
        headers["Content-Security-Policy"] = f"{csp}; frame-ancestors 'none'"
        headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response


def init_app(app):
    app.after_request(_set_security_headers)
