"""Shoppers signing in with WeChat on store hosts: /login (OAuth in WeChat's browser, the
sandbox elsewhere in development), /login/callback, /logout, and binding a mobile number.

The OAuth ``state`` is a random value kept in this store's session and compared on the way
back, so a callback that did not start here (login CSRF) is refused.
"""
import hmac
import secrets

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from commerce.members.wechat_auth import (
    SILENT,
    WITH_PROFILE,
    WeChatLoginError,
    exchange_oauth_code,
    fetch_userinfo,
    oauth_authorize_url,
)
from commerce.members.wechat_login import bind_phone, member_for_openid, official_account_credentials
from core.crypto import mask_phone
from core.errors import DomainError
from core.form_checks import form_refusal
from core.redirects import safe_next
from core.refusals import Attempt
from storefront.blueprints import storefront_bp
from storefront.forms import PhoneForm
from storefront.shopper import MEMBER_KEY, current_member, in_wechat, sign_in_member

LOGIN_KEY = "wechat_login"  # session: state, next page and scope of the login under way


class LoginStateMismatch(DomainError):
    """The callback's state is not the one this browser's login started with."""

    status = 400

    def __init__(self):
        super().__init__(_l("This sign-in link did not start in this browser, or it was used already. "
                            "Sign in again."))


def _next_page(raw):
    """Only a path on this host: never an open redirect."""
    return safe_next(raw, url_for("storefront.orders"))


def _start_oauth(scope, next_page):
    appid, _secret = official_account_credentials()
    state = secrets.token_urlsafe(16)
    session[LOGIN_KEY] = {"state": state, "next": next_page, "scope": scope}
    return redirect(oauth_authorize_url(appid, url_for("storefront.login_callback", _external=True), scope, state))


@storefront_bp.route("/login")
def login():
    next_page = _next_page(request.args.get("next"))
    member = current_member()
    if member is not None and member.openid:
        return redirect(next_page)
    if in_wechat():
        return _start_oauth(WITH_PROFILE, next_page)
    return render_template("storefront/login.html", next_page=next_page,
                           sandbox=current_app.config.get("WECHAT_SANDBOX"))


@storefront_bp.route("/login/wechat")
def login_wechat():
    """Straight to WeChat: ``scope=base`` asks for the openid only (silent, for payments)."""
    scope = SILENT if request.args.get("scope") == "base" else WITH_PROFILE
    return _start_oauth(scope, _next_page(request.args.get("next")))


@storefront_bp.route("/login/callback")
def login_callback():
    """:raise LoginStateMismatch: no login under way here, or another state came back"""
    started = session.pop(LOGIN_KEY, None) or {}
    state = request.args.get("state", "")
    if not started.get("state") or not hmac.compare_digest(started["state"], state):
        raise LoginStateMismatch()
    code = request.args.get("code")
    if not code:  # the shopper pressed "deny"
        flash(_("WeChat login was cancelled."), "error")
        return redirect(url_for("storefront.login", next=started.get("next")))
    with Attempt(flash=False) as attempt:  # commits the sign-in, or rolls back a refusal
        appid, secret = official_account_credentials()
        grant = exchange_oauth_code(appid, secret, code)
        nickname = fetch_userinfo(grant.access_token, grant.openid).nickname if grant.scope == WITH_PROFILE else None
        member = member_for_openid(grant.openid, nickname=nickname, guest=current_member())
        sign_in_member(member)
    if isinstance(attempt.refusal, WeChatLoginError):
        return render_template("storefront/login.html", next_page=started.get("next"), error=attempt.refusal,
                               sandbox=current_app.config.get("WECHAT_SANDBOX")), attempt.status
    if attempt.refused:
        raise attempt.refusal  # any other refusal (no official account set up) goes to the error page
    return redirect(_next_page(started.get("next")))


@storefront_bp.route("/logout", methods=["POST"])
def logout():
    session.pop(MEMBER_KEY, None)
    session.pop(LOGIN_KEY, None)
    flash(_("You have signed out."), "info")
    return redirect(url_for("storefront.login"))


@storefront_bp.route("/account/phone", methods=["GET", "POST"])
def account_phone():
    member = current_member()
    if member is None:
        return redirect(url_for("storefront.login", next=url_for("storefront.account_phone")))
    form = PhoneForm()
    error = None
    if form.is_submitted():
        if not form.validate():
            error = form_refusal(form)
        else:
            with Attempt(form, flash=False) as attempt:
                bind_phone(member, form.phone.data)
            if not attempt.refused:
                flash(_("Your mobile number is saved."), "info")
                return redirect(url_for("storefront.account_phone"))
            error = attempt.refusal
    entered = form.phone._value() if form.is_submitted() else ""
    return render_template("storefront/phone.html", member=member, error=error, entered=entered,
                           current_phone=mask_phone(member.phone) if member.phone else None), 422 if error else 200
