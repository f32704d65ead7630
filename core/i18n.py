"""Language choice: the user's saved setting, then the ``lang`` cookie, then Accept-Language.

Simplified Chinese is the default; every user-facing string goes through Flask-Babel.
"""
from flask import abort, current_app, has_request_context, redirect, request
from flask_login import current_user

from core.redirects import safe_next

LANG_COOKIE = "lang"


def select_locale():
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    saved = getattr(current_user, "locale", None) if _may_be_signed_in() and current_user else None
    if saved in languages:
        return saved
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in languages:
        return cookie
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def _may_be_signed_in():
    """Only a request with a session or remember-me cookie can carry a signed-in user: an
    anonymous shopper's language is picked without loading one (cached pages stay cheap)."""
    cookies, config = request.cookies, current_app.config
    return config["SESSION_COOKIE_NAME"] in cookies or config.get("REMEMBER_COOKIE_NAME", "remember_token") in cookies


def set_language(code):
    """Remember the visitor's language in a cookie and go back where they were (``next``,
    a path on this site, else the referring page of this host).

    The switch in ``layout.html`` is a GET link, so pages render no CSRF token and an
    anonymous shopper's pages start no session (they stay cacheable whole); POST still
    works, CSRF-checked like every POST. The cookie is only a display preference.
    """
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    target = safe_next(request.args.get("next"), None) or safe_next(request.referrer, "/")
    response = redirect(target)
    response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response

