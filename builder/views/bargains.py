"""Bargains (砍价) in the console: the store's campaigns with their results, a form to
schedule one on a SKU, pause/resume, and a results page per campaign (who started, who
helped, what was bought)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from builder.views import console_bp
from builder.views.catalog import require_editor
from builder.views.flash_sales import _china_time, _whole
from commerce.catalog.models import SKU, Product
from commerce.marketing.bargains.errors import BargainProblem
from commerce.marketing.bargains.models import BargainCampaign
from commerce.marketing.bargains.queries import (
    BargainResults,
    bargain_results,
    campaign_bargains,
    store_bargain_campaigns,
)
from commerce.marketing.bargains.service import create_bargain_campaign, set_bargain_campaign_status
from core.errors import DomainError
from core.extensions import db
from core.models import utcnow
from core.money import parse_yuan


@console_bp.route("/bargains")
def bargains_list():
    return _render()


def _render(error=None, status=200):
    campaigns = store_bargain_campaigns()
    skus = db.session.execute(select(SKU, Product).join(Product, Product.id == SKU.product_id)
                              .where(Product.status == Product.ON_SALE).order_by(Product.id, SKU.id).limit(500)).all()
    return render_template("builder/bargains/list.html", campaigns=campaigns, skus=skus,
                           sku_labels=_sku_labels({c.sku_id for c in campaigns} | {sku.id for sku, _p in skus}),
                           results=bargain_results(c.id for c in campaigns), now=utcnow(), error=error,
                           entered=request.form, can_edit=current_user.can_edit()), status


@console_bp.route("/bargains", methods=["POST"])
def bargain_campaign_create():
    require_editor()
    form = request.form
    try:
        floor = parse_yuan(form.get("floor_price", ""))
        if floor is None:
            raise BargainProblem(_("Enter the floor price in yuan, e.g. 9.90."), field="floor_price", status=422)
        sku = form.get("sku_id", "")
        create_bargain_campaign(actor=current_user._get_current_object(), title=form.get("title"),
                                sku_id=int(sku) if sku.isdigit() else -1, floor_price=floor,
                                max_helps=_whole(form.get("max_helps")), hours=_whole(form.get("hours")),
                                starts_at=_china_time(form.get("starts_at")), ends_at=_china_time(form.get("ends_at")))
    except DomainError as refusal:
        db.session.rollback()
        return _render(refusal, refusal.status)
    db.session.commit()
    flash(_("Bargain scheduled."), "success")
    return redirect(url_for("console.bargains_list"))


@console_bp.route("/bargains/<int:campaign_id>/<any(pause, resume):action>", methods=["POST"])
def bargain_campaign_toggle(campaign_id, action):
    require_editor()
    campaign = _campaign(campaign_id)
    set_bargain_campaign_status(campaign, BargainCampaign.PAUSED if action == "pause" else BargainCampaign.ACTIVE,
                                actor=current_user._get_current_object())
    db.session.commit()
    return redirect(url_for("console.bargains_list"))


@console_bp.route("/bargains/<int:campaign_id>")
def bargain_campaign_results(campaign_id):
    campaign = _campaign(campaign_id)
    return render_template("builder/bargains/results.html", campaign=campaign,
                           result=bargain_results([campaign.id]).get(campaign.id, BargainResults()),
                           bargains=campaign_bargains(campaign.id), sku_labels=_sku_labels({campaign.sku_id}),
                           now=utcnow())


def _campaign(campaign_id):
    """:raise 404: no such campaign in this store"""
    return db.session.scalar(select(BargainCampaign).where(BargainCampaign.id == campaign_id)) or abort(404)


def _sku_labels(sku_ids):
    rows = db.session.execute(select(SKU, Product).join(Product, Product.id == SKU.product_id)
                              .where(SKU.id.in_(list(sku_ids)))).all() if sku_ids else []
    return {sku.id: f"{product.title} {sku.label()}".strip() for sku, product in rows}
