"""Platform-admin verbs: accounts, and actions on stores. Every action is audited."""
from sqlalchemy import select

from billing.models import PlatformAdmin
from core.audit import record_audit
from core.extensions import db


def create_platform_admin(*, email, password):
    email = email.strip().lower()
    admin = db.session.scalar(select(PlatformAdmin).where(PlatformAdmin.email == email))
    if admin is None:
        admin = PlatformAdmin(email=email)
        db.session.add(admin)
    admin.set_password(password)
    db.session.flush()
    record_audit("platform.admin_saved", actor=None, target=admin, details={"email": email})
    return admin


def authenticate_admin(*, email, password):
    admin = db.session.scalar(select(PlatformAdmin).where(PlatformAdmin.email == (email or "").strip().lower()))
    if admin is None or not admin.active or not admin.check_password(password):
        return None
    return admin


def set_domain_verified(*, actor, domain, verified):
    """Until the DNS TXT check job exists, a platform admin confirms domain ownership."""
    domain.verified = verified
    record_audit("domain.verified" if verified else "domain.unverified", actor=actor,
                 tenant_id=domain.tenant_id, target=domain, details={"hostname": domain.hostname})
    return domain
