"""Console sign-in (by e-mail alone, or with the store address), the store chooser,
forgotten passwords, sign-out and invite acceptance.

Failed sign-ins count per address (``core.login_throttle``) as well as per IP (the
limiter, counting failures only); either limit answers with the sign-in form and how long
to wait, never a bare error page.
"""
import time

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from billing.password_pages import PasswordPages
from builder.blueprints import console_bp
from builder.forms import AcceptInviteForm, ChooseStoreForm, StaffLoginForm
from core.audit import record_audit
from core.extensions import db, limiter
from core.login_throttle import (
    blocked_message,
    failed_sign_in,
    forget_failures,
    record_failure,
    seconds_blocked,
    seconds_to_reset,
)
from core.models import utcnow
from core.redirects import safe_next
from core.refusals import Attempt
from core.tenancy import enter_tenant, tenant_context
from core.transaction import committed
from tenants.models import StaffUser
from tenants.queries import find_store, invite_is_open
from tenants.service import accept_invite, authenticate_staff
from tenants.staff_login import (
    REALM,
    authenticate_staff_by_email,
    request_password_reset,
    reset_password,
    staff_for_reset,
    stores_of,
)

PUBLIC_ENDPOINTS = {"console.login", "console.choose_store", "console.accept_invite_view",
                    "console.forgot_password", "console.reset_password_view"}
CHOICE_KEY = "console_store_choice"  # session: the accounts a sign-in proved, for the chooser
CHOICE_SECONDS = 300


@console_bp.before_request
def enter_staff_store():
    """Every console screen runs inside the signed-in staff member's store."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not isinstance(current_user._get_current_object(), StaffUser):
        return current_app.login_manager.unauthorized()
    g.tenant = find_store(current_user.tenant_id)
    g._tenant_token = enter_tenant(g.tenant.id)
    return None


def _too_many_from_here(limit):
    """The per-IP limit tripped: the form again, saying how long to wait."""
    form = StaffLoginForm()
    form.password.errors = [blocked_message(seconds_to_reset(limit))]
    return current_app.make_response((render_template("builder/login.html", form=form), 429))


@console_bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], deduct_when=failed_sign_in,
               on_breach=_too_many_from_here)
def login():
    form = StaffLoginForm(slug=request.args.get("store", ""))
    if not form.validate_on_submit():
        return render_template("builder/login.html", form=form), 422 if form.errors else 200
    email = form.email.data
    wait = seconds_blocked(REALM, email)
    if wait:
        form.password.errors.append(blocked_message(wait))
        return render_template("builder/login.html", form=form), 429
    if form.slug.data:
        user = authenticate_staff(slug=form.slug.data, email=email, password=form.password.data)
        accounts = [user] if user is not None else []
    else:
        accounts = authenticate_staff_by_email(email=email, password=form.password.data)
    if not accounts:
        with committed():
            wait = record_failure(REALM, email)
        form.password.errors.append(_("Email or password is not correct.") if not form.slug.data
                                    else _("Store address, email or password is not correct."))
        if wait:
            form.password.errors.append(blocked_message(wait))
        return render_template("builder/login.html", form=form), 401
    with committed():
        forget_failures(REALM, email)
    if len(accounts) == 1:
        return _sign_in(accounts[0])
    session[CHOICE_KEY] = {"accounts": [[user.tenant_id, user.id] for user in accounts], "at": time.time()}
    return _chooser(accounts)


def _chooser(accounts):
    stores = stores_of(accounts)
    choices = [(user, stores[user.tenant_id]) for user in accounts]
    return render_template("builder/choose_store.html", choices=choices, form=ChooseStoreForm(),
                           next=safe_next(request.args.get("next"), None))


@console_bp.route("/login/store", methods=["POST"])
def choose_store():
    """The chooser's answer: one of the stores the sign-in just proved, within minutes."""
    proved, form = session.get(CHOICE_KEY) or {}, ChooseStoreForm()
    wanted = form.tenant.data if form.validate_on_submit() else None
    pair = next((pair for pair in proved.get("accounts", []) if pair[0] == wanted), None)
    if pair is None or time.time() - proved.get("at", 0) > CHOICE_SECONDS:
        flash(_("Sign in again to choose a store."), "error")
        return redirect(url_for("console.login"))
    session.pop(CHOICE_KEY, None)
    with tenant_context(pair[0]):
        user = db.session.get(StaffUser, pair[1])
    if user is None or not user.active:
        return redirect(url_for("console.login"))
    return _sign_in(user)


def _sign_in(user):
    with tenant_context(user.tenant_id):
        with Attempt():
            user.last_login_at = utcnow()
            record_audit("staff.signed_in", actor=user, target=user)
        login_user(user)
    return redirect(safe_next(request.args.get("next"), url_for("console.dashboard")))


PASSWORD_PAGES = PasswordPages("builder/layout.html", "console.login", "console.forgot_password")


@console_bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def forgot_password():
    return PASSWORD_PAGES.forgot(request_password_reset)


@console_bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password_view(token):
    return PASSWORD_PAGES.reset(staff_for_reset(token), reset_password)


@console_bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    return redirect(url_for("console.login"))


@console_bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite_view(token):
    tenant = find_store(request.args.get("store", type=int))
    if tenant is None:
        abort(404)
    form = AcceptInviteForm()
    with tenant_context(tenant):
        if form.validate_on_submit():
            with Attempt(form, field="password") as attempt:
                user = accept_invite(token=token, password=form.password.data)
            if attempt.refused:
                return render_template("builder/accept_invite.html", form=form, tenant=tenant), 422
            if user is None:
                abort(404)
            login_user(user)
            return redirect(url_for("console.dashboard"))
        if not invite_is_open(token):
            abort(404)
    return render_template("builder/accept_invite.html", form=form, tenant=tenant)
