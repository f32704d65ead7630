"""The platform console at /platform: platform admins only, every action audited."""
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_from_directory, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm

from billing import platform, queries
from billing.audit_words import action_words, subject_words
from billing.forms import (
    AdminLoginForm,
    CreditForm,
    ReasonForm,
    RetentionPeriodForm,
    RolloutForm,
    StorePlanForm,
    TrialForm,
)
from billing.invoices import invoices_of
from billing.metrics import billing_overview, mrr_of
from billing.models import PlatformAdmin, Subscription
from billing.password_mail import ADMIN_REALM, admin_for_reset, request_admin_password_reset, reset_admin_password
from billing.password_pages import PasswordPages
from billing.queries import StoreFilters
from billing.subscriptions import credit_balance
from channels.wechat_open import rollouts
from core.auth import register_user_loader
from core.breaker import OUTAGE_ERRORS
from core.extensions import limiter
from core.form_checks import check_form
from core.jobs import enqueue
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
from core.tenancy import tenant_context
from core.transaction import committed
from tenants.middleware import PLATFORM, serve_on
from tenants.plans import PLANS
from tenants.queries import store_domain
from tenants.retention import effective_periods, retention_table, set_store_period

platform_bp = serve_on(PLATFORM, Blueprint("platform", __name__, url_prefix="/platform",
                                           template_folder="templates", static_folder="static"))

PUBLIC_ENDPOINTS = {"platform.login", "platform.forgot_password", "platform.reset_password_view"}


def _load_admin(rest):
    return queries.admin_by_id(int(rest)) if rest.isdigit() else None


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


def _too_many_from_here(limit):
    """The per-IP limit tripped: the form again, saying how long to wait."""
    form = AdminLoginForm()
    form.password.errors = [blocked_message(seconds_to_reset(limit))]
    return current_app.make_response((render_template("billing/login.html", form=form), 429))


@platform_bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], deduct_when=failed_sign_in,
               on_breach=_too_many_from_here)
def login():
    form = AdminLoginForm()
    if form.validate_on_submit():
        wait = seconds_blocked(ADMIN_REALM, form.email.data)
        if wait:
            form.password.errors.append(blocked_message(wait))
            return render_template("billing/login.html", form=form), 429
        with committed():
            admin = platform.sign_in_admin(email=form.email.data, password=form.password.data)
            wait = record_failure(ADMIN_REALM, form.email.data) if admin is None else 0
            if admin is not None:
                forget_failures(ADMIN_REALM, form.email.data)
        if admin is None:
            form.password.errors.append(_("Email or password is not correct."))
            if wait:
                form.password.errors.append(blocked_message(wait))
            return render_template("billing/login.html", form=form), 401
        login_user(admin)
        return redirect(safe_next(request.args.get("next"), url_for("platform.tenants")))
    return render_template("billing/login.html", form=form), 422 if form.errors else 200


PASSWORD_PAGES = PasswordPages("billing/layout.html", "platform.login", "platform.forgot_password")


@platform_bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def forgot_password():
    return PASSWORD_PAGES.forgot(request_admin_password_reset)


@platform_bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password_view(token):
    return PASSWORD_PAGES.reset(admin_for_reset(token), reset_admin_password)


@platform_bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    return redirect(url_for("platform.login"))


@platform_bp.route("/")
def tenants():
    filters = StoreFilters.from_args(q=request.args.get("q"), plan=request.args.get("plan"),
                                     status=request.args.get("status"))
    page = queries.stores_page(filters, per_page=queries.STORE_PAGE_SIZE, cursor=request.args.get("cursor"))
    rows = [tuple(row) for row in page.items]
    return render_template("billing/tenants.html", page=page, rows=rows, filters=filters,
                           statuses=Subscription.STATUSES, plans=list(PLANS),
                           owners=queries.owner_emails([tenant.id for tenant, _sub in rows]),
                           mrr={tenant.id: mrr_of(sub) for tenant, sub in rows if sub is not None})


@platform_bp.route("/tenants/<int:tenant_id>")
def tenant_detail(tenant_id):
    return _render_detail(_tenant_or_404(tenant_id))


def _tenant_or_404(tenant_id):
    """The store, read outside any tenant context (the console sees every store).

    :raise 404: no such store
    """
    return queries.store_by_id(tenant_id) or abort(404)


