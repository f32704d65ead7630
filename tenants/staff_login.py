"""Staff signing in by e-mail alone, and resetting a forgotten password.

An address may work for several stores (one ``StaffUser`` per store): signing in with the
address and password finds every store where that pair is right, so a merchant needs no
store address to sign in (and picks a store when there are several). A reset asked for an
address sends one link per store account: the links are made and mailed by the subscriber
of ``PASSWORD_RESET_WANTED`` (``billing.password_mail``), never inside the request.
"""

from sqlalchemy import select

from core.audit import record_audit
from core.extensions import db
from core.login_throttle import forget_failures
from core.outbox import publish
from core.password_reset import account_for_reset, reset_token
from core.passwords import spend_a_check
from core.tenancy import tenant_context, unscoped
from tenants.models import StaffUser, Tenant
from tenants.service import check_password_strength

REALM = "console"  # the login throttle's name for staff accounts
PASSWORD_RESET_WANTED = "staff.password_reset_wanted"
RESET_PURPOSE = "staff-password-reset"


def _accounts_with_email(email):
    email = (email or "").strip().lower()
    with unscoped():  # deliberate: an address signs in to each store it works for
        return db.session.scalars(
            select(StaffUser).join(Tenant, Tenant.id == StaffUser.tenant_id)
            .where(StaffUser.email == email, StaffUser.active.is_(True), StaffUser.password_hash.is_not(None))
            .order_by(Tenant.name, Tenant.id)).all()


def authenticate_staff_by_email(*, email, password):
    """Every active staff account, in any store, with this e-mail and password ([] when
    none: the caller never says whether the address exists)."""
    accounts = _accounts_with_email(email)
    if not accounts:
        spend_a_check(password)
    return [user for user in accounts if user.check_password(password or "")]


def stores_of(accounts):
    """``{tenant id: Tenant}`` for the stores of these accounts."""
    ids = {user.tenant_id for user in accounts}
    return {tenant.id: tenant for tenant in db.session.scalars(select(Tenant).where(Tenant.id.in_(ids)))}


def request_password_reset(email):
    """Announce a reset link for each store account of ``email`` (nothing when there is
    none; the answer to the visitor is the same). Not committed."""
    for user in _accounts_with_email(email):
        publish(PASSWORD_RESET_WANTED, tenant_id=user.tenant_id, staff_id=user.id)


def password_reset_token(user):
    return reset_token(RESET_PURPOSE, [user.tenant_id, user.id], user.password_hash)


def staff_for_reset(token):
    """The staff account a reset link names, while it is fresh and unused, else None."""
    def find(tenant_id, user_id):
        with tenant_context(tenant_id):
            user = db.session.get(StaffUser, user_id)
        return user if user is not None and user.active else None

    return account_for_reset(RESET_PURPOSE, token, find)


def reset_password(user, password):
    """Set the new password (the link is spent with the old hash), forget failed sign-ins,
    audit. Not committed.

    :raise WeakPassword: the password is too weak
    """
    check_password_strength(password, email=user.email)
    with tenant_context(user.tenant_id):
        user.set_password(password)
        forget_failures(REALM, user.email)
        record_audit("staff.password_reset", actor=user, target=user)
    return user
