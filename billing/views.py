"""The platform console at /platform: platform admins only, every action audited."""
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_from_directory, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField, PasswordField
from wtforms.validators import InputRequired, Length

from billing import platform
from billing.invoices import invoices_of
from billing.metrics import billing_overview, mrr_of
from billing.models import Invoice, PlatformAdmin, Subscription
from billing.platform import JobNotFailed, StoreFilters
from billing.subscriptions import credit_balance
from core.audit import AuditLog, record_audit
from core.auth import register_user_loader
from core.breaker import OUTAGE_ERRORS
from core.errors import DomainError
from core.extensions import db, limiter
from core.models import utcnow
from core.tenancy import tenant_context
from tenants.middleware import PLATFORM, serve_on
from tenants.models import Domain, MiniProgram, StaffUser, Tenant
from tenants.plans import PLANS

platform_bp = serve_on(PLATFORM, Blueprint("platform", __name__, url_prefix="/platform",
                                           template_folder="templates", static_folder="static"))

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
        admin = platform.authenticate_admin(email=form.email.data, password=form.password.data)
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
    filters = StoreFilters.from_args(request.args)
    before = request.args.get("before", "")
    size = platform.STORE_PAGE_SIZE
    rows = platform.find_stores(filters, before=int(before) if before.isdigit() else None, limit=size + 1)
    older = rows[size - 1][0].id if len(rows) > size else None
    rows = rows[:size]
    return render_template("billing/tenants.html", rows=rows, filters=filters, older=older, paged=before.isdigit(),
                           statuses=Subscription.STATUSES, plans=list(PLANS),
                           owners=platform.owner_emails([tenant.id for tenant, _sub in rows]),
                           mrr={tenant.id: mrr_of(sub) for tenant, sub in rows if sub is not None})


@platform_bp.route("/tenants/<int:tenant_id>")
def tenant_detail(tenant_id):
    return _render_detail(_tenant_or_404(tenant_id))


def _tenant_or_404(tenant_id):
    """The store, read outside any tenant context (the console sees every store).

    :raise 404: no such store
    """
    return db.session.get(Tenant, tenant_id) or abort(404)


def _render_detail(tenant, refusal=None):
    """The store page; ``refusal`` (a DomainError) is shown under the form it came from (or
    at the top), the forms keep what was typed, and the page answers with its status."""
    with tenant_context(tenant):
        staff = db.session.scalars(select(StaffUser).order_by(StaffUser.id)).all()
        domains = db.session.scalars(select(Domain).order_by(Domain.id)).all()
        mini_programs = db.session.scalars(select(MiniProgram).order_by(MiniProgram.id)).all()
        subscription = db.session.scalar(select(Subscription))
        invoices = invoices_of(tenant.id)
        credit = credit_balance(tenant.id)
        usage = platform.store_usage(tenant.id)
    audit = db.session.scalars(
        select(AuditLog).where(AuditLog.tenant_id == tenant.id).order_by(AuditLog.id.desc()).limit(50)
    ).all()
    return render_template("billing/tenant_detail.html", tenant=tenant, staff=staff, domains=domains,
                           mini_programs=mini_programs, subscription=subscription, invoices=invoices, credit=credit,
                           usage=usage, audit=audit, plans=PLANS.values(), intervals=Subscription.INTERVALS,
                           mrr=mrr_of(subscription) if subscription else 0, refusal=refusal,
                           entered=request.form if refusal else {}), refusal.status if refusal else 200


def _act_on_store(tenant_id, act, done):
    """Load the store and its subscription, run ``act(subscription)`` as the admin, commit
    and say ``done``; a refusal rolls back and re-renders the page with its message."""
    tenant = _tenant_or_404(tenant_id)
    with tenant_context(tenant):
        subscription = db.session.scalar(select(Subscription)) or abort(404)
        try:
            act(subscription, current_user._get_current_object())
        except DomainError as refusal:
            db.session.rollback()
            return _render_detail(tenant, refusal)
        db.session.commit()
    flash(done, "success")
    return redirect(url_for("platform.tenant_detail", tenant_id=tenant_id))


@platform_bp.route("/tenants/<int:tenant_id>/plan", methods=["POST"])
def tenant_change_plan(tenant_id):
    form = request.form
    return _act_on_store(tenant_id, lambda sub, admin: platform.change_store_plan(
        sub, plan_code=form.get("plan"), interval=form.get("interval"), actor=admin), _("Plan change saved."))


