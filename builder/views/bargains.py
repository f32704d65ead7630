"""Bargains (砍价) in the console: the store's campaigns with their results, a page at a time,
a form to schedule one on a SKU, pause/resume, and a results page per campaign (who started,
who helped, what was bought)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from builder.blueprints import console_bp
from builder.forms.marketing import BargainCampaignForm
from builder.views.catalog import require_editor
from commerce.marketing.bargains.models import BargainCampaign
from commerce.marketing.bargains.queries import (
    BargainResults,
    bargain_results,
    campaign_bargains,
    find_bargain_campaign,
    store_bargain_campaigns,
)
from commerce.marketing.bargains.service import create_bargain_campaign, set_bargain_campaign_status
from commerce.marketing.queries import sku_labels, skus_on_sale
from core.models import utcnow
from core.refusals import Attempt


@console_bp.route("/bargains")
def bargains_list():
    return _render(BargainCampaignForm())


@console_bp.route("/bargains", methods=["POST"])
def bargain_campaign_create():
    require_editor()
    form = BargainCampaignForm()
    if not form.validate_on_submit():
        return _render(form, 422)
    with Attempt(form, field="title") as attempt:
        create_bargain_campaign(actor=current_user._get_current_object(), **form.arguments())
    if attempt.refused:
        return _render(form, attempt.status)
    flash(_("Bargain scheduled."), "success")
    return redirect(url_for("console.bargains_list"))


@console_bp.route("/bargains/<int:campaign_id>/<any(pause, resume):action>", methods=["POST"])
def bargain_campaign_toggle(campaign_id, action):
    require_editor()
    campaign = _campaign(campaign_id)
    with Attempt():
        set_bargain_campaign_status(campaign, BargainCampaign.PAUSED if action == "pause" else BargainCampaign.ACTIVE,
                                    actor=current_user._get_current_object())
    return redirect(url_for("console.bargains_list"))


@console_bp.route("/bargains/<int:campaign_id>")
def bargain_campaign_results(campaign_id):
    campaign = _campaign(campaign_id)
    return render_template("builder/bargains/results.html", campaign=campaign,
                           result=bargain_results([campaign.id]).get(campaign.id, BargainResults()),
                           bargains=campaign_bargains(campaign.id), sku_labels=sku_labels({campaign.sku_id}),
                           now=utcnow())


def _campaign(campaign_id):
    """:raise 404: no such campaign in this store"""
    return find_bargain_campaign(campaign_id) or abort(404)


def _render(form, status=200):
    page = store_bargain_campaigns(cursor=request.args.get("cursor"))
    skus = skus_on_sale()
    return render_template("builder/bargains/list.html", page=page, campaigns=page.items, skus=skus,
                           sku_labels=sku_labels({campaign.sku_id for campaign in page.items}, also=skus),
                           results=bargain_results(campaign.id for campaign in page.items), now=utcnow(), form=form,
                           can_edit=current_user.can_edit()), status
