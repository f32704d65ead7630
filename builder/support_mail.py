"""The e-mail of a 客服 reminder or escalation: ``commerce.support`` writes the notice and
its outbox event in one transaction (once per ticket and kind), and this subscriber sends
it through the store's mail outbox (``billing.mail.send_email``) — a failing mail server is
retried by the outbox and never holds up the sweep."""
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from billing.mail import send_email
from commerce.support.models import Notice, Ticket
from commerce.support.service import NOTICE_DUE
from core.extensions import db
from core.outbox import subscriber
from tenants.models import StaffUser


@subscriber(NOTICE_DUE, queue="high")
def mail_support_notice(event):
    notice = db.session.get(Notice, event.payload["notice_id"])
    staff = db.session.get(StaffUser, notice.staff_id) if notice is not None else None
    if staff is None or not staff.active:
        return
    ticket = db.session.get(Ticket, notice.ticket_id)
    config = current_app.config
    link = (f"{config['PREFERRED_URL_SCHEME']}://{config['PLATFORM_DOMAIN']}/console/support"
            f"?c={ticket.conversation_id}")
    with force_locale(staff.locale or config["BABEL_DEFAULT_LOCALE"]):
        if notice.kind == Notice.REMINDER:
            subject = _("A customer has waited 20 minutes for a reply")
            body = _("Ticket #%(id)d has had no reply for 20 minutes. Answer within 30 minutes:\n%(link)s",
                     id=ticket.id, link=link)
        else:
            subject = _("Escalated: a customer has waited 30 minutes without a reply")
            body = _("Ticket #%(id)d has had no reply for 30 minutes and is escalated to you:\n%(link)s",
                     id=ticket.id, link=link)
    send_email(staff.email, subject, body)
