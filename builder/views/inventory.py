"""Inventory screens (库存): the safety-stock list with the store's planning settings and each
SKU's own plan, the turnover report (days of inventory per SKU and category, CSV), and
batches — the list, receiving one, and a batch's trace to every order it went to.

Handlers load → check access (viewers only look → 403) → call one verb from
``commerce.inventory`` inside ``Attempt`` → redirect, or re-render with the message.
"""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from builder.blueprints import console_bp
from builder.forms.inventory import BatchReceiveForm, PlanSettingsForm, SkuPlanForm
from builder.views.catalog import require_editor
from builder.views.data import _csv_response
from commerce.catalog.models import Product
from commerce.inventory.batches import receive_batch
from commerce.inventory.models import OPENING_NUMBER
from commerce.inventory.planning import (
    LIMITS,
    NO_SALES_DAYS,
    Plan,
    category_turnover,
    safety_page,
    save_settings,
    set_sku_plan,
    sku_plan,
    store_settings,
    turnover_page,
    turnover_rows,
)
from commerce.inventory.queries import (
    batch_page,
    batch_summary,
    batch_trace_page,
    find_batch,
    find_sku,
    receivable_skus,
)
from core.clock import china_today
from core.extensions import db
from core.form_checks import check_form
from core.refusals import Attempt
from tenants.field_access import MASKS, NAME, PHONE

PAGE_SIZE = 50
MAX_SKU_CHOICES = 500


def _actor():
    return current_user._get_current_object()


def _sku_or_404(sku_id):
    return find_sku(sku_id) or abort(404)


# --- safety stock ------------------------------------------------------------------------

@console_bp.route("/inventory")
def inventory_levels():
    low_only = request.args.get("show") == "low"
    page = safety_page(low_only=low_only, cursor=request.args.get("cursor"), per_page=PAGE_SIZE)
    return _render_levels(page, low_only, PlanSettingsForm(obj=store_settings()))


def _render_levels(page, low_only, form, status=200):
    return render_template("builder/inventory/levels.html", page=page, low_only=low_only, form=form,
                           settings=store_settings(), can_edit=current_user.can_edit()), status


@console_bp.route("/inventory/settings", methods=["POST"])
def inventory_settings():
    require_editor()
    form = PlanSettingsForm()
    with Attempt(form) as attempt:
        check_form(form)
        save_settings({name: form[name].data for name in LIMITS}, actor=_actor())
    if attempt.refused:
        return _render_levels(safety_page(per_page=PAGE_SIZE), False, form, attempt.status)
    flash(_("Settings saved: safety stock is computed with them."), "success")
    return redirect(url_for("console.inventory_levels"))


@console_bp.route("/inventory/skus/<int:sku_id>", methods=["GET", "POST"])
def inventory_sku(sku_id):
    sku = _sku_or_404(sku_id)
    row = sku_plan(sku)
    form = SkuPlanForm(data={"safety_stock": row.override, "lead_time_days": row.own_lead_time})
    if request.method == "POST":
        require_editor()
        form = SkuPlanForm()
        with Attempt(form) as attempt:
            check_form(form)
            set_sku_plan(sku, safety_stock=form.safety_stock.data, lead_time_days=form.lead_time_days.data,
                         actor=_actor())
        if not attempt.refused:
            flash(_("Saved."), "success")
            return redirect(url_for("console.inventory_sku", sku_id=sku.id))
        return _render_sku(sku, row, form, attempt.status)
    return _render_sku(sku, row, form)


def _render_sku(sku, row, form, status=200):
    return render_template("builder/inventory/sku.html", sku=sku, row=row, form=form, settings=store_settings(),
                           product=db.session.get(Product, sku.product_id), no_sales=NO_SALES_DAYS,
                           can_edit=current_user.can_edit()), status


# --- turnover ----------------------------------------------------------------------------

@console_bp.route("/inventory/turnover")
def inventory_turnover():
    over_only = request.args.get("show") == "over"
    plan, page = turnover_page(over_only=over_only, cursor=request.args.get("cursor"), per_page=PAGE_SIZE)
    return render_template("builder/inventory/turnover.html", page=page, over_only=over_only,
                           categories=category_turnover(plan), settings=plan.settings, no_sales=NO_SALES_DAYS)


@console_bp.route("/inventory/turnover.csv")
def inventory_turnover_csv():
    plan = Plan()
    rows = [[_("Product"), _("Option"), _("SKU code"), _("Stock"), _("Sold in %(n)d days", n=plan.settings.window_days),
             _("Days of inventory"), _("Over the target")]]
    for row in turnover_rows(plan):
        days = "" if row.days == NO_SALES_DAYS else row.days
        rows.append([row.title, row[0].label(), row[0].code or "", row[0].stock, row.sold, days,
                     _("Yes") if row.over_target else _("No")])
    return _csv_response(rows, f"turnover-{china_today().isoformat()}.csv")


# --- batches -----------------------------------------------------------------------------

@console_bp.route("/inventory/batches")
def inventory_batches():
    query = (request.args.get("q") or "").strip()[:50]
    page = batch_page(query=query, cursor=request.args.get("cursor"), per_page=PAGE_SIZE)
    return render_template("builder/inventory/batches.html", page=page, query=query, today=china_today(),
                           opening=OPENING_NUMBER, can_edit=current_user.can_edit())


def _sku_choices(chosen):
    choices = [(sku.id, f"{title} · {sku.label()}" if sku.spec_values else title)
               for sku, title in receivable_skus(MAX_SKU_CHOICES)]
    if chosen is not None and chosen.id not in {value for value, _label in choices}:
        product = db.session.get(Product, chosen.product_id)
        choices.insert(0, (chosen.id, f"{product.title} · {chosen.label()}" if chosen.spec_values else product.title))
    return choices


@console_bp.route("/inventory/batches/new", methods=["GET", "POST"])
def inventory_batch_new():
    require_editor()
    chosen = _sku_or_404(request.args.get("sku", type=int)) if request.args.get("sku") else None
    form = BatchReceiveForm(sku_id=chosen.id if chosen else None)
    form.sku_id.choices = _sku_choices(chosen)
    if request.method == "POST":
        with Attempt(form) as attempt:
            check_form(form)
            batch = receive_batch(_sku_or_404(form.sku_id.data), batch_number=form.batch_number.data,
                                  supplier=form.supplier.data, quantity=form.quantity.data,
                                  produced_on=form.produced_on.data, expires_on=form.expires_on.data, actor=_actor())
        if not attempt.refused:
            flash(_("Batch %(number)s received: %(n)d units added to stock.", number=batch.batch_number,
                    n=batch.received_quantity), "success")
            return redirect(url_for("console.inventory_batch", batch_id=batch.id))
        return render_template("builder/inventory/receive.html", form=form), attempt.status
    return render_template("builder/inventory/receive.html", form=form)


@console_bp.route("/inventory/batches/<int:batch_id>")
def inventory_batch(batch_id):
    batch = find_batch(batch_id) or abort(404)
    page = batch_trace_page(batch, cursor=request.args.get("cursor"), per_page=PAGE_SIZE)
    sku = find_sku(batch.sku_id)
    return render_template("builder/inventory/batch.html", batch=batch, page=page, sku=sku,
                           product=db.session.get(Product, batch.product_id), summary=batch_summary(batch),
                           member_label=masked_member, today=china_today())


def masked_member(member):
    """A member as the trace shows them: always masked (a batch recall needs the orders, not names)."""
    if member.nickname:
        return MASKS[NAME](member.nickname)
    if member.phone:
        return MASKS[PHONE](member.phone)
    return f"#{member.id}"
