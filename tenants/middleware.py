"""Per-request tenant resolution: sets ``g.site``, ``g.tenant`` and the tenant context.

Blueprints declare which site they serve (``SITE_BLUEPRINTS``); a platform screen asked
for on a store host, or a store page on the platform host, is a 404 like any unknown path.
"""
from flask import current_app, g, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import NotFound

from core import health
from core.errors import error_response
from core.extensions import db
from core.tenancy import enter_tenant, leave_tenant
from tenants.errors import StoreClosed
from tenants.models import Tenant
from tenants.resolve import PLATFORM, STORE, StoreNotFound, resolve_tenant

# Blueprint name → the site it belongs to. Blueprints absent here serve both.
SITE_BLUEPRINTS = {}


def serve_on(site, blueprint):
    """Declare that ``blueprint`` answers only on ``site`` (PLATFORM or STORE)."""
    SITE_BLUEPRINTS[blueprint.name] = site
    return blueprint


def init_app(app):
    app.before_request(_resolve_request_tenant)
    app.teardown_request(_leave_request_tenant)
    app.register_error_handler(StoreNotFound, _store_not_found)


def _store_not_found(exc):
    return error_response(
        404,
        _l("There is no store at this address. Check the link, or ask the shop for its current address."),
        title=_l("Store not found"),
        code="store_not_found",
        template="errors/store_not_found.html",
    )


def _resolve_request_tenant():
    g.site, g.tenant = PLATFORM, None
    if request.endpoint == "static" or request.endpoint in health.ENDPOINTS:
        return None
    try:
        resolution = resolve_tenant(
            request.host,
            platform_domain=current_app.config["PLATFORM_DOMAIN"],
            path=request.path,
            appid_header=request.headers.get("X-Duoshop-AppID"),
            referer=request.headers.get("Referer"),
        )
    except StoreNotFound:
        g.site = STORE
        raise
    g.site, g.tenant = resolution.site, resolution.tenant
    if g.tenant is not None:
        g._tenant_token = enter_tenant(g.tenant.id)
        if g.site == STORE and g.tenant.status == Tenant.SUSPENDED:
            raise StoreClosed()  # before any page or cached page; nothing changes, the console stays open
    wanted = SITE_BLUEPRINTS.get(request.blueprint)
    if wanted is not None and wanted != g.site:
        raise NotFound()
    return None


def _leave_request_tenant(exc):
    token = g.pop("_tenant_token", None)
    if token is not None:
        # End the request's transaction while still in its tenant: leaving then has no open
        # transaction whose row-level-security setting would need moving (a round trip).
        db.session.remove()
        leave_tenant(token)


__all__ = ["PLATFORM", "STORE", "SITE_BLUEPRINTS", "init_app", "serve_on"]
