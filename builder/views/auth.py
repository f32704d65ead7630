"""Console sign-in, sign-out and invite acceptance."""
from flask import abort, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from builder.blueprints import console_bp
from builder.forms import AcceptInviteForm, StaffLoginForm
from core.audit import record_audit
from core.extensions import limiter
from core.models import utcnow
from core.redirects import safe_next
from core.refusals import Attempt
from core.tenancy import enter_tenant, tenant_context
from tenants.models import StaffUser
from tenants.queries import find_store, invite_is_open
from tenants.service import accept_invite, authenticate_staff

PUBLIC_ENDPOINTS = {"console.login", "console.accept_invite_view"}


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


@console_bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    form = StaffLoginForm(slug=request.args.get("store", ""))
    if form.validate_on_submit():
        user = authenticate_staff(slug=form.slug.data, email=form.email.data, password=form.password.data)
        if user is None:
            form.password.errors.append(_("Store address, email or password is not correct."))
            return render_template("builder/login.html", form=form), 401
        with tenant_context(user.tenant_id):
            with Attempt():
                user.last_login_at = utcnow()
                record_audit("staff.signed_in", actor=user, target=user)
            login_user(user)
        return redirect(safe_next(request.args.get("next"), url_for("console.dashboard")))
    return render_template("builder/login.html", form=form), 422 if form.errors else 200


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

