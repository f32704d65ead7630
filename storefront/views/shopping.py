"""Cart, checkout, paying and the shopper's orders (store hosts).

Views read a form (``storefront.forms``), call one verb inside an ``Attempt`` (which commits),
and redirect; a refusal re-renders or flashes its message and writes nothing. The checkout
itself is ``storefront.checkout``.
"""
from urllib.parse import urlparse

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from commerce.aftersales.service import (
    ELIGIBLE,
    open_request,
    order_requests,
    reasons,
    request_after_sale,
    statuses,
)
from commerce.analytics.events import ADD_TO_CART
from commerce.catalog.queries import product_id_of_sku
from commerce.marketing.flash_sales.errors import FlashSaleSoldOut
from commerce.marketing.flash_sales.gate import check_not_sold_out
from commerce.marketing.group_buys.queries import team_of_order
from commerce.marketing.presales.queries import order_presale
from commerce.orders.cart import add_to_cart, cart_lines, remove_cart_lines, set_quantity
from commerce.orders.instalments import payment_target
from commerce.orders.models import Order
from commerce.orders.payments import pay_with_balance, settle_from_query, start_payment
from commerce.orders.queries import cart_count
from commerce.orders.refunds import order_refunds, refundable_amount
from commerce.orders.service import cancel_by_shopper, confirm_receipt, find_member_order, member_orders
from commerce.pricing import order_receipt
from commerce.shipping.parcels import order_parcels
from commerce.shipping.tracking import CARRIERS
from core.extensions import csrf
from core.form_checks import check_form
from core.models import utcnow
from core.refusals import Attempt
from core.script_integrity import pinned_scripts
from core.security import require_same_origin
from payments.pay_page import wechat_pay_view
from storefront.blueprints import storefront_bp
from storefront.checkout import Purchase, check_out
from storefront.forms import CartAddForm, CartQuantityForm, after_sale_form
from storefront.order_status import status_labels
from storefront.shopper import (
    current_member,
    h5_pay_redirect,
    in_wechat,
    remember_cart,
    shopper_cart,
    wants_json,
    wechat_pay_channel,
)
from storefront.visits import track_visit

ORDER_TABS = (("", None), ("pending_payment", (Order.PENDING_PAYMENT,)),
              ("to_ship", (Order.PAID, Order.PARTIALLY_SHIPPED)), ("to_receive", (Order.SHIPPED,)),
              ("completed", (Order.COMPLETED,)))


def order_tab_labels():
    return {"": _("All"), "pending_payment": _("To pay"), "to_ship": _("To ship"), "to_receive": _("To receive"),
            "completed": _("Completed")}


# --- cart ------------------------------------------------------------------------------

@storefront_bp.route("/cart/items", methods=["POST"])
@csrf.exempt  # product pages are cached whole, without a per-session token: checked by origin instead
def cart_add():
    """Add to the cart. The product page's script asks for JSON and stays on the page (a
    toast, the badge updated); without script the shopper goes to the cart as before."""
    require_same_origin()
    in_place = wants_json()
    form = CartAddForm()
    try:  # a flash sale's sold-out SKU: 「已抢光」 before any database work (commerce.marketing.flash_sales.gate)
        check_not_sold_out(g.tenant.id, form.sku_id.data or 0, max(1, form.quantity.data or 1))
    except FlashSaleSoldOut as sold_out:
        if in_place:
            return jsonify(ok=False, message=str(sold_out.message)), sold_out.status
        raise
    cart = shopper_cart(create=True)
    with Attempt(flash=not in_place) as attempt:  # a refusal is flashed on the page the shopper came from
        check_form(form)
        add_to_cart(cart, form.sku_id.data, form.quantity.data)
        track_visit(ADD_TO_CART, product_id=product_id_of_sku(form.sku_id.data))
    if in_place:
        message = str(attempt.refusal.message) if attempt.refused else _("Added to your cart.")
        answer = jsonify(ok=not attempt.refused, message=message, cart_count=cart_count(cart))
        return remember_cart(answer, cart), attempt.status
    if attempt.refused:
        return redirect(request.referrer if _same_host(request.referrer) else url_for("storefront.cart"))
    if form.goes_to_checkout:
        return remember_cart(redirect(url_for("storefront.checkout")), cart)
    flash(_("Added to your cart."), "success")
    return remember_cart(redirect(url_for("storefront.cart")), cart)


@storefront_bp.route("/cart/count.json")
def cart_badge():
    """Units in the shopper's cart, for the tab bar's badge on pages cached for everyone."""
    response = jsonify(count=cart_count(shopper_cart()))
    response.cache_control.private = True
    response.cache_control.no_store = True
    return response


@storefront_bp.route("/cart/items/<int:sku_id>", methods=["POST"])
def cart_update(sku_id):
    cart = shopper_cart() or abort(404)
    form = CartQuantityForm()
    with Attempt():
        check_form(form)
        set_quantity(cart, sku_id, form.quantity.data)
    return redirect(url_for("storefront.cart"))


