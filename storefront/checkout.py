"""The one checkout of the storefront: the cart's, a group buy's and a bargain's.

A route says what is bought (a ``Purchase``); ``check_out`` shows the page with the quote
``place_order`` will charge and, when the form is posted, places the order once and sends the
shopper to pay. A refusal — a typo, an address outside the delivery area, a coupon gone — shows
the page again with its message and writes nothing.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from commerce.analytics.events import CHECKOUT_STARTED, ORDER_PLACED
from commerce.members.addresses import save_address
from commerce.members.queries import member_address, member_addresses
from commerce.orders.cart import CartLine, current_price, line_problem, sku_and_product
from commerce.orders.service import Wanted, place_order
from commerce.pricing import Item, quote_for
from commerce.pricing.rules import Campaign
from commerce.shipping.divisions import divisions
from core.form_checks import check_form
from core.models import utcnow
from core.refusals import Attempt
from core.script_integrity import pin_page_scripts
from storefront.forms import CheckoutForm
from storefront.shopper import become_member, current_member
from storefront.visits import track_visit
from storefront.wechat_address import wechat_address_source


@dataclass(frozen=True)
class Purchase:
    """What one checkout buys; the route that makes it says which."""

    lines: Callable[[], list]  # the ``CartLine``s shown and ordered; asked again once a guest became a member
    campaign: Campaign | None = None  # checked out through: its price, no coupons or points
    form_action: str | None = None  # where the page posts; the cart's checkout when None
    placed: Callable[[list], None] = lambda lines: None  # more to do in the order's transaction
    shown: dict = field(default_factory=dict)  # what else the page shows (the group buy, the team)


def one_unit(sku_id, price, *, seen_price):
    """The one line of a campaign's checkout: one unit of the SKU at the campaign's ``price``
    (fen); ``seen_price`` is what ``place_order`` holds the shopper to (None: whatever the
    campaign's price is by then, as a bargain's moves while friends help)."""
    sku, product = sku_and_product(sku_id)
    return CartLine(SimpleNamespace(quantity=1, seen_price=seen_price), sku, product, price, None)


def bought_now(sku_id, quantity):
    """A line bought straight from the product (立即购买, not through the cart) at today's
    price, flagged like a cart line when it cannot be had. :raise NoResultFound: no such SKU"""
    sku, product = sku_and_product(sku_id)
    return CartLine(SimpleNamespace(quantity=quantity, seen_price=None), sku, product, current_price(sku),
                    line_problem(product, sku, quantity))


def quote_lines(lines, *, member_id, province_code, coupon_ids, use_points, campaign=None):
    """The one quote of ``CartLine``s, as the checkout page shows it and ``place_lines``
    charges it (coupon_ids None: the combination that takes off most)."""
    return quote_for([(line.sku, line.product) for line in lines],
                     [Item(line.sku.id, line.item.quantity) for line in lines],
                     member_id=member_id, province_code=province_code, campaign=campaign,
                     coupon_ids=coupon_ids, use_points=use_points, now=utcnow())


def place_lines(lines, *, member_id, address, note, coupon_ids, use_points, campaign=None, request_id=None):
    """The order of ``CartLine``s, each held to the price the shopper saw (``place_order``)."""
    return place_order(member_id=member_id, address=address, note=note, coupon_ids=coupon_ids,
                       use_points=use_points, campaign=campaign, request_id=request_id,
                       wanted=[Wanted(line.sku.id, line.item.quantity, line.item.seen_price) for line in lines])


def check_out(purchase):
    """GET: the checkout page. POST: the order placed, then the pay page; or the page again
    with the refusal (422/409) and nothing written. Nothing to buy: back to the cart."""
    form = CheckoutForm()
    lines = purchase.lines()
    if not lines:
        flash(_("Your cart is empty."), "error")
        return redirect(url_for("storefront.cart"))
    if not form.is_submitted():
        track_visit(CHECKOUT_STARTED)
        return render_checkout(purchase, lines, form)
    if any(line.problem for line in lines):
        return render_checkout(purchase, lines, form, status=409, error=_(
            "Some items cannot be bought as they are. Change them in your cart first."))
    with Attempt(form, flash=False) as attempt:
        check_form(form)
        member = become_member()  # a guest's cart becomes the member's here
        lines = purchase.lines()
        order = place_lines(lines, member_id=member.id, address=_delivery_address(member, form), note=form.note.data,
                            coupon_ids=[] if purchase.campaign else form.coupon_id.data,
                            use_points=purchase.campaign is None and form.points.data, campaign=purchase.campaign)
        purchase.placed(lines)
    if attempt.refused:
        return render_checkout(purchase, purchase.lines(), form, error=attempt.refusal, status=attempt.status)
    track_visit(ORDER_PLACED, order_id=order.id, amount=order.total)
    return redirect(url_for("storefront.order_pay", number=order.number))


def _delivery_address(member, form):
    """The saved address chosen, else the new one typed (saved to the member's address book,
    as their default when it is their first).

    :raise InvalidAddress: a typed field at fault
    """
    if form.address_id.data is not None:
        return member_address(member.id, form.address_id.data)  # None (not theirs): place_order refuses
    return save_address(member.id, **form.new_address())


def render_checkout(purchase, lines, form, *, error=None, status=200):
    pin_page_scripts()  # a payment page: only the inventoried scripts, by full URL (storefront.script_inventory)
    member = current_member()
    addresses = member_addresses(member.id) if member else []
    quote = checkout_quote(purchase, lines, addresses, form, member)
    problem = next((refusal.message for refusal in quote.refusals if refusal.kind == "address"), None)
    priced = {line.sku_id for line in quote.lines}
    return render_template("storefront/checkout.html", form=form, lines=lines, quote=quote, addresses=addresses,
                           offers_discounts=purchase.campaign is None, shipping_problem=problem, error=error,
                           divisions=divisions(), wechat_address=wechat_address_source(),
                           form_action=purchase.form_action,
                           problems={line.sku.id: line.problem for line in lines if line.problem},
                           unpriced=[line for line in lines if line.sku.id not in priced], **purchase.shown), status


def checkout_quote(purchase, lines, addresses, form, member):
    """The quote of the checkout page: the shopper's coupon choice once they posted the form,
    else the combination that takes off most, for the address chosen (else the first one). A
    campaign's checkout offers no coupons or points."""
    posted = form.is_submitted()
    typed = posted and form.address_id.data is None  # a new address, typed on the page
    chosen = None if typed else next((a for a in addresses if a.id == form.address_id.data),
                                     addresses[0] if addresses else None)
    province = chosen.province_code if chosen else form.province_code.data or None
    discounts = purchase.campaign is None
    return quote_lines(lines, member_id=member.id if member else None, province_code=province,
                       campaign=purchase.campaign, coupon_ids=(form.coupon_id.data if posted else None) if discounts else [],
                       use_points=discounts and bool(form.points.data))
