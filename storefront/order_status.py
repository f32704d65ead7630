"""How an order's status reads to the shopper, on the H5 pages and in the API: the words, and
the groups the order lists filter by."""
from flask_babel import gettext as _

from commerce.orders.models import Order

# The API's order filters (the H5 tabs): each a group of statuses.
STATUS_GROUPS = {
    "unpaid": (Order.PENDING_PAYMENT,),
    "unshipped": (Order.PAID, Order.PARTIALLY_SHIPPED),
    "shipped": (Order.SHIPPED,),
    "done": (Order.COMPLETED,),
    "closed": (Order.CANCELLED, Order.REFUNDING, Order.REFUNDED),
}


def status_group(status):
    return next(group for group, statuses in STATUS_GROUPS.items() if status in statuses)


def status_labels():
    return {Order.PENDING_PAYMENT: _("Waiting for payment"), Order.PAID: _("Paid, to be shipped"),
            Order.PARTIALLY_SHIPPED: _("Partly shipped"), Order.SHIPPED: _("Shipped"),
            Order.COMPLETED: _("Completed"), Order.CANCELLED: _("Cancelled"),
            Order.REFUNDING: _("Refund in progress"), Order.REFUNDED: _("Refunded")}
