"""Cart, checkout, paying and the shopper's orders (store hosts).

Views parse the form, call one service, commit, and redirect; a refusal re-renders or
flashes its message and writes nothing.
"""
from urllib.parse import urlparse

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from commerce.aftersales.service import ELIGIBLE, open_request, order_requests, reasons, request_after_sale
from commerce.marketing.group_buys.queries import team_of_order
from commerce.members.addresses import member_addresses, save_address
from commerce.orders.cart import add_to_cart, cart_lines, set_quantity
from commerce.orders.models import Order
from commerce.orders.payments import pay_with_balance, settle_from_query, start_payment
from commerce.orders.refunds import order_refunds, refundable_amount
from commerce.orders.service import (
    Wanted,
    cancel_by_shopper,
    confirm_receipt,
    find_member_order,
    member_address,
    member_orders,
    place_order,
)
from commerce.pricing import Item, order_receipt, quote_for
from commerce.shipping.parcels import order_parcels
from commerce.shipping.regions import AREAS
from commerce.shipping.tracking import CARRIERS
from core.errors import DomainError
from core.extensions import csrf, db
from core.models import utcnow
from core.money import parse_yuan
from core.security import require_same_origin
from payments.pay_page import wechat_pay_view
from storefront.shopper import become_member, current_member, in_wechat, remember_cart, shopper_cart, wechat_pay_channel
from storefront.views import storefront_bp
from storefront.views.coupons import chosen_coupon_ids

ORDER_TABS = (("", None), ("pending_payment", (Order.PENDING_PAYMENT,)),
              ("to_ship", (Order.PAID, Order.PARTIALLY_SHIPPED)), ("to_receive", (Order.SHIPPED,)),
              ("completed", (Order.COMPLETED,)))


def order_tab_labels():
    return {"": _("All"), "pending_payment": _("To pay"), "to_ship": _("To ship"), "to_receive": _("To receive"),
            "completed": _("Completed")}


def status_labels():
    return {Order.PENDING_PAYMENT: _("Waiting for payment"), Order.PAID: _("Paid, to be shipped"),
            Order.PARTIALLY_SHIPPED: _("Partly shipped"), Order.SHIPPED: _("Shipped"),
            Order.COMPLETED: _("Completed"), Order.CANCELLED: _("Cancelled"),
            Order.REFUNDING: _("Refund in progress"), Order.REFUNDED: _("Refunded")}


# --- cart ------------------------------------------------------------------------------

@storefront_bp.route("/cart/items", methods=["POST"])
@csrf.exempt  # product pages are cached whole, without a per-session token: checked by origin instead
def cart_add():
    require_same_origin()
    sku_id = _int(next((v for v in request.form.getlist("sku_id") if v), None))
    quantity = _int(request.form.get("quantity", "1"))
    cart = shopper_cart(create=True)
    try:
        add_to_cart(cart, sku_id, quantity)
    except DomainError as refusal:
        db.session.rollback()
        flash(str(refusal.message), "error")
        return redirect(request.referrer if _same_host(request.referrer) else url_for("storefront.cart"))
    db.session.commit()
    target = "storefront.checkout" if request.form.get("then") == "checkout" else "storefront.cart"
    if target == "storefront.cart":
        flash(_("Added to your cart."), "success")
    return remember_cart(redirect(url_for(target)), cart)


@storefront_bp.route("/cart/items/<int:sku_id>", methods=["POST"])
def cart_update(sku_id):
    cart = shopper_cart() or abort(404)
    try:
        set_quantity(cart, sku_id, _int(request.form.get("quantity", "")))
    except DomainError as refusal:
        db.session.rollback()
        flash(str(refusal.message), "error")
        return redirect(url_for("storefront.cart"))
    db.session.commit()
    return redirect(url_for("storefront.cart"))


@storefront_bp.route("/cart")
def cart():
    lines = cart_lines(shopper_cart())
    return render_template("storefront/cart.html", lines=lines, total=sum(line.amount for line in lines))


# --- checkout --------------------------------------------------------------------------

