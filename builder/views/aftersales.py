"""After-sales requests waiting for the merchant: look at the reason and photos, approve
(the refund goes through WeChat Pay) or reject with a note."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from builder.views import console_bp
from commerce.aftersales.models import AfterSale
from commerce.aftersales.service import approve_after_sale, reasons, reject_after_sale, requests_waiting
from commerce.orders.models import Order, Refund
from core.errors import DomainError
from core.extensions import db
from core.storage import media_url


@console_bp.route("/after-sales")
def after_sales_list():
    waiting = requests_waiting()
    orders = {order.id: order for order in db.session.scalars(
        select(Order).where(Order.id.in_([r.order_id for r in waiting])))} if waiting else {}
    return render_template("builder/aftersales/list.html", waiting=waiting, orders=orders, reasons=reasons(),
                           photo_url=media_url, can_edit=current_user.can_edit())


@console_bp.route("/after-sales/<int:request_id>/<any(approve, reject):decision>", methods=["POST"])
def after_sale_decide(request_id, decision):
    if not current_user.can_edit():
        abort(403)
    found = db.session.scalar(select(AfterSale).where(AfterSale.id == request_id)) or abort(404)
    actor = current_user._get_current_object()
    try:
        if decision == "approve":  # commits its own steps (commerce.orders.refunds)
            refund = approve_after_sale(found, actor=actor, note=request.form.get("note"))
            done = (_("Refund submitted to WeChat Pay, awaiting its confirmation.") if refund.status == Refund.SUBMITTED
                    else _("Refund sent to WeChat Pay."))
        else:
            reject_after_sale(found, actor=actor, note=request.form.get("note"))
            done = _("Request rejected.")
    except DomainError as refusal:
        db.session.rollback()
        flash(str(refusal.message), "error")
        return redirect(url_for("console.after_sales_list"))
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("console.after_sales_list"))
