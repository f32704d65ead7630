"""Blueprints of the control plane: the platform site (landing, sign-up) and /console."""
from flask import Blueprint

from tenants.middleware import PLATFORM, serve_on

site_bp = serve_on(PLATFORM, Blueprint("site", __name__, template_folder="../templates"))
console_bp = serve_on(PLATFORM, Blueprint("console", __name__, url_prefix="/console",
                                          template_folder="../templates"))

from builder.views import (  # noqa: E402,F401  (routes)
    aftersales,
    auth,
    bargains,
    billing,
    catalog,
    catalog_csv,
    coupons,
    dashboard,
    design,
    distribution,
    flash_sales,
    fulfillment,
    group_buys,
    marketing,
    members,
    orders,
    pages,
    settings,
    shipping,
    site,
    staff,
)
