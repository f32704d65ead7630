"""Group buys in the console: the store's campaigns with their teams (open, succeeded,
failed) and results, a form to start one on a SKU, and pause/resume."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from builder.views import console_bp
from builder.views.catalog import require_editor
from builder.views.flash_sales import _china_time, _whole
from commerce.catalog.models import SKU, Product
from commerce.marketing.group_buys.errors import GroupBuyProblem
from commerce.marketing.group_buys.models import GroupBuy
from commerce.marketing.group_buys.queries import group_buy_orders, store_group_buys, team_counts
from commerce.marketing.group_buys.service import create_group_buy, set_group_buy_status
from commerce.marketing.results import campaign_results
from core.errors import DomainError
from core.extensions import db
from core.models import utcnow
from core.money import parse_yuan


@console_bp.route("/group-buys")
def group_buys_list():
    return _render()


def _render(error=None, status=200):
    campaigns = store_group_buys()
    ids = [campaign.id for campaign in campaigns]
    skus = db.session.execute(select(SKU, Product).join(Product, Product.id == SKU.product_id)
                              .where(Product.status == Product.ON_SALE).order_by(Product.id, SKU.id).limit(500)).all()
    sku_labels = {sku.id: f"{product.title} {sku.label()}".strip() for sku, product in skus}
    missing = {campaign.sku_id for campaign in campaigns} - set(sku_labels)
    for sku, product in db.session.execute(select(SKU, Product).join(Product, Product.id == SKU.product_id)
                                           .where(SKU.id.in_(missing))).all():
        sku_labels[sku.id] = f"{product.title} {sku.label()}".strip()
    return render_template("builder/group_buys/list.html", campaigns=campaigns, skus=skus, sku_labels=sku_labels,
                           results=campaign_results(group_buy_orders(ids)), teams=team_counts(ids), now=utcnow(),
                           error=error, entered=request.form, can_edit=current_user.can_edit()), status


@console_bp.route("/group-buys", methods=["POST"])
def group_buy_create():
    require_editor()
    form = request.form
    try:
        price = parse_yuan(form.get("group_price", ""))
        if price is None:
            raise GroupBuyProblem(_("Enter the group price in yuan, e.g. 39.90."), field="group_price", status=422)
        sku = form.get("sku_id", "")
        create_group_buy(actor=current_user._get_current_object(), title=form.get("title"),
                         sku_id=int(sku) if sku.isdigit() else -1, group_price=price, size=_whole(form.get("size")),
                         hours=_whole(form.get("hours")), ends_at=_china_time(form.get("ends_at")),
                         virtual_success=form.get("virtual_success") == "on")
    except DomainError as refusal:
        db.session.rollback()
        return _render(refusal, refusal.status)
    db.session.commit()
    flash(_("Group buy started."), "success")
    return redirect(url_for("console.group_buys_list"))


@console_bp.route("/group-buys/<int:campaign_id>/<any(pause, resume):action>", methods=["POST"])
def group_buy_toggle(campaign_id, action):
    require_editor()
    campaign = db.session.scalar(select(GroupBuy).where(GroupBuy.id == campaign_id)) or abort(404)
    set_group_buy_status(campaign, GroupBuy.PAUSED if action == "pause" else GroupBuy.ACTIVE,
                         actor=current_user._get_current_object())
    db.session.commit()
    return redirect(url_for("console.group_buys_list"))
