"""WeChat Pay's notifications about invoices: ``POST /billing/wechatpay/notify`` on the
platform host (the ``notify_url`` of every invoice's Native prepay).

204 when applied, already applied (a replay changes nothing) or an event we do not act on;
401 for a notification that does not verify or names no invoice of ours (logged, nothing
changed); a 500 lets WeChat retry later when something on our side failed.
"""
import logging

from flask import Blueprint, Response, request

from billing.invoices import apply_invoice_notification
from core.extensions import csrf, db
from payments import InvalidNotification
from tenants.middleware import PLATFORM, serve_on

log = logging.getLogger(__name__)

billing_notify_bp = serve_on(PLATFORM, Blueprint("billing_notify", __name__))
csrf.exempt(billing_notify_bp)  # WeChat signs its notifications; it has no cookie and no form token


@billing_notify_bp.route("/billing/wechatpay/notify", methods=["POST"])
def invoice_notification():
    try:
        outcome = apply_invoice_notification(dict(request.headers), request.get_data())
    except InvalidNotification as refusal:
        db.session.rollback()
        log.warning("refused a WeChat Pay invoice notification from %s: %s", request.remote_addr, refusal.message)
        return Response('{"code":"FAIL","message":"signature"}', status=401, mimetype="application/json")
    log.info("WeChat Pay invoice notification: %s", outcome)
    return Response(status=204)