@platform_bp.route("/tenants/<int:tenant_id>/trial", methods=["POST"])
def tenant_extend_trial(tenant_id):
    return _act_on_store(tenant_id, lambda sub, admin: platform.extend_store_trial(
        sub, days_text=request.form.get("days"), actor=admin), _("Trial extended."))


@platform_bp.route("/tenants/<int:tenant_id>/credit", methods=["POST"])
def tenant_apply_credit(tenant_id):
    form = request.form
    return _act_on_store(tenant_id, lambda sub, admin: platform.grant_store_credit(
        sub.tenant_id, amount_text=form.get("amount"), note=form.get("note"), actor=admin), _("Credit granted."))


@platform_bp.route("/tenants/<int:tenant_id>/suspend", methods=["POST"])
def tenant_suspend(tenant_id):
    return _act_on_store(tenant_id, lambda sub, admin: platform.suspend_store(
        sub, reason=request.form.get("reason"), actor=admin), _("Store suspended: its storefront is closed."))


@platform_bp.route("/tenants/<int:tenant_id>/resume", methods=["POST"])
def tenant_resume(tenant_id):
    return _act_on_store(tenant_id, lambda sub, admin: platform.resume_store(
        sub, reason=request.form.get("reason"), actor=admin), _("Store resumed: its storefront is open again."))


@platform_bp.route("/tenants/<int:tenant_id>/invoices/<int:invoice_id>/refund", methods=["POST"])
def tenant_refund_invoice(tenant_id, invoice_id):
    def refund(subscription, admin):
        invoice = db.session.scalar(select(Invoice).where(Invoice.id == invoice_id)) or abort(404)
        platform.refund_store_invoice(invoice, reason=request.form.get("reason"), actor=admin)

    return _act_on_store(tenant_id, refund, _("Invoice refunded."))


@platform_bp.route("/tenants/<int:tenant_id>/domains/<int:domain_id>/verify", methods=["POST"])
def domain_verify(tenant_id, domain_id):
    tenant = _tenant_or_404(tenant_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    with tenant_context(tenant):
        domain = db.session.scalar(select(Domain).where(Domain.id == domain_id)) or abort(404)
        platform.set_domain_verified(actor=current_user, domain=domain, verified=not domain.verified)
        db.session.commit()
        flash(_("Domain %(host)s updated.", host=domain.hostname), "success")
    return redirect(url_for("platform.tenant_detail", tenant_id=tenant.id))


# ---------------------------------------------------------------- billing overview

@platform_bp.route("/billing")
def billing():
    overview = billing_overview(utcnow())
    chart = {
        "labels": [format_date(figures.month, "yyyy-MM") for figures in overview.months],
        "revenue": [figures.revenue / 100 for figures in overview.months],
        "churn": [None if figures.churn_rate is None else round(figures.churn_rate * 100, 1)
                  for figures in overview.months],
        "revenueLabel": _("Revenue (¥)"), "churnLabel": _("Churn (%)"),
    }
    return render_template("billing/billing.html", overview=overview, chart=chart)


@platform_bp.route("/vendor/chart.js")
def chart_js():
    """Chart.js as ``make assets`` installed it from npm (never committed)."""
    return send_from_directory(Path(current_app.root_path) / "node_modules" / "chart.js" / "dist", "chart.umd.min.js",
                               max_age=3600)


# ---------------------------------------------------------------- background queues

@platform_bp.route("/queues")
def queues():
    backend = platform.job_backend()
    if backend is None:
        return render_template("billing/queues.html", embedded=True)
    try:
        counts, failed = platform.queue_counts(backend), platform.failed_jobs(backend)
    except OUTAGE_ERRORS:
        return render_template("billing/queues.html", embedded=False, unreachable=True)
    return render_template("billing/queues.html", embedded=False, counts=counts, failed=failed)


@platform_bp.route("/queues/failed/<job_id>/retry", methods=["POST"])
def queue_retry(job_id):
    backend = platform.job_backend() or abort(404)
    try:
        job = platform.retry_failed_job(backend, job_id, actor=current_user._get_current_object())
    except JobNotFailed as refusal:
        db.session.rollback()
        flash(refusal.message, "error")
        return redirect(url_for("platform.queues"))
    db.session.commit()
    flash(_("Job %(function)s is queued again.", function=job.function), "success")
    return redirect(url_for("platform.queues"))


@platform_bp.route("/queues/failed/retry-all", methods=["POST"])
def queue_retry_all():
    backend = platform.job_backend() or abort(404)
    retried = platform.retry_all_failed_jobs(backend, actor=current_user._get_current_object())
    db.session.commit()
    flash(_("%(count)d failed jobs are queued again.", count=retried), "success")
    return redirect(url_for("platform.queues"))