def _render_detail(tenant, refusal=None, form=None):
    """The store page; ``refusal`` (a DomainError) is shown under the form it came from (or
    at the top), that form keeps what was typed, and the page answers with its status."""
    accounts = queries.store_accounts(tenant.id)
    with tenant_context(tenant):
        invoices = invoices_of(tenant.id)
        credit = credit_balance(tenant.id)
        usage = platform.store_usage(tenant.id)
    audit = queries.audit_page(tenant.id, per_page=queries.AUDIT_PAGE_SIZE, cursor=request.args.get("cursor"))
    subscription = accounts.subscription
    entered = {name: field._value() for name, field in form._fields.items()} if refusal and form else {}
    return render_template("billing/tenant_detail.html", tenant=tenant, staff=accounts.staff, domains=accounts.domains,
                           mini_programs=accounts.mini_programs, subscription=subscription, invoices=invoices,
                           credit=credit, usage=usage, audit=audit.items, audit_page=audit, plans=PLANS.values(),
                           audit_subjects=queries.audit_subject_names(tenant.id, audit.items),
                           action_words=action_words, subject_words=subject_words,
                           intervals=Subscription.INTERVALS, mrr=mrr_of(subscription) if subscription else 0,
                           refusal=refusal, entered=entered), refusal.status if refusal else 200


def _act_on_store(tenant_id, form, act, done):
    """Load the store and its subscription, read ``form``, run ``act(subscription, admin)``,
    commit and say ``done``; a refusal rolls back and re-renders the page with its message."""
    tenant = _tenant_or_404(tenant_id)
    with tenant_context(tenant):
        subscription = queries.store_subscription() or abort(404)
        with Attempt(flash=False) as attempt:
            check_form(form)
            act(subscription, current_user._get_current_object())
    if attempt.refused:
        return _render_detail(tenant, attempt.refusal, form)
    flash(done, "success")
    return redirect(url_for("platform.tenant_detail", tenant_id=tenant_id))


@platform_bp.route("/tenants/<int:tenant_id>/plan", methods=["POST"])
def tenant_change_plan(tenant_id):
    form = StorePlanForm()
    return _act_on_store(tenant_id, form, lambda sub, admin: platform.change_store_plan(
        sub, plan_code=form.plan.data, interval=form.interval.data, actor=admin), _("Plan change saved."))


@platform_bp.route("/tenants/<int:tenant_id>/trial", methods=["POST"])
def tenant_extend_trial(tenant_id):
    form = TrialForm()
    return _act_on_store(tenant_id, form, lambda sub, admin: platform.extend_store_trial(
        sub, days=form.days.data, actor=admin), _("Trial extended."))


@platform_bp.route("/tenants/<int:tenant_id>/credit", methods=["POST"])
def tenant_apply_credit(tenant_id):
    form = CreditForm()
    return _act_on_store(tenant_id, form, lambda sub, admin: platform.grant_store_credit(
        sub.tenant_id, amount=form.amount.data, note=form.note.data, actor=admin), _("Credit granted."))


@platform_bp.route("/tenants/<int:tenant_id>/suspend", methods=["POST"])
def tenant_suspend(tenant_id):
    form = ReasonForm()
    return _act_on_store(tenant_id, form, lambda sub, admin: platform.suspend_store(
        sub, reason=form.reason.data, actor=admin), _("Store suspended: its storefront is closed."))


@platform_bp.route("/tenants/<int:tenant_id>/resume", methods=["POST"])
def tenant_resume(tenant_id):
    form = ReasonForm()
    return _act_on_store(tenant_id, form, lambda sub, admin: platform.resume_store(
        sub, reason=form.reason.data, actor=admin), _("Store resumed: its storefront is open again."))


@platform_bp.route("/tenants/<int:tenant_id>/invoices/<int:invoice_id>/refund", methods=["POST"])
def tenant_refund_invoice(tenant_id, invoice_id):
    form = ReasonForm()

    def refund(subscription, admin):
        invoice = queries.store_invoice(invoice_id) or abort(404)
        platform.refund_store_invoice(invoice, reason=form.reason.data, actor=admin)

    return _act_on_store(tenant_id, form, refund, _("Invoice refunded."))


