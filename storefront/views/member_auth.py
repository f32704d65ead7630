"""Shoppers signing in with WeChat on store hosts: /login (OAuth in WeChat's browser, the
sandbox elsewhere in development), /login/callback, /logout, and binding a mobile number.

Before going to WeChat the shopper ticks 「我已阅读并同意《隐私政策》」 (required: no account
without it) and, if they like, the two optional uses; the choices wait in the login's session
entry and are recorded for the member the callback signs in, under the policy version shown.
Unticked optional uses change nothing (a returning member withdraws on /me/privacy).

The OAuth ``state`` is a random value kept in this store's session and compared on the way
back, so a callback that did not start here (login CSRF) is refused.
"""
import hmac
import secrets

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from commerce.members.consent import current_policy, record_consents
from commerce.members.models import MemberConsent
from commerce.members.wechat_auth import (
    SILENT,
    WITH_PROFILE,
    WeChatLoginError,
    exchange_oauth_code,
    fetch_userinfo,
    oauth_authorize_url,
    oauth_origin,
)
from commerce.members.wechat_login import bind_phone, member_for_openid, official_account_credentials
from core.crypto import mask_phone
from core.errors import DomainError
from core.form_checks import form_refusal
from core.redirects import safe_next
from core.refusals import Attempt
from core.security import allow_form_redirect_to
from storefront.blueprints import storefront_bp
from storefront.forms import PhoneForm, SignInConsentForm
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


def _start_oauth(scope, next_page, *, consents=None, policy_version=None):
    appid, _secret = official_account_credentials()
    state = secrets.token_urlsafe(16)
    session[LOGIN_KEY] = {"state": state, "next": next_page, "scope": scope, "consents": consents,
                          "policy_version": policy_version}
    return redirect(oauth_authorize_url(appid, url_for("storefront.login_callback", _external=True), scope, state))


def _can_sign_in_here():
    return in_wechat() or current_app.config.get("WECHAT_SANDBOX")


@storefront_bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in page with the consents; posting it (ticked) goes on to WeChat."""
    form = SignInConsentForm()
    next_page = _next_page(form.next.data if form.is_submitted() else request.args.get("next"))
    member = current_member()
    if member is not None and member.openid:
        return redirect(next_page)
    error = None
    if form.is_submitted() and _can_sign_in_here():
        if form.validate():
            policy = current_policy()
            return _start_oauth(WITH_PROFILE, next_page, consents=form.granted(), policy_version=policy.version)
        error = form_refusal(form)
    if _can_sign_in_here():
        allow_form_redirect_to(oauth_origin())  # the form's answer redirects to WeChat's authorize page
    return render_template("storefront/login.html", form=form, next_page=next_page, error=error,
                           can_sign_in=_can_sign_in_here(), in_wechat=in_wechat(),
                           sandbox=current_app.config.get("WECHAT_SANDBOX")), 422 if error else 200


@storefront_bp.route("/login/wechat")
def login_wechat():
    """Straight to WeChat for the openid only (``scope=base``, silent): the guest who checked
    out paying with JSAPI. Signing in with a profile asks for the consents first, on /login."""
    next_page = _next_page(request.args.get("next"))
    if request.args.get("scope") != "base":
        return redirect(url_for("storefront.login", next=next_page))
    return _start_oauth(SILENT, next_page)


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
        if started.get("consents"):
            record_consents(member.id, started["consents"], channel=MemberConsent.H5,
                            policy_version=started.get("policy_version"))
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
