"""Pre-sales (预售) in the console: the store's pre-sales with units booked and orders paid, a
page at a time, a form to create one (full payment, or deposit + balance), pause/resume,
and the store's threshold for spreading a big pre-sale over its warehouses."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from builder.blueprints import console_bp
from builder.forms.marketing import PRESALE_ROWS, PresaleForm, PresaleSettingsForm
from builder.views.catalog import require_editor
from commerce.marketing.presales.models import Presale
from commerce.marketing.presales.queries import (
    find_presale,
    presale_figures,
    presale_order_pairs,
    presale_settings,
    store_presales,
)
from commerce.marketing.presales.service import (
    create_presale,
    save_presale_settings,
    set_presale_status,
    store_warehouses,
)
from commerce.marketing.queries import sku_labels, skus_on_sale
from commerce.marketing.results import campaign_results
from core.models import utcnow
from core.refusals import Attempt


@console_bp.route("/presales")
def presales_list():
    settings = presale_settings()
    return _render(PresaleForm(), PresaleSettingsForm(split_threshold=settings.split_threshold,
                                                      warehouses=settings.warehouses or ""))


@console_bp.route("/presales", methods=["POST"])
def presale_create():
    require_editor()
    form = PresaleForm()
    settings = presale_settings()
    settings_form = PresaleSettingsForm(formdata=None, split_threshold=settings.split_threshold,
                                        warehouses=settings.warehouses or "")
    if not form.validate_on_submit():
        return _render(form, settings_form, 422)
    with Attempt(form, field="title") as attempt:
        create_presale(actor=current_user._get_current_object(), **form.arguments())
    if attempt.refused:
        return _render(form, settings_form, attempt.status)
    flash(_("Pre-sale created."), "success")
    return redirect(url_for("console.presales_list"))


@console_bp.route("/presales/settings", methods=["POST"])
def presale_settings_save():
    require_editor()
    form = PresaleSettingsForm()
    if not form.validate_on_submit():
        return _render(PresaleForm(formdata=None), form, 422)
    with Attempt(form, field="split_threshold") as attempt:
        save_presale_settings(actor=current_user._get_current_object(), split_threshold=form.split_threshold.data,
                              warehouses=form.warehouses.data)
    if attempt.refused:
        return _render(PresaleForm(formdata=None), form, attempt.status)
    flash(_("Pre-sale settings saved."), "success")
    return redirect(url_for("console.presales_list"))


@console_bp.route("/presales/<int:presale_id>/<any(pause, resume):action>", methods=["POST"])
def presale_toggle(presale_id, action):
    require_editor()
    presale = find_presale(presale_id) or abort(404)
    with Attempt():
        set_presale_status(presale, Presale.PAUSED if action == "pause" else Presale.ACTIVE,
                           actor=current_user._get_current_object())
    return redirect(url_for("console.presales_list"))


def _render(form, settings_form, status=200):
    page = store_presales(cursor=request.args.get("cursor"))
    skus = skus_on_sale()
    labels = sku_labels({item.sku_id for presale in page.items for item in presale.items}, also=skus)
    return render_template("builder/presales/list.html", page=page, presales=page.items, skus=skus,
                           sku_labels=labels, figures=presale_figures(page.items),
                           results=campaign_results(presale_order_pairs([p.id for p in page.items])), form=form,
                           settings_form=settings_form, warehouses=store_warehouses(), rows=range(PRESALE_ROWS),
                           now=utcnow(), can_edit=current_user.can_edit()), status
