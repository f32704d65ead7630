"""Where a menu button, a news card or a push leads: a store page, product, category, the
shop's home, 全部商品, 个人中心, a mini-program page or an https URL. A target is a dict
``{"type": …, "value": …}`` checked here and turned into the store's absolute URL."""
import re

from flask_babel import lazy_gettext as _l

from channels.wechat_mp.errors import OfficialAccountRefused
from core.extensions import db
from core.tenancy import current_tenant_id
from tenants.models import Tenant
from tenants.resolve import store_origin

# type → store path (``{value}`` filled in); None: the value is the link itself.
PATHS = {"home": "/", "catalog": "/products", "member": "/me", "page": "/p/{value}",
         "product": "/products/{value}", "category": "/c/{value}", "url": None}
WITH_VALUE = ("page", "product", "category", "url")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
MAX_URL_BYTES = 1024


def target_choices():
    return [("home", _l("Store home")), ("catalog", _l("All products (分类)")), ("member", _l("Member centre")),
            ("page", _l("Store page")), ("product", _l("Product")), ("category", _l("Category")),
            ("url", _l("Web address"))]


def clean_target(kind, value, *, field):
    """``{"type", "value"}`` once ``kind`` and ``value`` make sense.

    :raise OfficialAccountRefused: on ``field``
    """
    value = (value or "").strip()
    if kind not in PATHS:
        raise OfficialAccountRefused(_l("Choose where it leads."), field=field)
    if kind not in WITH_VALUE:
        return {"type": kind, "value": ""}
    if kind in ("product", "category") and not value.isdigit():
        raise OfficialAccountRefused(_l("Enter the number (ID) shown in the console's list."), field=field)
    if kind == "page" and not SLUG.match(value):
        raise OfficialAccountRefused(_l("Enter the page's address name, like summer-sale."), field=field)
    if kind == "url" and (not value.startswith("https://") or len(value.encode()) > MAX_URL_BYTES):
        raise OfficialAccountRefused(_l("Enter a web address starting with https://."), field=field)
    return {"type": kind, "value": value}


def target_url(target):
    """The absolute URL of ``target`` in the current store."""
    path = PATHS.get(target.get("type"))
    if path is None:
        return target.get("value") or ""
    return store_origin(db.session.get(Tenant, current_tenant_id())) + path.format(value=target.get("value", ""))


def absolute_url(link):
    """A picture's address as WeChat can fetch it: a store path (``/media/…``) on the store's host."""
    if link and link.startswith("/"):
        return target_url({"type": "home"}).rstrip("/") + link
    return link or ""
