"""The mini-program JSON API, ``/api/v1``: one module per area, all on ``api_bp``, every
operation described by its pydantic models (``storefront.api.spec``)."""
from storefront.api import (  # noqa: F401 — each module adds its routes to api_bp
    addresses,
    aftersales,
    campaigns,
    catalog,
    coupons,
    data_rights,
    distribution,
    events,
    members,
    orders,
    presales,
    privacy,
    session,
    shopping,
    support,
)
from storefront.api.blueprint import api_bp

__all__ = ["api_bp"]
