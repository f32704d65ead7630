"""Loading a staff account from its session id, bound to the store it belongs to."""
from flask import g

from core.auth import register_user_loader
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import StaffUser


def load_staff(rest):
    """``rest`` is ``tenant_id:user_id``. A staff session never counts on another store's host."""
    try:
        tenant_id, user_id = (int(part) for part in rest.split(":"))
    except ValueError:
        return None
    request_tenant = g.get("tenant")
    if request_tenant is not None and request_tenant.id != tenant_id:
        return None
    with tenant_context(tenant_id):
        user = db.session.get(StaffUser, user_id)
    return user if user is not None and user.active else None


register_user_loader("staff", load_staff)