@storefront_bp.route("/cart")
def cart():
    lines = cart_lines(shopper_cart())
    return render_template("storefront/cart.html", lines=lines, total=sum(line.amount for line in lines))


# --- checkout --------------------------------------------------------------------------

@storefront_bp.route("/checkout", methods=["GET", "POST"])
def checkout():
    """The cart's lines, at the prices the shopper saw; the bought lines leave the cart."""
    return check_out(Purchase(lambda: cart_lines(shopper_cart()), placed=remove_cart_lines))


# --- paying ----------------------------------------------------------------------------

@storefront_bp.route("/orders/<number>/pay", methods=["GET", "POST"])
@pinned_scripts
def order_pay(number):
    """WeChat Pay on the browser's channel (``wechat_pay_channel``): nothing to choose or type."""
    order = _my_order(number)
    if order.status != Order.PENDING_PAYMENT:
        return redirect(url_for("storefront.order_detail", number=number))
    member = current_member()
    if in_wechat() and not member.openid:  # JSAPI needs the openid: a silent WeChat login first
        return redirect(url_for("storefront.login_wechat", scope="base",
                                next=url_for("storefront.order_pay", number=number)))
    channel = wechat_pay_channel(member)
    due = payment_target(order)
    if due.opens_at is not None and due.opens_at > utcnow():  # a balance whose window has not opened
        return redirect(url_for("storefront.order_detail", number=number))
    if request.method == "GET":
        return render_template("storefront/pay.html", order=order, due=payment_target(order), channel=channel, payment=None, member=member)
    with Attempt(flash=False) as attempt:
        payment = start_payment(order, channel, client_ip=request.remote_addr, openid=member.openid)
    if attempt.refused:
        return render_template("storefront/pay.html", order=order, due=payment_target(order), channel=channel, payment=None, member=member,
                               error=attempt.refusal), attempt.status
    if payment.h5_url:  # WeChat returns the shopper to the order's page once paid
        return h5_pay_redirect(payment.h5_url, "storefront.order_detail", number=number)
    return render_template("storefront/pay.html", order=order, due=payment_target(order), channel=channel, payment=payment, member=member,
                           **wechat_pay_view(payment))


@storefront_bp.route("/orders/<number>/pay-with-balance", methods=["POST"])
@pinned_scripts
def order_pay_with_balance(number):
    order = _my_order(number)
    member = current_member()
    with Attempt(flash=False) as attempt:
        pay_with_balance(order, member)
    if attempt.refused:
        if order.status != Order.PENDING_PAYMENT:
            return redirect(url_for("storefront.order_detail", number=number))
        return render_template("storefront/pay.html", order=order, due=payment_target(order), channel=wechat_pay_channel(member), payment=None,
                               member=member, error=attempt.refusal), attempt.status
    flash(_("Paid with your balance."), "success")
    return redirect(url_for("storefront.order_detail", number=number))


@storefront_bp.route("/orders/<number>/check", methods=["POST"])
def order_check(number):
    """"I have paid": ask WeChat now instead of waiting for its notification."""
    order = _my_order(number)
    if order.status == Order.PENDING_PAYMENT:
        with Attempt() as attempt:
            paid = settle_from_query(order)
        if attempt.refused:
            return redirect(url_for("storefront.order_pay", number=number))
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
                           after_sales=order_requests(order), reasons=reasons(), after_sale_statuses=statuses(), can_ask=order.status in ELIGIBLE
                           and not open_request(order), refunds=order_refunds(order), parcels=order_parcels(order),
                           team=team_of_order(order), presale=order_presale(order),
                           due=payment_target(order) if order.status == Order.PENDING_PAYMENT else None, now=utcnow(),
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
    left = refundable_amount(order)
    form = after_sale_form(order, left=left)
    if not form.is_submitted():
        return _render_after_sale(order, form, left)
    with Attempt(form, flash=False) as attempt:
        check_form(form)
        request_after_sale(order, current_member().id, kind=form.kind.data, reason=form.reason.data,
                           description=form.description.data, amount=form.amount.data,
                           lines=form.returned_lines(), photos=form.photo_streams())
    if attempt.refused:
        return _render_after_sale(order, form, left, error=attempt.refusal, status=attempt.status)
    flash(_("Your request was sent to the store."), "success")
    return redirect(url_for("storefront.order_detail", number=number))


def _render_after_sale(order, form, left, *, error=None, status=200):
    return render_template("storefront/after_sale.html", order=order, form=form, error=error, reasons=reasons(),
                           left=left), status


def _order_action(number, action, done):
    order = _my_order(number)
    with Attempt() as attempt:
        action(order, current_member())
    if not attempt.refused:
        flash(done, "success")
    return redirect(url_for("storefront.order_detail", number=number))


def _my_order(number):
    """:raise 404: not an order of the signed-in member of this store"""
    member = current_member()
    order = find_member_order(member.id, number) if member else None
    return order or abort(404)


def _same_host(url):
    return bool(url) and urlparse(url).netloc == request.host

