"""The one place a store's plan limits are read and checked.

Services that create limited things call ``require(what)`` first (products, staff
invites, pages, custom domains, mini-program AppIDs, marketing campaigns, media uploads).
A downgrade never deletes anything: a store above its new limit keeps every row and is
only refused new ones until it is back under the limit or upgrades.

``UpgradeRequired`` is a 403, not a 402: RFC 9110 keeps 402 "reserved for future use"
and clients treat it inconsistently, while 403 says exactly what happened — understood,
refused for this account, repeating the request will not help — and every console view
already turns a 4xx ``DomainError`` into a flashed message. Its message names the limit
and the plan that allows more, and ``extra`` carries ``upgrade_url`` (/console/billing)
for problem+json answers.

The gate sits here, below the domain it guards, so every package may call it. It knows no
package above tenants: each owner registers what it counts (``count_rows("products",
Product)`` in the catalog, ``"pages"`` in themes), and billing, which sells the plans,
registers where a store's plan is read (``plan_source``). Counting happens in the current
tenant context (the ORM scopes every count).
"""
import os

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from core.errors import DomainError
from core.extensions import db
from core.storage import media_storage
from core.tenancy import current_tenant_id, tenant_context
from tenants.models import Domain, MiniProgram, StaffUser
from tenants.plans import PLANS, TRIAL_PLAN, plan

MB = 1024 * 1024

# what → (Entitlements field, usage key, how to name it in a message)
LIMITS = {
    "products": ("max_products", "products"),
    "staff": ("staff_seats", "staff"),
    "pages": ("pages", "pages"),
    "custom_domain": ("custom_domain", "domains"),
    "mini_programs": ("mini_programs", "mini_programs"),
    "marketing": ("marketing", None),
    "storage": ("storage_mb", "storage_mb"),
}


def _label(what):
    return {"products": _("products"), "staff": _("staff seats"), "pages": _("pages"),
            "custom_domain": _("custom domains"), "mini_programs": _("mini-program AppIDs"),
            "marketing": _("marketing tools"), "storage": _("media storage (MB)")}[what]


class UpgradeRequired(DomainError):
    """The store's plan does not allow this; ``what`` names the limit, ``plan_code`` the
    smallest plan that would (None if none does)."""

    status = 403

    def __init__(self, message, *, what, plan_code=None):
        super().__init__(message, field=None, extra={"limit": what, "upgrade_plan": plan_code or "",
                                                     "upgrade_url": _billing_url()})
        self.what, self.plan_code = what, plan_code


def _billing_url():
    return url_for("console.billing") if has_request_context() and _has_billing_route() else "/console/billing"


def _has_billing_route():
    return "console.billing" in current_app.view_functions


_counted = {}  # usage key → the tenant-scoped model whose rows count against the limit
_plan_sources = []  # billing's reader of a store's plan code


def count_rows(key, model):
    """Let ``require`` and ``usage_of`` count ``model``'s rows as usage ``key``."""
    _counted[key] = model


def plan_source(read):
    """Register ``read(tenant_id) -> plan code or None`` (decorator). Billing owns subscriptions."""
    _plan_sources[:] = [read]
    return read


count_rows("staff", StaffUser)
count_rows("domains", Domain)
count_rows("mini_programs", MiniProgram)


def _current_plan(tenant_id=None):
    """The store's plan. A store without a subscription (made before billing existed, or in
    a process without billing) is treated as on the trial plan."""
    code = _plan_sources[0](tenant_id) if _plan_sources else None
    return plan(code or TRIAL_PLAN)


def entitlements_of(tenant_id=None):
    """What the store's plan allows now."""
    return _current_plan(tenant_id).entitlements


def _count(key):
    model = _counted[key]
    return db.session.scalar(select(func.count(model.id)))


def usage_of(tenant_id=None):
    """What the store uses: counts of products, staff, pages, domains, mini_programs and
    ``storage_mb`` (rounded up), for the limits and the usage bars."""
    tenant_id = tenant_id if tenant_id is not None else current_tenant_id()
    with tenant_context(tenant_id):
        usage = {key: _count(key) for key in _counted}
    usage["storage_mb"] = -(-storage_bytes(tenant_id) // MB)
    return usage


def storage_bytes(tenant_id):
    """Bytes of the store's media files. Local storage is measured on disk; an S3 bucket is
    not listed on every upload (too slow) and counts as 0 until uploads keep a size ledger."""
    root = getattr(media_storage(), "root", None)
    folder = os.path.join(str(root), str(int(tenant_id))) if root else None
    if not folder or not os.path.isdir(folder):
        return 0
    return sum(entry.stat().st_size for entry in os.scandir(folder) if entry.is_file())


def require(what, *, adding=1):
    """Refuse unless the plan allows ``adding`` more of ``what`` (``adding`` is bytes for
    ``"storage"``; ignored for the on/off features ``custom_domain`` and ``marketing``).

    :raise UpgradeRequired: over the limit or feature not in the plan
    """
    field, usage_key = LIMITS[what]
    allowed = getattr(entitlements_of(), field)
    if isinstance(allowed, bool):
        if not allowed:
            raise _refusal(what, field, None)
        return
    if allowed is None:
        return
    if what == "storage":
        used = storage_bytes(current_tenant_id())
        if used + adding > allowed * MB:
            raise _refusal(what, field, allowed)
        return
    if _count(usage_key) + adding > allowed:
        raise _refusal(what, field, allowed)


def _refusal(what, field, allowed):
    current = _current_plan()
    better = next((p for p in PLANS.values() if p.rank() > current.rank() and _allows_more(p, field, allowed)), None)
    if not allowed:
        message = _("Your %(plan)s plan does not include %(what)s.", plan=current.name, what=_label(what))
    else:
        message = _("Your %(plan)s plan allows %(n)d %(what)s.", plan=current.name, n=allowed, what=_label(what))
    if better is not None:
        message += " " + _("Upgrade to %(plan)s in Billing to get more.", plan=better.name)
    return UpgradeRequired(message, what=what, plan_code=better.code if better else None)


def _allows_more(candidate, field, allowed):
    value = getattr(candidate.entitlements, field)
    if isinstance(value, bool):
        return value
    return value is None or allowed is None or value > allowed
