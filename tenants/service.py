"""Verbs on stores and their staff. Each takes its actor explicitly and does not commit;
the caller (a view or a job) owns the transaction."""
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError

from core.audit import record_audit
from core.emails import normalize_email
from core.extensions import db
from core.models import utcnow
from core.passwords import spend_a_check
from core.tenancy import tenant_context, unscoped
from tenants.domains import checked_hostname, claim_expires_at, publishes_token, record_name, record_value
from tenants.entitlements import require
from tenants.errors import AlreadyTaken, InvalidValue, NotAllowed, SlugInvalid, SlugUnavailable, WeakPassword
from tenants.models import RESERVED_SLUGS, SLUG_PATTERN, Domain, MiniProgram, StaffUser, Tenant
from tenants.resolve import APPID_PATTERN

MIN_PASSWORD_LENGTH = 10


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
        spend_a_check(password)
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
    """Claim ``hostname`` for the current store, pending until its DNS proves it
    (``tenants.domains``). Another store's *verified* hostname is refused; a pending claim
    elsewhere is not (it may be a squatter's, and it blocks nobody)."""
    _require_staff_manager(actor)
    require("custom_domain")
    hostname = checked_hostname(hostname)
    mine = db.session.scalar(select(Domain).where(Domain.hostname == hostname))
    if mine is not None and (mine.verified or claim_expires_at(mine) > utcnow()):
        raise AlreadyTaken(_l("You have already added %(host)s.", host=hostname), field="hostname")
    if mine is not None:  # an expired claim the sweep has not cleared yet: start afresh
        db.session.delete(mine)
        db.session.flush()
    domain = _claim_unique(
        Domain(hostname=hostname, verification_token=secrets.token_hex(16)),
        and_(Domain.hostname == hostname, Domain.verified.is_(True)),
        _domain_taken(hostname),
    )
    record_audit("domain.added", actor=actor, target=domain, details={"hostname": hostname})
    return domain


def verify_domain(*, actor, domain, now=None):
    """Verify the current store's pending ``domain`` by its DNS TXT record; from then on it
    routes to the store and no other store can claim it.

    :raise InvalidValue: the record is not there (yet), or the claim expired
    :raise DnsUnavailable: DNS did not answer
    :raise AlreadyTaken: another store verified the hostname first
    """
    _require_staff_manager(actor)
    if domain.verified:
        return domain
    if claim_expires_at(domain) <= (now or utcnow()):
        raise InvalidValue(_l("This claim has expired: add the domain again for a new token."))
    if not publishes_token(domain):
        raise InvalidValue(_l("No TXT record %(value)s at %(name)s yet. DNS changes can take a few minutes to show.",
                              value=record_value(domain), name=record_name(domain)))
    mark_domain_verified(domain, actor=actor)
    return domain


def mark_domain_verified(domain, *, actor):
    """Make ``domain`` its store's verified hostname (a DNS check passed, or a platform
    admin vouched for it).

    :raise AlreadyTaken: another store holds the hostname verified
    """
    with unscoped():  # deliberate: whether another store already holds the hostname
        taken = db.session.scalar(select(Domain.id).where(Domain.hostname == domain.hostname,
                                                          Domain.verified.is_(True), Domain.id != domain.id))
    if taken is not None:
        raise _domain_taken(domain.hostname)
    domain.verified = True
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise _domain_taken(domain.hostname) from None
    record_audit("domain.verified", actor=actor, tenant_id=domain.tenant_id, target=domain,
                 details={"hostname": domain.hostname})
    return domain


def _domain_taken(hostname):
    return AlreadyTaken(_l("%(host)s is already connected to a store.", host=hostname), field="hostname")


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
