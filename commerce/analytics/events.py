"""The kinds of behaviour event a store records, each with the fields it carries besides
store, visitor, member, channel and time (``commerce.analytics.collect.track`` checks them)."""

PAGE_VIEW = "page_view"  # a store page was shown: page = home / page / list / product
PRODUCT_VIEW = "product_view"  # a product's page: product_id
SEARCH = "search"  # a search: words, result_count
ADD_TO_CART = "add_to_cart"  # product_id
CHECKOUT_STARTED = "checkout_started"  # the checkout page was opened with goods in it
ORDER_PLACED = "order_placed"  # order_id, amount = the order's total (fen)
ORDER_PAID = "order_paid"  # order_id, amount = paid fen (server side, from "order.paid")
ORDER_REFUNDED = "order_refunded"  # order_id, amount = refunded fen (server side, from "order.refunded")
COUPON_CLAIMED = "coupon_claimed"  # a member claimed a coupon: coupon_id
COUPON_USED = "coupon_used"  # order_id, coupon_id (server side, when a paid order used it)
SHARE = "share"  # a shopper shared a page or product: product_id when a product

KINDS = (PAGE_VIEW, PRODUCT_VIEW, SEARCH, ADD_TO_CART, CHECKOUT_STARTED, ORDER_PLACED, ORDER_PAID,
         ORDER_REFUNDED, COUPON_CLAIMED, COUPON_USED, SHARE)

# What a client (the beacon, the mini-program) may report; the rest are recorded by the server
# where they happen, so a forged client event cannot inflate orders or GMV.
CLIENT_KINDS = (PAGE_VIEW, PRODUCT_VIEW, SEARCH, SHARE)

# Page kinds of a page_view.
PAGES = ("home", "page", "list", "product", "search", "cart", "other")
