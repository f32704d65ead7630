"""The ext.json committed with the template for one store: one mini-program template
serves every merchant, and reads which store it is from ``wx.getExtConfigSync()``."""
import json

from flask import current_app

from core.extensions import db
from core.tenancy import current_tenant_id
from tenants.models import Tenant
from tenants.resolve import store_origin
from themes.pages import store_colors, store_theme


def store_ext(authorizer_appid):
    """``{"extAppid", "ext": {api_base, store_host, store_name, logo_url, theme, colors}}``
    of the store whose context this is."""
    cfg = current_app.config
    tenant = db.session.get(Tenant, current_tenant_id())
    scheme = "https"  # a mini-program may call HTTPS hosts only; the sandbox ignores it
    if cfg.get("WECHAT_OPEN_SANDBOX"):
        scheme = cfg.get("PREFERRED_URL_SCHEME") or "http"
    platform = cfg["PLATFORM_DOMAIN"]
    return {"extEnable": True, "extAppid": authorizer_appid, "ext": {
        "api_base": f"{scheme}://{platform}/api/v1",
        "store_host": f"{tenant.slug}.{platform}",
        "store_name": tenant.name,
        "logo_url": _absolute(tenant, tenant.logo_url),
        "theme": store_theme().theme,
        "colors": store_colors(),
    }}


def _absolute(tenant, link):
    """The logo as the mini-program can load it: a store path (``/media/…``) on the store's host."""
    if not link or link.startswith(("http://", "https://")):
        return link or ""
    return store_origin(tenant) + link


def store_ext_json(authorizer_appid):
    return json.dumps(store_ext(authorizer_appid), ensure_ascii=False, separators=(",", ":"))
