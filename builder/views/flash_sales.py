"""Flash sales in the console: the store's campaigns (on now, coming, over) with units left,
a page at a time, a form to schedule one over a few SKUs, and pause/resume."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from builder.blueprints import console_bp
from builder.forms.marketing import FLASH_SALE_ROWS, FlashSaleForm
from builder.views.catalog import require_editor
from commerce.marketing.flash_sales.models import FlashSale
from commerce.marketing.flash_sales.queries import find_flash_sale, flash_sale_orders, store_flash_sales
from commerce.marketing.flash_sales.service import create_flash_sale, set_flash_sale_status
from commerce.marketing.queries import sku_labels, skus_on_sale
from commerce.marketing.results import campaign_results
from core.models import utcnow
from core.refusals import Attempt


@console_bp.route("/flash-sales")
def flash_sales_list():
    return _render(FlashSaleForm())


@console_bp.route("/flash-sales", methods=["POST"])
def flash_sale_create():
    require_editor()
    form = FlashSaleForm()
    if not form.validate_on_submit():
        return _render(form, 422)
    with Attempt(form, field="title") as attempt:
        create_flash_sale(actor=current_user._get_current_object(), **form.arguments())
    if attempt.refused:
        return _render(form, attempt.status)
    flash(_("Flash sale scheduled."), "success")
    return redirect(url_for("console.flash_sales_list"))


@console_bp.route("/flash-sales/<int:sale_id>/<any(pause, resume):action>", methods=["POST"])
def flash_sale_toggle(sale_id, action):
    require_editor()
    sale = find_flash_sale(sale_id) or abort(404)
    with Attempt():
        set_flash_sale_status(sale, FlashSale.PAUSED if action == "pause" else FlashSale.ACTIVE,
                              actor=current_user._get_current_object())
    return redirect(url_for("console.flash_sales_list"))


def _render(form, status=200):
    page = store_flash_sales(cursor=request.args.get("cursor"))
    skus = skus_on_sale()
    labels = sku_labels({item.sku_id for sale in page.items for item in sale.items}, also=skus)
    results = campaign_results(flash_sale_orders([sale.id for sale in page.items]))
    return render_template("builder/flash_sales/list.html", page=page, sales=page.items, skus=skus,
                           sku_labels=labels, results=results, form=form, rows=range(FLASH_SALE_ROWS), now=utcnow(),
                           can_edit=current_user.can_edit()), status
