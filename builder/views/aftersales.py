"""After-sales requests waiting for the merchant, a page at a time: look at the reason and
photos, approve (the refund goes through WeChat Pay) or reject with a note."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from builder.blueprints import console_bp
from builder.forms.orders import AfterSaleDecisionForm
from commerce.aftersales.queries import after_sale_by_id, waiting_page
from commerce.aftersales.service import approve_after_sale, reasons, reject_after_sale
from commerce.orders.models import Refund
from commerce.orders.queries import orders_by_id
from core.form_checks import check_form
from core.refusals import Attempt
from core.storage import media_url

PAGE_SIZE = 50


@console_bp.route("/after-sales")
def after_sales_list():
    page = waiting_page(per_page=PAGE_SIZE, cursor=request.args.get("cursor"))
    return render_template("builder/aftersales/list.html", page=page, waiting=page.items,
                           orders=orders_by_id([item.order_id for item in page.items]), reasons=reasons(),
                           photo_url=media_url, can_edit=current_user.can_edit())


@console_bp.route("/after-sales/<int:request_id>/<any(approve, reject):decision>", methods=["POST"])
def after_sale_decide(request_id, decision):
    if not current_user.can_edit():
        abort(403)
    found = after_sale_by_id(request_id) or abort(404)
    actor = current_user._get_current_object()
    form = AfterSaleDecisionForm()
    with Attempt() as attempt:  # a refusal is flashed above the list
        check_form(form)
        if decision == "approve":  # commits its own steps (commerce.orders.refunds)
            refund = approve_after_sale(found, actor=actor, note=form.note.data)
            done = (_("Refund submitted to WeChat Pay, awaiting its confirmation.") if refund.status == Refund.SUBMITTED
                    else _("Refund sent to WeChat Pay."))
        else:
            reject_after_sale(found, actor=actor, note=form.note.data)
            done = _("Request rejected.")
    if not attempt.refused:
        flash(done, "success")
    return redirect(url_for("console.after_sales_list"))
