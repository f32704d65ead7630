"""The store hosts' routes: the H5 storefront (pages, cart and checkout, the shopper's own
pages, campaigns) attached to ``storefront.blueprints``, and beside them the mini-program API
(``api``), media and WeChat Pay's notifications."""
from storefront.views import (  # noqa: F401  (each module attaches its routes)
    addresses,
    bargains,
    beacon,
    browse,
    coupons,
    data_rights,
    distribution,
    group_buys,
    member_auth,
    member_card,
    member_center,
    presales,
    privacy,
    share_cards,
    shopping,
    support,
    top_ups,
)