@platform_bp.route("/tenants/<int:tenant_id>/domains/<int:domain_id>/verify", methods=["POST"])
def domain_verify(tenant_id, domain_id):
    tenant = _tenant_or_404(tenant_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    with tenant_context(tenant):
        domain = store_domain(domain_id) or abort(404)
        with Attempt() as attempt:
            platform.set_domain_verified(actor=current_user, domain=domain, verified=not domain.verified)
        if not attempt.refused:
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
    with Attempt() as attempt:  # JobNotFailed is flashed above the queues
        job = platform.retry_failed_job(backend, job_id, actor=current_user._get_current_object())
    if not attempt.refused:
        flash(_("Job %(function)s is queued again.", function=job.function), "success")
    return redirect(url_for("platform.queues"))


@platform_bp.route("/queues/failed/retry-all", methods=["POST"])
def queue_retry_all():
    backend = platform.job_backend() or abort(404)
    with Attempt():
        retried = platform.retry_all_failed_jobs(backend, actor=current_user._get_current_object())
    flash(_("%(count)d failed jobs are queued again.", count=retried), "success")
    return redirect(url_for("platform.queues"))


# ---------------------------------------------------------------- mini-program rollouts

@platform_bp.route("/mini-programs")
def mini_programs():
    """WeChat's template library and the rollouts of a version to every authorised store."""
    library, unavailable = [], None
    with Attempt(commit=False, flash=False) as attempt:
        library = rollouts.template_library()
    if attempt.refused:
        unavailable = attempt.refusal.message
    recent = [(rollout, rollouts.rollout_progress(rollout)) for rollout in rollouts.recent_rollouts()]
    return render_template("billing/mini_programs.html", library=library, unavailable=unavailable, recent=recent)


@platform_bp.route("/mini-programs/rollouts", methods=["POST"])
def rollout_start():
    form = RolloutForm()
    if not form.validate_on_submit():
        flash(_("Choose a template version."), "error")
        return redirect(url_for("platform.mini_programs"))
    with Attempt() as attempt:
        rollout = rollouts.start_rollout(actor=current_user._get_current_object(), template_id=form.template_id.data)
    if attempt.refused:
        return redirect(url_for("platform.mini_programs"))
    flash(_("Rollout of version %(version)s started.", version=rollout.user_version), "success")
    return redirect(url_for("platform.rollout_detail", rollout_id=rollout.id))


@platform_bp.route("/mini-programs/rollouts/<int:rollout_id>")
def rollout_detail(rollout_id):
    rollout = rollouts.find_rollout(rollout_id) or abort(404)
    return render_template("billing/rollout.html", rollout=rollout, progress=rollouts.rollout_progress(rollout))


@platform_bp.route("/mini-programs/rollouts/<int:rollout_id>/resume", methods=["POST"])
def rollout_resume(rollout_id):
    """Run the rollout again now (after a fault or a new day's quota): no step repeats."""
    rollout = rollouts.find_rollout(rollout_id) or abort(404)
    enqueue(rollouts.advance_rollout, rollout.id)
    flash(_("The rollout goes on."), "success")
    return redirect(url_for("platform.rollout_detail", rollout_id=rollout.id))


# --- retention: the table of what is kept how long, and a store's longer periods -----------

@platform_bp.route("/retention")
def retention():
    """The retention table (read-only: the rules are code) and the stores with longer periods."""
    return render_template("billing/retention.html", rules=retention_table(),
                           overrides=queries.retention_overrides())


@platform_bp.route("/tenants/<int:tenant_id>/retention", methods=["GET", "POST"])
def tenant_retention(tenant_id):
    """A store's periods; POST sets one rule's longer period (audited), never a shorter one."""
    tenant = _tenant_or_404(tenant_id)
    form = RetentionPeriodForm()
    refusal = None
    if request.method == "POST":
        with Attempt(form, flash=False) as attempt:
            check_form(form)
            set_store_period(tenant.id, form.rule.data, form.keep_days.data, actor=current_user._get_current_object(),
                             reason=form.reason.data)
        if not attempt.refused:
            flash(_("Retention period saved."), "success")
            return redirect(url_for("platform.tenant_retention", tenant_id=tenant.id))
        refusal = attempt.refusal
    periods = [{"rule": rule.name, "why": rule.why, "default_days": rule.keep.days, "keep_days": keep.days,
                "store_days": store_days} for rule, keep, store_days in effective_periods(tenant.id)]
    return render_template("billing/tenant_retention.html", tenant=tenant, periods=periods, form=form,
                           refusal=refusal), refusal.status if refusal else 200
