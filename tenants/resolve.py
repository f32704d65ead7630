"""Which store does a request belong to? Host first, then the mini-program AppID.

- the platform host (``PLATFORM_DOMAIN``) serves sign-up, consoles and ``/api``;
- ``{slug}.{PLATFORM_DOMAIN}`` and verified custom domains serve that store;
- on the platform host, ``/api`` requests name their store by AppID: the
  ``X-Duoshop-AppID`` header or the mini-program Referer
  ``https://servicewechat.com/{appid}/{version}/page-frame.html``. The AppID is a routing
  hint anyone can forge, never proof of identity.

Every store request asks, so answers are kept in the process for ``ROUTE_TTL`` seconds as
``StoreRef`` values (plain frozen data, safe to share between threads, unlike an ORM row
bound to one session). A committed change to a tenant, domain or AppID empties this
process's cache at once, and every other process's (other web hosts too) before its next
request, through Redis (``core.cache.announce``); the TTL only bounds what an announcement
lost with Redis could leave. Misses are not kept, so a new store or a newly verified domain
answers at once everywhere.
"""
import re
import threading
import time
import zlib
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from core.cache import announce, hear_other_processes, memory_epoch, on_announcement
from core.database import savepoint_only
from core.extensions import db
from core.tenancy import unscoped
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
class StoreRef:
    """What a request needs of its store, detached from any database session."""

    id: int
    slug: str
    name: str
    status: str
    logo_url: str | None
    created_at: datetime

    def is_open(self):
        return self.status == Tenant.ACTIVE

    @property
    def cache_namespace(self):
        """Changes with the store's name and logo, and differs between two stores that got
        the same id in two databases (tests, benchmarks), so cached pages never cross."""
        looks = zlib.crc32(f"{self.name}\n{self.logo_url}".encode())
        return f"{self.created_at.timestamp():.6f}:{looks:08x}"

    @classmethod
    def of(cls, tenant):
        return cls(tenant.id, tenant.slug, tenant.name, tenant.status, tenant.logo_url, tenant.created_at)


@dataclass(frozen=True)
class Resolution:
    site: str  # PLATFORM or STORE
    tenant: StoreRef | None


ROUTE_TTL = 5.0  # seconds a process keeps an answer (when Redis lost the announcement of a change)
ROUTES_CHANGED = "routes"  # what ``announce`` calls a change to a tenant, domain or AppID
_ROUTE_CACHE_MAX = 10_000
_routes = {}  # ("host" | "appid", name) → (expires at, StoreRef)
_routes_lock = threading.Lock()


def _cached(kind, name, load):
    """The StoreRef for ``name`` from this process's cache, else ``load()`` (None: no store)."""
    now = time.monotonic()
    entry = _routes.get((kind, name)) if hear_other_processes() else None  # heard first: it may forget this entry
    if entry is not None and entry[0] > now:
        return entry[1]
    epoch = memory_epoch()
    tenant = load()
    if tenant is None:
        return None
    ref = StoreRef.of(tenant)
    if memory_epoch() is not epoch:  # routes were forgotten meanwhile: this answer may be what was forgotten
        return ref
    with _routes_lock:
        if len(_routes) >= _ROUTE_CACHE_MAX:
            _routes.clear()
        _routes[(kind, name)] = (now + ROUTE_TTL, ref)
    return ref


def remembered_store(host):
    """The StoreRef this process holds for a store host and has not expired, else None. No
    database: for ``storefront.page_layer``, which sends anything else to the full path.
    Hears other processes first (needs an app context): a store changed on another host is
    not remembered here any more."""
    if not hear_other_processes():
        return None
    entry = _routes.get(("host", normalize_host(host)))
    return entry[1] if entry is not None and entry[0] > time.monotonic() else None


@on_announcement(ROUTES_CHANGED)
def forget_routes():
    """Empty this process's host/AppID cache (done after any routing change commits, here
    and, through ``core.cache.announce``, in every other process)."""
    with _routes_lock:
        _routes.clear()


def store_origin(tenant):
    """``https://<slug>.<platform domain>``: where the store's pages and media answer for anyone
    (the mini-program loads its images from here; it has no host of its own)."""
    return f"{current_app.config['PREFERRED_URL_SCHEME']}://{tenant.slug}.{current_app.config['PLATFORM_DOMAIN']}"


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
                tenant = _cached("appid", appid, lambda: _tenant_by_appid(appid))
                if tenant is None:
                    raise StoreNotFound(appid)
                return Resolution(STORE, tenant)
        return Resolution(PLATFORM, None)
    suffix = f".{platform_host}"
    if hostname.endswith(suffix):
        slug = hostname[: -len(suffix)]
        if "." in slug or slug in RESERVED_SLUGS:
            raise StoreNotFound(hostname)
        tenant = _cached("host", hostname, lambda: db.session.execute(
            select(Tenant).where(Tenant.slug == slug)).scalar_one_or_none())
    else:
        tenant = _cached("host", hostname, lambda: _tenant_by_domain(hostname))
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
        return db.session.execute(
            select(Tenant).join(MiniProgram, MiniProgram.tenant_id == Tenant.id).where(MiniProgram.appid == appid)
        ).scalar_one_or_none()


ROUTING_MODELS = (Tenant, Domain, MiniProgram)
_ROUTING_CHANGED = "duoshop_routing_changed"


@event.listens_for(Session, "after_flush")
def _remember_routing_change(session, flush_context):
    if any(isinstance(obj, ROUTING_MODELS) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info[_ROUTING_CHANGED] = True


@event.listens_for(Session, "after_bulk_update")
@event.listens_for(Session, "after_bulk_delete")
def _remember_bulk_routing_change(context):
    if context.mapper.class_ in ROUTING_MODELS:
        context.session.info[_ROUTING_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _forget_routes_after_change(session):
    if not savepoint_only(session) and session.info.pop(_ROUTING_CHANGED, False):
        forget_routes()
        announce(ROUTES_CHANGED)


@event.listens_for(Session, "after_rollback")
def _keep_routes_after_rollback(session):
    if not savepoint_only(session):
        session.info.pop(_ROUTING_CHANGED, None)
