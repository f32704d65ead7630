"""What the campaigns (coupons, flash sales, group buys, bargains, distribution — above
orders) do when an order changes, registered by them at import and called by orders
INSIDE the transaction that changes the order: each takes or gives back something
reserved with the order (a coupon, flash units, a team seat, a bargain), so it must
commit or roll back together with the change. Work that may happen after the commit goes
through the outbox instead (``order.paid``, ``order.refunded`` … with ``@subscriber``).

Moments and what a hook receives and returns:

- ``placed(order, *, quote, now)``: the pending order was just written from ``quote``;
  a hook may raise a ``DomainError`` to refuse the order (all of it is rolled back).
- ``paid(order)``: the "pay" transition went through; a hook returns True to hold the
  order back from the packing lists (a team order ships once its team has succeeded).
- ``cancelled(order)``: the unpaid order was cancelled (its stock is back already).
- ``completed(order)``: the order completed (confirmed by the shopper or the sweep).
- ``shipped(order, parcels)``: parcels (``Parcel`` rows, flushed) were just recorded for the
  order; a hook may record what went in them (the inventory's batches) or raise to refuse.
- ``restock_changed(line)``: a refund put units of ``line`` back on sale, or a failed refund
  took them off again (``line.refunded_quantity`` is already the new count).
- ``price_now(sku)``: what the SKU sells for right now in a campaign, or None; the first
  price given wins (the cart shows it).
"""
MOMENTS = ("placed", "paid", "cancelled", "completed", "shipped", "restock_changed", "price_now")
_hooks: dict[str, dict[str, object]] = {moment: {} for moment in MOMENTS}


def order_hook(moment):
    """Register the decorated function for ``moment`` (once per function, however often
    its module is imported)."""
    if moment not in MOMENTS:
        raise ValueError(f"unknown order moment {moment!r}")

    def register(hook):
        _hooks[moment][f"{hook.__module__}.{hook.__qualname__}"] = hook
        return hook

    return register


def run_order_hooks(moment, *args, **kwargs):
    """Call every hook of ``moment``, in registration order; their answers as a list."""
    return [hook(*args, **kwargs) for hook in _hooks[moment].values()]


def price_now(sku):
    """A campaign's price for ``sku`` right now, else None."""
    return next((price for price in run_order_hooks("price_now", sku) if price is not None), None)
