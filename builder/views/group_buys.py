"""Group buys in the console: the store's campaigns with their teams (open, succeeded,
failed) and results, a page at a time, a form to start one on a SKU, and pause/resume."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from builder.blueprints import console_bp
from builder.forms.marketing import GroupBuyForm
from builder.views.catalog import require_editor
from commerce.marketing.group_buys.models import GroupBuy
from commerce.marketing.group_buys.queries import find_group_buy, group_buy_orders, store_group_buys, team_counts
from commerce.marketing.group_buys.service import create_group_buy, set_group_buy_status
from commerce.marketing.queries import sku_labels, skus_on_sale
from commerce.marketing.results import campaign_results
from core.models import utcnow
from core.refusals import Attempt


@console_bp.route("/group-buys")
def group_buys_list():
    return _render(GroupBuyForm())


@console_bp.route("/group-buys", methods=["POST"])
def group_buy_create():
    require_editor()
    form = GroupBuyForm()
    if not form.validate_on_submit():
        return _render(form, 422)
    with Attempt(form, field="title") as attempt:
        create_group_buy(actor=current_user._get_current_object(), **form.arguments())
    if attempt.refused:
        return _render(form, attempt.status)
    flash(_("Group buy started."), "success")
    return redirect(url_for("console.group_buys_list"))


@console_bp.route("/group-buys/<int:campaign_id>/<any(pause, resume):action>", methods=["POST"])
def group_buy_toggle(campaign_id, action):
    require_editor()
    campaign = find_group_buy(campaign_id) or abort(404)
    with Attempt():
        set_group_buy_status(campaign, GroupBuy.PAUSED if action == "pause" else GroupBuy.ACTIVE,
                             actor=current_user._get_current_object())
    return redirect(url_for("console.group_buys_list"))


def _render(form, status=200):
    page = store_group_buys(cursor=request.args.get("cursor"))
    ids = [campaign.id for campaign in page.items]
    skus = skus_on_sale()
    return render_template("builder/group_buys/list.html", page=page, campaigns=page.items, skus=skus,
                           sku_labels=sku_labels({campaign.sku_id for campaign in page.items}, also=skus),
                           results=campaign_results(group_buy_orders(ids)), teams=team_counts(ids), now=utcnow(),
                           form=form, can_edit=current_user.can_edit()), status
