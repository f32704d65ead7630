"""Flash sales in the console: the store's campaigns (on now, coming, over) with units left,
a form to schedule one over a few SKUs, and pause/resume."""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from builder.views import console_bp
from builder.views.catalog import _fen, require_editor
from commerce.catalog.models import SKU, Product
from commerce.marketing.flash_sales.errors import FlashSaleProblem
from commerce.marketing.flash_sales.models import FlashSale
from commerce.marketing.flash_sales.queries import flash_sale_orders
from commerce.marketing.flash_sales.service import create_flash_sale, set_flash_sale_status
from commerce.marketing.results import campaign_results
from core.errors import DomainError
from core.extensions import db
from core.models import utcnow

CHINA = ZoneInfo("Asia/Shanghai")
ITEM_ROWS = 5


@console_bp.route("/flash-sales")
def flash_sales_list():
    return _render()


def _render(error=None, status=200):
    sales = db.session.scalars(select(FlashSale).order_by(FlashSale.starts_at.desc()).limit(50)).all()
    skus = db.session.execute(select(SKU, Product).join(Product, Product.id == SKU.product_id)
                              .where(Product.status == Product.ON_SALE).order_by(Product.id, SKU.id).limit(500)).all()
    sku_labels = {sku.id: f"{product.title} {sku.label()}".strip() for sku, product in skus}
    results = campaign_results(flash_sale_orders([sale.id for sale in sales]))
    return render_template("builder/flash_sales/list.html", sales=sales, skus=skus, sku_labels=sku_labels,
                           results=results,
                           error=error, entered=request.form, rows=range(ITEM_ROWS), now=utcnow(),
                           can_edit=current_user.can_edit()), status


@console_bp.route("/flash-sales", methods=["POST"])
def flash_sale_create():
    require_editor()
    form = request.form
    try:
        items = []
        for row in range(ITEM_ROWS):
            sku = form.get(f"sku_{row}", "")
            if not sku:
                continue
            label = _("row %(n)d", n=row + 1)
            items.append((int(sku) if sku.isdigit() else -1, _fen(form.get(f"price_{row}"), label, "price", True),
                          _whole(form.get(f"units_{row}")), _whole(form.get(f"limit_{row}") or "1")))
        create_flash_sale(actor=current_user._get_current_object(), title=form.get("title"),
                          starts_at=_china_time(form.get("starts_at")), ends_at=_china_time(form.get("ends_at")),
                          items=items)
    except DomainError as refusal:
        db.session.rollback()
        return _render(refusal, refusal.status)
    db.session.commit()
    flash(_("Flash sale scheduled."), "success")
    return redirect(url_for("console.flash_sales_list"))


@console_bp.route("/flash-sales/<int:sale_id>/<any(pause, resume):action>", methods=["POST"])
def flash_sale_toggle(sale_id, action):
    require_editor()
    sale = db.session.scalar(select(FlashSale).where(FlashSale.id == sale_id)) or abort(404)
    set_flash_sale_status(sale, FlashSale.PAUSED if action == "pause" else FlashSale.ACTIVE,
                          actor=current_user._get_current_object())
    db.session.commit()
    return redirect(url_for("console.flash_sales_list"))


def _china_time(text):
    """``2026-12-12T20:00`` from a datetime-local field, read as China time."""
    try:
        return datetime.fromisoformat((text or "").strip()).replace(tzinfo=CHINA)
    except ValueError:
        raise FlashSaleProblem(_("Enter the start and end as date and time."), field="starts_at", status=422) from None


def _whole(text):
    text = (text or "").strip()
    return int(text) if text.isdigit() else -1
