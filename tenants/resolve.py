"""Which store does a request belong to? Host first, then the mini-program AppID.

- the platform host (``PLATFORM_DOMAIN``) serves sign-up, consoles and ``/api``;
- ``{slug}.{PLATFORM_DOMAIN}`` and verified custom domains serve that store;
- on the platform host, ``/api`` requests name their store by AppID: the
  ``X-Duoshop-AppID`` header or the mini-program Referer
  ``https://servicewechat.com/{appid}/{version}/page-frame.html``. The AppID is a routing
  hint anyone can forge, never proof of identity.
"""
import re
from dataclasses import dataclass

from sqlalchemy import select

from core.extensions import db
from tenants.context import unscoped
from tenants.models import RESERVED_SLUGS, Domain, MiniProgram, Tenant

APPID_PATTERN = re.compile(r"^wx[0-9a-f]{16}$")
MINIPROGRAM_REFERER = re.compile(
    r"^https://servicewechat\.com/(?P<appid>wx[0-9a-f]{16})/(?:\d+|devtools)/page-frame\.html$"
)

PLATFORM = "platform"
STORE = "store"


class StoreNotFound(LookupError):
    """No store answers to this host or AppID."""


@dataclass(frozen=True)
class Resolution:
    site: str  # PLATFORM or STORE
    tenant: Tenant | None


def normalize_host(host):
    """``Demo.LocalHost:5000.`` → ``demo.localhost``; IPv6 literals keep their brackets."""
    host = (host or "").strip().lower()
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0].rstrip(".") if ":" in host else host.rstrip(".")


def appid_from_request(header_value, referer):
    """The AppID a mini-program call names, or None. A malformed one is ignored."""
    if header_value:
        value = header_value.strip()
        return value if APPID_PATTERN.match(value) else None
    match = MINIPROGRAM_REFERER.match((referer or "").strip())
    return match.group("appid") if match else None


def resolve_tenant(host, *, platform_domain, path="/", appid_header=None, referer=None):
    """Return the ``Resolution`` for a request, or raise ``StoreNotFound``."""
    hostname = normalize_host(host)
    platform_host = normalize_host(platform_domain)
    if hostname in (platform_host, f"www.{platform_host}"):
        if path.startswith("/api/"):
            appid = appid_from_request(appid_header, referer)
            if appid:
                return Resolution(STORE, _tenant_by_appid(appid))
        return Resolution(PLATFORM, None)
    suffix = f".{platform_host}"
    if hostname.endswith(suffix):
        slug = hostname[: -len(suffix)]
        if "." in slug or slug in RESERVED_SLUGS:
            raise StoreNotFound(hostname)
        tenant = db.session.execute(select(Tenant).where(Tenant.slug == slug)).scalar_one_or_none()
    else:
        tenant = _tenant_by_domain(hostname)
    if tenant is None:
        raise StoreNotFound(hostname)
    return Resolution(STORE, tenant)


def _tenant_by_domain(hostname):
    with unscoped():  # routing reads every store's domains by design
        return db.session.execute(
            select(Tenant).join(Domain, Domain.tenant_id == Tenant.id).where(
                Domain.hostname == hostname, Domain.verified.is_(True)
            )
        ).scalar_one_or_none()


def _tenant_by_appid(appid):
    with unscoped():
        tenant = db.session.execute(
            select(Tenant).join(MiniProgram, MiniProgram.tenant_id == Tenant.id).where(MiniProgram.appid == appid)
        ).scalar_one_or_none()
    if tenant is None:
        raise StoreNotFound(appid)
    return tenant
