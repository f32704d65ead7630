"""Blueprints of the store hosts: the H5 storefront (pages, cart and checkout, the shopper's
own pages, campaigns) and, beside it, the mini-program API (``api``), media and WeChat Pay's
notifications."""
from flask import Blueprint

from tenants.middleware import STORE, serve_on

storefront_bp = serve_on(STORE, Blueprint("storefront", __name__, template_folder="../templates",
                                          static_folder="../static", static_url_path="/assets/store"))

from storefront.views import (  # noqa: E402,F401  (routes)
    bargains,
    browse,
    coupons,
    distribution,
    group_buys,
    member_auth,
    member_card,
    member_center,
    shopping,
    top_ups,
)
