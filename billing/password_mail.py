"""Forgotten passwords of platform admins, and the e-mails that carry every reset link.

A reset asked for on a sign-in page publishes an outbox event naming the account (ids only);
the subscribers here make the link (``core.password_reset``: signed, 30 minutes, spent by
the new password) and send it with ``billing.mail.send_email`` — so a slow or failing mail
server never holds up or breaks the page, and a failure is retried.
"""
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from billing.mail import send_email
from billing.models import PlatformAdmin
from core.audit import record_audit
from core.extensions import db
from core.login_throttle import forget_failures
from core.outbox import publish, subscriber
from core.password_reset import MAX_AGE, account_for_reset, reset_token
from tenants.models import StaffUser, Tenant
from tenants.service import check_password_strength
from tenants.staff_login import PASSWORD_RESET_WANTED, password_reset_token

ADMIN_REALM = "platform"  # the login throttle's name for platform admins
ADMIN_RESET_WANTED = "platform_admin.password_reset_wanted"
ADMIN_RESET_PURPOSE = "admin-password-reset"


def _link(path):
    config = current_app.config
    return f"{config['PREFERRED_URL_SCHEME']}://{config['PLATFORM_DOMAIN']}{path}"


def _send_reset_link(to, locale, link, account_label):
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = _("Reset your Duoshop password")
        body = _("Someone (we hope you) asked to reset the password of %(account)s.\n\n"
                 "Choose a new password here within %(minutes)d minutes:\n%(link)s\n\n"
                 "The link works once. If you did not ask, ignore this e-mail: your password stays as it is.",
                 account=account_label, minutes=MAX_AGE // 60, link=link)
    send_email(to, subject, body)


@subscriber(PASSWORD_RESET_WANTED, queue="high")
def mail_staff_reset_link(event):
    """Runs in the account's store: the link, and the e-mail in the store's outbox or by SMTP."""
    user = db.session.get(StaffUser, event.payload["staff_id"])
    if user is None or not user.active or not user.password_hash:
        return
    store = db.session.get(Tenant, user.tenant_id)
    _send_reset_link(user.email, user.locale, _link(f"/console/password/reset/{password_reset_token(user)}"),
                     f"{user.email} · {store.name}")


# --- platform admins ------------------------------------------------------------------------

def request_admin_password_reset(email):
    """Announce a reset link for the admin with ``email`` (nothing when there is none; the
    answer to the visitor is the same). Not committed."""
    admin = db.session.scalar(select(PlatformAdmin).where(PlatformAdmin.email == (email or "").strip().lower(),
                                                           PlatformAdmin.active.is_(True)))
    if admin is not None:
        publish(ADMIN_RESET_WANTED, tenant_id=None, admin_id=admin.id)


@subscriber(ADMIN_RESET_WANTED, queue="high")
def mail_admin_reset_link(event):
    admin = db.session.get(PlatformAdmin, event.payload["admin_id"])
    if admin is None or not admin.active:
        return
    token = reset_token(ADMIN_RESET_PURPOSE, [admin.id], admin.password_hash)
    _send_reset_link(admin.email, None, _link(f"/platform/password/reset/{token}"), admin.email)


def admin_for_reset(token):
    """The admin a reset link names, while it is fresh and unused, else None."""
    def find(admin_id):
        admin = db.session.get(PlatformAdmin, admin_id)
        return admin if admin is not None and admin.active else None

    return account_for_reset(ADMIN_RESET_PURPOSE, token, find)


def reset_admin_password(admin, password):
    """Set the new password (spending the link), forget failed sign-ins, audit. Not committed.

    :raise WeakPassword: the password is too weak
    """
    check_password_strength(password, email=admin.email)
    admin.set_password(password)
    forget_failures(ADMIN_REALM, admin.email)
    record_audit("platform.password_reset", actor=admin, target=admin)
    return admin
