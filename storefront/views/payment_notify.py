"""WeChat Pay's notifications about store orders and top-ups of stored value:
``POST /payments/wechatpay/notify/<tenant>`` on the platform host (the ``notify_url`` of
every prepay). A payment whose ``out_trade_no`` starts with "T" is a top-up.

Answered within WeChat's few seconds: 204 when applied, a duplicate, or an event we do
not act on; 401 for a notification that does not verify (logged, nothing changed); 500
lets WeChat retry later when something on our side failed.
"""
import logging

from flask import Blueprint, Response, abort, request
from sqlalchemy import select

from commerce.members.top_ups import apply_top_up_notification, is_top_up_number
from commerce.orders.payments import apply_order_notification, read_notification
from core.extensions import csrf, db
from core.tenancy import tenant_context, unscoped
from payments import InvalidNotification
from tenants.middleware import PLATFORM, serve_on
from tenants.models import Tenant

log = logging.getLogger(__name__)

notify_bp = serve_on(PLATFORM, Blueprint("payment_notify", __name__))
csrf.exempt(notify_bp)  # WeChat signs its notifications; it has no cookie and no form token


@notify_bp.route("/payments/wechatpay/notify/<int:tenant_id>", methods=["POST"])
def wechatpay_notification(tenant_id):
    with unscoped():
        known = db.session.scalar(select(Tenant.id).where(Tenant.id == tenant_id))
    if known is None:
        abort(404)
    with tenant_context(tenant_id):
        try:
            envelope, resource = read_notification(tenant_id, dict(request.headers), request.get_data())
            if envelope.get("event_type") == "TRANSACTION.SUCCESS" and is_top_up_number(resource.get("out_trade_no")):
                outcome = apply_top_up_notification(envelope, resource)
            else:
                outcome = apply_order_notification(envelope, resource)
        except InvalidNotification as refusal:
            db.session.rollback()
            log.warning("refused a WeChat Pay notification for store %s from %s: %s", tenant_id,
                        request.remote_addr, refusal.message)
            return Response('{"code":"FAIL","message":"signature"}', status=401, mimetype="application/json")
    log.info("WeChat Pay notification for store %s: %s", tenant_id, outcome)
    return Response(status=204)
