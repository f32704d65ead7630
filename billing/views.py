"""The platform console at /platform: platform admins only, every action audited."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select
from wtforms import EmailField, PasswordField
from wtforms.validators import InputRequired, Length

from billing.models import PlatformAdmin, Subscription
from billing.platform import authenticate_admin, set_domain_verified
from core.audit import AuditLog, record_audit
from core.auth import register_user_loader
from core.extensions import db, limiter
from core.models import utcnow
from tenants.context import tenant_context, unscoped
from tenants.middleware import PLATFORM, serve_on
from tenants.models import Domain, MiniProgram, StaffUser, Tenant

platform_bp = serve_on(PLATFORM, Blueprint("platform", __name__, url_prefix="/platform",
                                           template_folder="templates"))

PUBLIC_ENDPOINTS = {"platform.login"}


class AdminLoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[InputRequired(message=_l("This field is required.")), Length(max=255)])
    password = PasswordField(_l("Password"), validators=[InputRequired(message=_l("This field is required.")),
                                                          Length(max=128)])


def _load_admin(rest):
    return db.session.get(PlatformAdmin, int(rest)) if rest.isdigit() else None


register_user_loader("admin", _load_admin)


@platform_bp.before_request
def require_platform_admin():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not isinstance(current_user._get_current_object(), PlatformAdmin):
        if current_user.is_authenticated:
            abort(403)  # a merchant account can never reach the platform console
        return current_app.login_manager.unauthorized()
    return None


@platform_bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    form = AdminLoginForm()
    if form.validate_on_submit():
        admin = authenticate_admin(email=form.email.data, password=form.password.data)
        if admin is None:
            form.password.errors.append(_("Email or password is not correct."))
            return render_template("billing/login.html", form=form), 401
        admin.last_login_at = utcnow()
        record_audit("platform.signed_in", actor=admin, target=admin)
        db.session.commit()
        login_user(admin)
        return redirect(url_for("platform.tenants"))
    return render_template("billing/login.html", form=form), 422 if form.errors else 200


@platform_bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    return redirect(url_for("platform.login"))


@platform_bp.route("/")
def tenants():
    query = (request.args.get("q") or "").strip()
    status = request.args.get("status") or ""
    statement = select(Tenant).order_by(Tenant.id.desc())
    if query:
        like = f"%{query.lower()}%"
        statement = statement.where(or_(func.lower(Tenant.slug).like(like), func.lower(Tenant.name).like(like)))
    if status in Tenant.STATUSES:
        statement = statement.where(Tenant.status == status)
    stores = db.session.scalars(statement.limit(200)).all()
    return render_template("billing/tenants.html", stores=stores, q=query, status=status,
                           statuses=Tenant.STATUSES, subscriptions=_subscriptions_by_tenant(stores))


@platform_bp.route("/tenants/<int:tenant_id>")
def tenant_detail(tenant_id):
    tenant = db.session.get(Tenant, tenant_id) or abort(404)
    with tenant_context(tenant):
        staff = db.session.scalars(select(StaffUser).order_by(StaffUser.id)).all()
        domains = db.session.scalars(select(Domain).order_by(Domain.id)).all()
        mini_programs = db.session.scalars(select(MiniProgram).order_by(MiniProgram.id)).all()
        subscription = db.session.scalar(select(Subscription))
    audit = db.session.scalars(
        select(AuditLog).where(AuditLog.tenant_id == tenant.id).order_by(AuditLog.id.desc()).limit(50)
    ).all()
    return render_template("billing/tenant_detail.html", tenant=tenant, staff=staff, domains=domains,
                           mini_programs=mini_programs, subscription=subscription, audit=audit,
                           verify_form=FlaskForm())


@platform_bp.route("/tenants/<int:tenant_id>/domains/<int:domain_id>/verify", methods=["POST"])
def domain_verify(tenant_id, domain_id):
    tenant = db.session.get(Tenant, tenant_id) or abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    with tenant_context(tenant):
        domain = db.session.scalar(select(Domain).where(Domain.id == domain_id)) or abort(404)
        set_domain_verified(actor=current_user, domain=domain, verified=not domain.verified)
        db.session.commit()
        flash(_("Domain %(host)s updated.", host=domain.hostname), "success")
    return redirect(url_for("platform.tenant_detail", tenant_id=tenant.id))


def _subscriptions_by_tenant(stores):
    """One query for the whole list, read across stores on purpose."""
    ids = [store.id for store in stores]
    if not ids:
        return {}
    with unscoped():
        rows = db.session.scalars(select(Subscription).where(Subscription.tenant_id.in_(ids))).all()
    return {row.tenant_id: row for row in rows}
