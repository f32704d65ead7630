"""Verbs on stores and their staff. Each takes its actor explicitly and does not commit;
the caller (a view or a job) owns the transaction."""
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from core.audit import record_audit
from core.emails import normalize_email
from core.extensions import db
from core.tenancy import tenant_context, unscoped
from tenants.entitlements import require
from tenants.errors import AlreadyTaken, InvalidValue, NotAllowed, SlugInvalid, SlugUnavailable, WeakPassword
from tenants.models import RESERVED_SLUGS, SLUG_PATTERN, Domain, MiniProgram, StaffUser, Tenant
from tenants.resolve import APPID_PATTERN, normalize_host

MIN_PASSWORD_LENGTH = 10
_UNKNOWN_ACCOUNT_HASH = generate_password_hash(secrets.token_hex(16))


def check_slug(slug):
    """Raise unless ``slug`` is a well-formed, unreserved, free store address."""
    if not SLUG_PATTERN.match(slug or ""):
        raise SlugInvalid(_l("Use 3–32 lowercase letters, digits or hyphens, starting and ending with a letter or digit."))
    if slug in RESERVED_SLUGS:
        raise SlugInvalid(_l("“%(slug)s” is reserved. Please choose another store address.", slug=slug))
    if db.session.scalar(select(func.count()).select_from(Tenant).where(Tenant.slug == slug)):
        raise SlugUnavailable(slug)


def check_password_strength(password, *, email=""):
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise WeakPassword(_l("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
    if password.isdigit() or password.isalpha():
        raise WeakPassword(_l("Mix letters with digits or symbols."))
    if email and password.lower() == email.lower():
        raise WeakPassword(_l("The password must not be your email address."))


def sign_up_merchant(*, email, password, store_name, slug):
    """Create the store and its owner; provisioning finishes in a job.

    The owner row is written here, in the same transaction as the store, so the password
    hash never travels through the job queue and the merchant can sign in at once.
    """
    slug = (slug or "").strip().lower()
    email = normalize_email(email)
    check_slug(slug)
    check_password_strength(password, email=email)
    tenant = Tenant(slug=slug, name=store_name.strip(), status=Tenant.PROVISIONING, contact_email=email)
    db.session.add(tenant)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise SlugUnavailable(slug) from None
    with tenant_context(tenant):
        owner = StaffUser(email=email, role=StaffUser.OWNER)
        owner.set_password(password)
        db.session.add(owner)
        db.session.flush()
        record_audit("store.signed_up", actor=owner, target=tenant, details={"slug": slug})
    return tenant, owner


def authenticate_staff(*, slug, email, password):
    """The active staff account for these credentials, or None (never says which part was wrong)."""
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == (slug or "").strip().lower()))
    user = None
    if tenant is not None:
        with tenant_context(tenant):
            user = db.session.scalar(select(StaffUser).where(StaffUser.email == (email or "").strip().lower()))
    if user is None:
        check_password_hash(_UNKNOWN_ACCOUNT_HASH, password or "")  # same work: timing names no account
        return None
    return user if user.active and user.check_password(password) else None


def invite_staff(*, actor, email, role):
    """Add a staff account that sets its password from an invite link."""
    _require_staff_manager(actor)
    _check_assignable_role(actor, role)
    require("staff")
    email = normalize_email(email)
    if db.session.scalar(select(StaffUser).where(StaffUser.email == email)):
        raise AlreadyTaken(_l("%(email)s is already on the team.", email=email), field="email")
    user = StaffUser(email=email, role=role, invite_token=secrets.token_urlsafe(32))
    db.session.add(user)
    db.session.flush()
    record_audit("staff.invited", actor=actor, target=user, details={"email": email, "role": role})
    return user


def accept_invite(*, token, password):
    user = db.session.scalar(select(StaffUser).where(StaffUser.invite_token == token))
    if user is None:
        return None
    check_password_strength(password, email=user.email)
    user.set_password(password)
    user.invite_token = None
    record_audit("staff.invite_accepted", actor=user, target=user)
    return user


def change_staff_role(*, actor, user, role):
    _require_staff_manager(actor)
    _check_assignable_role(actor, role)
    if user.role == StaffUser.OWNER:
        raise NotAllowed(_l("The owner's role cannot be changed here."))
    old = user.role
    user.role = role
    record_audit("staff.role_changed", actor=actor, target=user, details={"from": old, "to": role})
    return user


def update_store_settings(*, actor, tenant, name, contact_email, contact_phone, logo_url):
    if actor.role not in StaffUser.STAFF_MANAGERS:
        raise NotAllowed(_l("Only the owner or an admin can change store settings."))
    tenant.name = name.strip()
    tenant.contact_email = normalize_email(contact_email, field="contact_email") if contact_email else None
    tenant.contact_phone = (contact_phone or "").strip() or None
    tenant.logo_url = (logo_url or "").strip() or None
    record_audit("store.settings_changed", actor=actor, target=tenant)
    return tenant


def add_custom_domain(*, actor, hostname):
    _require_staff_manager(actor)
    require("custom_domain")
    hostname = normalize_host(hostname)
    if not hostname or "." not in hostname:
        raise InvalidValue(_l("Enter a domain such as shop.example.com."), field="hostname")
    domain = _claim_unique(
        Domain(hostname=hostname, verification_token=secrets.token_hex(16)),
        Domain.hostname == hostname,
        AlreadyTaken(_l("%(host)s is already connected to a store.", host=hostname), field="hostname"),
    )
    record_audit("domain.added", actor=actor, target=domain, details={"hostname": hostname})
    return domain


def add_mini_program(*, actor, appid, name=None):
    _require_staff_manager(actor)
    require("mini_programs")
    appid = (appid or "").strip()
    if not APPID_PATTERN.match(appid):
        raise InvalidValue(_l("A WeChat AppID looks like wx followed by 16 hexadecimal characters."), field="appid")
    program = _claim_unique(
        MiniProgram(appid=appid, name=(name or "").strip() or None),
        MiniProgram.appid == appid,
        AlreadyTaken(_l("AppID %(appid)s is already bound to a store.", appid=appid), field="appid"),
    )
    record_audit("miniprogram.added", actor=actor, target=program, details={"appid": appid})
    return program


def _require_staff_manager(actor):
    if not actor.can_manage_staff():
        raise NotAllowed(_l("Only the owner or an admin can do this."))


def _check_assignable_role(actor, role):
    if role not in StaffUser.ROLES or role == StaffUser.OWNER:
        raise InvalidValue(_l("Choose admin, operator or viewer."), field="role")
    if role == StaffUser.ADMIN and actor.role != StaffUser.OWNER:
        raise NotAllowed(_l("Only the owner can make someone an admin."))


def _claim_unique(row, taken_clause, refusal):
    """Insert ``row`` whose value must be unique across all stores, or raise ``refusal``."""
    with unscoped():  # uniqueness is platform-wide: another store may hold the value
        if db.session.scalar(select(func.count()).select_from(type(row)).where(taken_clause)):
            raise refusal
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise refusal from None
    return row