@storefront_bp.route("/checkout", methods=["GET", "POST"])
def checkout():
    lines = cart_lines(shopper_cart())
    if not lines:
        flash(_("Your cart is empty."), "error")
        return redirect(url_for("storefront.cart"))
    member = current_member()
    addresses = member_addresses(member.id) if member else []
    if request.method == "GET":
        return render_checkout(lines, addresses)
    if any(line.problem for line in lines):
        return render_checkout(lines, addresses, error=_("Some items cannot be bought as they are. "
                                                          "Change them in your cart first."), status=409)
    try:
        member = become_member()  # a guest's cart becomes the member's here
        lines = cart_lines(shopper_cart())
        address = (member_address(member.id, _int(request.form.get("address_id")))
                   if request.form.get("address_id") else save_address(member.id, **_address_form()))
        order = place_order(member_id=member.id, address=address, note=request.form.get("note"),
                            coupon_ids=chosen_coupon_ids(request.form), use_points=request.form.get("points") == "1",
                            wanted=[Wanted(line.sku.id, line.item.quantity, line.item.seen_price) for line in lines])
        for line in lines:
            db.session.delete(line.item)
    except DomainError as refusal:
        db.session.rollback()
        return render_checkout(cart_lines(shopper_cart()), addresses, error=refusal, status=refusal.status)
    db.session.commit()
    return redirect(url_for("storefront.order_pay", number=order.number))


def render_checkout(lines, addresses, *, campaign=None, error=None, status=200, **extra):
    """The checkout page of ``lines`` (cart lines, or a campaign's one line): the quote
    ``place_order`` will charge, for the address chosen (or the first one)."""
    priced = checkout_quote(lines, addresses, campaign=campaign)
    problem = next((refusal.message for refusal in priced.refusals if refusal.kind == "address"), None)
    return render_template("storefront/checkout.html", lines=lines, quote=priced, addresses=addresses,
                           offers_discounts=campaign is None,
                           shipping_problem=problem, error=error, areas=AREAS, entered=request.form,
                           problems={line.sku.id: line.problem for line in lines if line.problem},
                           unpriced=[line for line in lines if line.sku.id not in {p.sku_id for p in priced.lines}],
                           **extra), status


def checkout_quote(lines, addresses, *, campaign=None):
    """The quote of the checkout page: the shopper's coupon choice once they posted the
    form, else the combination that takes off most. A campaign's checkout (one unit at the
    campaign's price) offers no coupons or points."""
    member = current_member()
    form = request.form if request.method == "POST" else {}
    if campaign is not None:
        coupon_ids, use_points = [], False
    else:
        coupon_ids = chosen_coupon_ids(request.form) if request.method == "POST" else None
        use_points = form.get("points") == "1"
    chosen = next((a for a in addresses if str(a.id) == form.get("address_id")), addresses[0] if addresses else None)
    province = chosen.province_code if chosen else form.get("province_code") or None
    return quote_for([(line.sku, line.product) for line in lines], [Item(line.sku.id, line.item.quantity)
                                                                     for line in lines],
                     member_id=member.id if member else None, province_code=province, campaign=campaign,
                     coupon_ids=coupon_ids, use_points=use_points, now=utcnow())


def _address_form():
    form = request.form
    return {name: form.get(name, "") for name in ("name", "phone", "province_code", "city", "district", "detail")}


# --- paying ----------------------------------------------------------------------------

@storefront_bp.route("/orders/<number>/pay", methods=["GET", "POST"])
def order_pay(number):
    order = _my_order(number)
    if order.status != Order.PENDING_PAYMENT:
        return redirect(url_for("storefront.order_detail", number=number))
    member = current_member()
    if in_wechat() and not member.openid:  # JSAPI needs the openid: a silent WeChat login first
        return redirect(url_for("storefront.login_wechat", scope="base",
                                next=url_for("storefront.order_pay", number=number)))
    channel = wechat_pay_channel(member)
    if request.method == "GET":
        return render_template("storefront/pay.html", order=order, channel=channel, payment=None, member=member)
    try:
        payment = start_payment(order, channel, client_ip=request.remote_addr, openid=member.openid)
    except DomainError as refusal:
        db.session.rollback()
        return render_template("storefront/pay.html", order=order, channel=channel, payment=None, member=member,
                               error=refusal), refusal.status
    db.session.commit()
    if payment.h5_url:
        return redirect(payment.h5_url)
    return render_template("storefront/pay.html", order=order, channel=channel, payment=payment, member=member,
                           **wechat_pay_view(payment))


