"""The store's billing screen, /console/billing: plan and status, usage against the plan's
limits, plan cards (a change is previewed — proration shown — before it is confirmed),
invoices with a printable page and "pay now" by WeChat Pay Native QR, credit, and the
billing emails sent.

Every staff member may look; only the owner and admins change the plan or pay (403
otherwise). It stays reachable while the store is suspended: paying here reopens it.
"""
from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from billing.invoices import find_invoice, pay_invoice_natively
from billing.mail import sent_emails
from billing.queries import invoices_page, store_suspension
from billing.subscriptions import change_plan, credit_balance, preview_plan_change, subscription_of
from builder.blueprints import console_bp
from builder.forms.billing import PlanChoiceForm
from builder.views.staff import require_staff_manager
from core.refusals import Attempt
from payments.pay_page import wechat_pay_view  # the QR code and sandbox link every pay page shows
from tenants.entitlements import entitlements_of, usage_of
from tenants.plans import PLANS

INVOICE_PAGE_SIZE = 24

# Usage bars: (usage key, entitlement field, label)
USAGE_ROWS = (("products", "max_products", _l("Products")), ("staff", "staff_seats", _l("Staff seats")),
              ("pages", "pages", _l("Pages")), ("mini_programs", "mini_programs", _l("Mini-program AppIDs")),
              ("storage_mb", "storage_mb", _l("Storage (MB)")))


def _usage_rows():
    usage, allowed = usage_of(), entitlements_of()
    rows = []
    for key, field, label in USAGE_ROWS:
        limit, used = getattr(allowed, field), usage[key]
        percent = (100 if used else 0) if limit == 0 else (0 if limit is None else min(100, used * 100 // limit))
        rows.append({"label": label, "used": used, "limit": limit, "percent": percent})
    return rows


def _render_overview(status=200, error=None):
    subscription = subscription_of() or abort(404)
    unpaid_only = request.args.get("invoices") == "unpaid"  # 待办's 待支付账单 links here
    invoices = invoices_page(per_page=INVOICE_PAGE_SIZE, cursor=request.args.get("cursor"), unpaid_only=unpaid_only)
    return render_template("builder/billing/index.html", subscription=subscription, plans=list(PLANS.values()),
                           current_plan=PLANS[subscription.plan], next_plan=PLANS[subscription.next_plan()],
                           usage=_usage_rows(), entitlements=entitlements_of(), credit=credit_balance(),
                           invoices=invoices.items, invoices_page=invoices, unpaid_only=unpaid_only,
                           emails=sent_emails(),
                           can_manage=current_user.can_manage_staff(), error=error), status


@console_bp.context_processor
def suspension_banner():
    """Every console page of a suspended store says why and the one next step."""
    return {"suspension": store_suspension(g.get("tenant")), "support_email": current_app.config["SUPPORT_EMAIL"]}


@console_bp.route("/billing")
def billing():
    return _render_overview()


@console_bp.route("/billing/change", methods=["GET", "POST"])
def billing_change():
    """GET: what the change would cost, with a confirm form. POST: make it."""
    require_staff_manager()
    subscription = subscription_of() or abort(404)
    form = PlanChoiceForm(request.args) if request.method == "GET" else PlanChoiceForm()  # GET: the card's link
    with Attempt(flash=False, commit=request.method == "POST") as attempt:
        change = preview_plan_change(subscription, form.plan.data, form.interval.data)
        if request.method == "POST":
            invoice = change_plan(subscription, form.plan.data, form.interval.data,
                                  actor=current_user._get_current_object())
    if attempt.refused:
        return _render_overview(attempt.status, attempt.refusal)
    if request.method == "GET":
        return render_template("builder/billing/change.html", subscription=subscription, change=change,
                               current_plan=PLANS[subscription.plan])
    if invoice is not None and invoice.is_payable():
        flash(_("Pay invoice %(number)s to switch to %(plan)s.", number=invoice.number, plan=change.plan.name),
              "success")
        return redirect(url_for("console.billing_invoice", number=invoice.number))
    flash(_("Plan change saved."), "success")
    return redirect(url_for("console.billing"))


@console_bp.route("/billing/invoices/<number>")
def billing_invoice(number):
    """The printable invoice."""
    invoice = find_invoice(number) or abort(404)
    return _render_invoice(invoice)


@console_bp.route("/billing/invoices/<number>/pay", methods=["POST"])
def billing_invoice_pay(number):
    """Show the WeChat Pay Native QR of an open invoice."""
    require_staff_manager()
    invoice = find_invoice(number) or abort(404)
    with Attempt(flash=False) as attempt:
        pay_invoice_natively(invoice)
    if attempt.refused:
        return _render_invoice(invoice, attempt.refusal, attempt.status)
    return _render_invoice(invoice, pay=wechat_pay_view(invoice))


def _render_invoice(invoice, error=None, status=200, pay=None):
    return render_template("builder/billing/invoice.html", invoice=invoice, plan=PLANS.get(invoice.plan),
                           error=error, pay=pay or {}, can_manage=current_user.can_manage_staff()), status