@storefront_bp.route("/orders/<number>/pay-with-balance", methods=["POST"])
def order_pay_with_balance(number):
    order = _my_order(number)
    member = current_member()
    try:
        pay_with_balance(order, member)
    except DomainError as refusal:
        db.session.rollback()
        if order.status != Order.PENDING_PAYMENT:
            return redirect(url_for("storefront.order_detail", number=number))
        return render_template("storefront/pay.html", order=order, channel=wechat_pay_channel(member), payment=None,
                               member=member, error=refusal), refusal.status
    db.session.commit()
    flash(_("Paid with your balance."), "success")
    return redirect(url_for("storefront.order_detail", number=number))


@storefront_bp.route("/orders/<number>/check", methods=["POST"])
def order_check(number):
    """"I have paid": ask WeChat now instead of waiting for its notification."""
    order = _my_order(number)
    if order.status == Order.PENDING_PAYMENT:
        try:
            paid = settle_from_query(order)
        except DomainError as refusal:
            db.session.rollback()
            flash(str(refusal.message), "error")
            return redirect(url_for("storefront.order_pay", number=number))
        db.session.commit()
        if not paid:
            flash(_("WeChat Pay has not received this payment yet."), "error")
            return redirect(url_for("storefront.order_pay", number=number))
    return redirect(url_for("storefront.order_detail", number=number))


# --- the shopper's orders --------------------------------------------------------------

@storefront_bp.route("/orders")
def orders():
    member = current_member()
    tab = request.args.get("tab", "")
    statuses = dict(ORDER_TABS).get(tab) if tab in dict(ORDER_TABS) else None
    found = member_orders(member.id, status=statuses) if member else []
    return render_template("storefront/orders.html", orders=found, tab=tab, tabs=order_tab_labels(),
                           status_labels=status_labels())


@storefront_bp.route("/orders/<number>")
def order_detail(number):
    order = _my_order(number)
    return render_template("storefront/order.html", order=order, receipt=order_receipt(order),
                           status_labels=status_labels(),
                           after_sales=order_requests(order), reasons=reasons(), can_ask=order.status in ELIGIBLE
                           and not open_request(order), refunds=order_refunds(order), parcels=order_parcels(order),
                           team=team_of_order(order),
                           carriers=CARRIERS)


@storefront_bp.route("/orders/<number>/cancel", methods=["POST"])
def order_cancel(number):
    return _order_action(number, lambda order, member: cancel_by_shopper(order, member.id), _("Order cancelled."))


@storefront_bp.route("/orders/<number>/receive", methods=["POST"])
def order_receive(number):
    return _order_action(number, lambda order, member: confirm_receipt(order, member.id),
                         _("Thank you! The order is complete."))


@storefront_bp.route("/orders/<number>/after-sale", methods=["GET", "POST"])
def order_after_sale(number):
    order = _my_order(number)
    if request.method == "GET":
        return _render_after_sale(order)
    form = request.form
    lines = {line.id: _int(form.get(f"line_{line.id}", "0")) or 0 for line in order.lines}
    try:
        request_after_sale(order, current_member().id, kind=form.get("kind"), reason=form.get("reason"),
                           description=form.get("description"), amount=parse_yuan(form.get("amount")), lines=lines,
                           photos=[upload.stream for upload in request.files.getlist("photos") if upload.filename])
    except DomainError as refusal:
        db.session.rollback()
        return _render_after_sale(order, error=refusal, status=refusal.status)
    db.session.commit()
    flash(_("Your request was sent to the store."), "success")
    return redirect(url_for("storefront.order_detail", number=number))


def _render_after_sale(order, *, error=None, status=200):
    return render_template("storefront/after_sale.html", order=order, error=error, reasons=reasons(),
                           left=refundable_amount(order), entered=request.form), status


def _order_action(number, action, done):
    order = _my_order(number)
    try:
        action(order, current_member())
    except DomainError as refusal:
        db.session.rollback()
        flash(str(refusal.message), "error")
        return redirect(url_for("storefront.order_detail", number=number))
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("storefront.order_detail", number=number))


def _my_order(number):
    """:raise 404: not an order of the signed-in member of this store"""
    member = current_member()
    order = find_member_order(member.id, number) if member else None
    return order or abort(404)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _same_host(url):
    return bool(url) and urlparse(url).netloc == request.host

