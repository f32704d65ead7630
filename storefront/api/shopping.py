"""The shopper's cart and checkout: cart lines with live stock and price-change notes, the
checkout preview and the order placed from it — both the ONE quote of ``commerce.pricing``
(``storefront.checkout.quote_lines``), the same the H5 checkout page shows for the same lines.

Placing an order is idempotent on the client's ``request_id``: a retried POST answers the
order the first one made (the database's unique (store, member, request_id) decides races).
"""
from flask import abort, g, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import Field, model_validator
from sqlalchemy.exc import IntegrityError, NoResultFound

from commerce.analytics.events import ADD_TO_CART, CHECKOUT_STARTED, ORDER_PLACED
from commerce.catalog.queries import product_id_of_sku
from commerce.marketing.flash_sales.errors import FlashSaleSoldOut
from commerce.marketing.flash_sales.gate import flash_gate
from commerce.members.queries import member_address, member_addresses
from commerce.orders.cart import add_to_cart, cart_lines, find_cart, open_cart, remove_cart_lines, set_quantity
from commerce.orders.errors import CheckoutProblem
from commerce.orders.service import MAX_LINES, MAX_NOTE, find_requested_order
from commerce.pricing.quote import COUPON
from commerce.pricing.receipts import adjustment_label
from core.extensions import db
from core.money import format_money
from core.transaction import committed
from storefront.api.addresses import AddressOut, address_json
from storefront.api.blueprint import MAX_ID, absolute, api_bp, check_api_token, current_api_member, private
from storefront.api.models import Body, Fen, Model, Url
from storefront.api.orders import Discount, OrderOut, order_json
from storefront.api.spec import MEMBER, link, responses, spec
from storefront.checkout import bought_now, place_lines, quote_lines
from storefront.visits import track_api

TAG = "cart"
MAX_QUANTITY = 999


# --- models ----------------------------------------------------------------------------------

class CartLineOut(Model):
    id: int = Field(description="The line's id, for PATCH/DELETE /cart/items/{line_id} and checkout's line_ids.")
    product_id: int
    sku_id: int
    title: str
    spec_text: str = Field(description="The SKU's spec values, e.g. 红色 / XL; empty for a product without specs.")
    image_url: Url | None
    unit_price: Fen = Field(description="Today's price.")
    seen_price: Fen = Field(description="The price when it was put in the cart.")
    quantity: int
    stock: int
    available: bool = Field(description="false: cannot be bought as it is (see notes).")
    notes: list[str] = Field(description="Price changed, only a few left, sold out, no longer on sale.")


class CartOut(Model):
    lines: list[CartLineOut]
    count: int = Field(description="Units in the cart (the tab bar's badge).")


class CartAdd(Body):
    sku_id: int = Field(ge=1, le=MAX_ID)
    quantity: int = Field(1, ge=1, le=MAX_QUANTITY, description="Added to what the cart holds of this SKU.")


class CartChange(Body):
    quantity: int = Field(ge=0, le=MAX_QUANTITY, description="The line's new quantity; 0 removes it.")


class WantedItem(Body):
    sku_id: int = Field(ge=1, le=MAX_ID)
    quantity: int = Field(ge=1, le=MAX_QUANTITY)


class CheckoutRequest(Body):
    line_ids: list[int] | None = Field(None, min_length=1, max_length=MAX_LINES,
                                       description="Cart lines to buy (they leave the cart once ordered).")
    items: list[WantedItem] | None = Field(None, min_length=1, max_length=MAX_LINES,
                                           description="Or SKUs bought at once (立即购买), the cart untouched. "
                                                       "Neither: the whole cart.")
    address_id: int | None = Field(None, ge=1, le=MAX_ID, description="Default: the default address.")
    coupon_id: int | None = Field(None, ge=0, le=MAX_ID, description=(
        "The member's coupon (an id of usable_coupons); null: the best combination automatically; 0: none."))
    points: bool = Field(False, description="Spend as many points as the store allows.")

    @model_validator(mode="after")
    def _one_source(self):
        if self.line_ids is not None and self.items is not None:
            raise ValueError("send line_ids or items, not both")
        return self


class OrderRequest(CheckoutRequest):
    request_id: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$", description=(
        "Made by the client once per order it means to place (a UUID); a retry with it answers the same order."))
    remark: str | None = Field(None, max_length=MAX_NOTE, description="Note to the store.")


class QuoteLine(Model):
    sku_id: int
    title: str
    spec_text: str
    image_url: Url | None
    unit_price: Fen
    regular_price: Fen
    rule_name: str = Field(description="The campaign that set the price (限时秒杀 …); empty at the regular price.")
    quantity: int
    line_total: Fen


class ChosenCoupon(Model):
    id: int = Field(description="The member's coupon.")
    title: str
    amount: Fen


class CouponChoice(Model):
    id: int = Field(description="The member's coupon; send as coupon_id.")
    title: str
    discount: Fen = Field(description="What it takes off this order on its own.")
    stackable: bool


class QuoteOut(Model):
    lines: list[QuoteLine]
    goods: Fen = Field(description="The lines' totals added up.")
    subtotal: Fen = Field(description="The goods after the member level's discount.")
    discounts: list[Discount] = Field(description="In the order they apply, each coming off the total.")
    shipping_fee: Fen | None = Field(description="null until there is an address.")
    total: Fen
    coupon: ChosenCoupon | None
    coupons: list[ChosenCoupon] = Field(description="Every coupon used (stackable ones together).")
    usable_coupons: list[CouponChoice]
    points_offer: int | None = Field(description="Points that could be spent on this order (points: true).")
    address: AddressOut | None
    problems: list[str] = Field(description="What stops this order as it is (placing it is refused).")


# --- serializers -----------------------------------------------------------------------------

def _cover(product):
    return absolute(product.images[0].thumbnail_url()) if product.images else None


def cart_line_json(line):
    notes = []
    if line.price_changed:
        notes.append(_("Price changed from %(old)s.", old=format_money(line.item.seen_price)))
    if line.problem:
        notes.append(line.problem)
    return {"id": line.item.id, "product_id": line.product.id, "sku_id": line.sku.id, "title": line.product.title,
            "spec_text": line.sku.label() if line.sku.spec_values else "", "image_url": _cover(line.product),
            "unit_price": line.price, "seen_price": line.item.seen_price, "quantity": line.item.quantity,
            "stock": line.sku.stock, "available": line.problem is None, "notes": notes}


def cart_json(cart):
    lines = cart_lines(cart)
    return {"lines": [cart_line_json(line) for line in lines], "count": sum(line.item.quantity for line in lines)}


def quote_json(quote, lines, address):
    products = {line.sku.id: line for line in lines}
    used = [{"id": a.ref, "title": a.name, "amount": a.amount} for a in quote.adjustments if a.kind == COUPON]
    return {
        "lines": [{"sku_id": line.sku_id, "title": line.title, "spec_text": line.sku_label,
                   "image_url": _cover(products[line.sku_id].product), "unit_price": line.unit_price,
                   "regular_price": line.regular_price, "rule_name": line.rule_name, "quantity": line.quantity,
                   "line_total": line.amount} for line in quote.lines],
        "goods": quote.goods, "subtotal": quote.subtotal,
        "discounts": [{"kind": a.kind, "label": adjustment_label(a), "amount": a.amount} for a in quote.discounts],
        "shipping_fee": quote.shipping, "total": quote.total,
        "coupon": used[0] if used else None, "coupons": used,
        "usable_coupons": [{"id": offer.held.id, "title": offer.held.name, "discount": offer.discount,
                            "stackable": offer.held.stackable} for offer in quote.coupon_offers],
        "points_offer": quote.points_offer.points if quote.points_offer else None,
        "address": address_json(address) if address else None,
        "problems": [str(r.message) for r in quote.blocking] + [line.problem for line in lines if line.problem],
    }


# --- the checkout's parts ----------------------------------------------------------------

def _checkout_lines(member, body):
    """The ``CartLine``s the body names. :raise 404: a line or SKU that is not theirs / this store's"""
    if body.items is not None:
        try:
            return [bought_now(item.sku_id, item.quantity) for item in body.items]
        except NoResultFound:
            abort(404)
    lines = cart_lines(find_cart(member_id=member.id))
    if body.line_ids is None:
        return lines
    by_id = {line.item.id: line for line in lines}
    if any(line_id not in by_id for line_id in body.line_ids):
        abort(404)
    return [by_id[line_id] for line_id in dict.fromkeys(body.line_ids)]


def _address(member, body):
    if body.address_id is not None:
        return member_address(member.id, body.address_id) or abort(404)
    addresses = member_addresses(member.id)  # the default first
    return addresses[0] if addresses else None


def _coupon_ids(body):
    return None if body.coupon_id is None else [] if body.coupon_id == 0 else [body.coupon_id]


def _quote(member, body):
    lines = _checkout_lines(member, body)
    if not lines:
        raise CheckoutProblem(_l("Your cart is empty."))
    address = _address(member, body)
    quote = quote_lines(lines, member_id=member.id, province_code=address.province_code if address else None,
                        coupon_ids=_coupon_ids(body), use_points=body.points)
    return lines, address, quote


# --- routes ------------------------------------------------------------------------------------

@api_bp.route("/cart")
@spec.validate(resp=responses(CartOut, errors=(401, 404)), security=MEMBER, tags=[TAG])
def cart():
    """The member's cart: each line at today's price with its stock and what is wrong with it."""
    return private(jsonify(cart_json(find_cart(member_id=current_api_member().id))))


@link(201, "ChangeLine", to="cart_change", parameters={"path.line_id": "$response.body#/lines/0/id"})
@link(201, "RemoveLine", to="cart_remove", parameters={"path.line_id": "$response.body#/lines/0/id"})
@link(201, "PreviewLine", to="checkout_preview", body={"line_ids": ["$response.body#/lines/0/id"], "coupon_id": None})
@link(201, "OrderLine", to="place",
      body={"line_ids": ["$response.body#/lines/0/id"], "request_id": "cart-line-{$response.body#/lines/0/id}"})
@api_bp.route("/cart/items", methods=["POST"])
@spec.validate(json=CartAdd, resp=responses(CartOut, status=201, errors=(400, 401, 404, 422)), security=MEMBER,
               tags=[TAG])
def cart_add():
    """Put a SKU in the cart (on top of what it holds). 422: not on sale, or more than in stock."""
    body = request.context.json
    member = current_api_member()
    with committed():
        cart = open_cart(member_id=member.id)
        add_to_cart(cart, body.sku_id, body.quantity)
        product_id = product_id_of_sku(body.sku_id)
    track_api(ADD_TO_CART, member_id=member.id, product_id=product_id)
    return private(jsonify(cart_json(cart))), 201


@api_bp.route("/cart/items/<int:line_id>", methods=["PATCH"])
@spec.validate(json=CartChange, resp=responses(CartOut, errors=(400, 401, 404, 422)), security=MEMBER, tags=[TAG])
def cart_change(line_id):
    """Change a line's quantity (0 removes it). 422: more than in stock."""
    cart, line = _my_line(line_id)
    with committed():
        set_quantity(cart, line.sku.id, request.context.json.quantity)
    return private(jsonify(cart_json(cart)))


@api_bp.route("/cart/items/<int:line_id>", methods=["DELETE"])
@spec.validate(resp=responses(CartOut, errors=(401, 404)), security=MEMBER, tags=[TAG])
def cart_remove(line_id):
    """Take a line out of the cart."""
    cart, line = _my_line(line_id)
    with committed():
        set_quantity(cart, line.sku.id, 0)
    return private(jsonify(cart_json(cart)))


def _my_line(line_id):
    """:raise 404: not a line of the member's cart"""
    cart = find_cart(member_id=current_api_member().id)
    line = next((line for line in cart_lines(cart) if line.item.id == line_id), None)
    return cart, line or abort(404)


@link(200, "OrderPreviewed", to="place",
      body={"items": [{"sku_id": "$response.body#/lines/0/sku_id", "quantity": "$response.body#/lines/0/quantity"}],
            "request_id": "now-{$response.body#/lines/0/sku_id}-{$response.body#/total}"})
@api_bp.route("/checkout/preview", methods=["POST"])
@spec.validate(json=CheckoutRequest, resp=responses(QuoteOut, errors=(400, 401, 404, 409, 422)), security=MEMBER,
               tags=[TAG])
def checkout_preview():
    """What the order would cost: the one price quote, line by line and discount by discount (the
    same the H5 checkout shows), with the coupons that could be used. 409: nothing to buy."""
    member = current_api_member()
    lines, address, quote = _quote(member, request.context.json)
    track_api(CHECKOUT_STARTED, member_id=member.id)
    return private(jsonify(quote_json(quote, lines, address)))


@link(201, "PayWithWeChat", to="order_payment", parameters={"path.order_no": "$response.body#/order_no"},
      body={"method": "wechat"})
@link(201, "PayFromBalance", to="order_payment", parameters={"path.order_no": "$response.body#/order_no"},
      body={"method": "balance"})
@link(201, "Read", to="order", parameters={"path.order_no": "$response.body#/order_no"})
@link(201, "Cancel", to="order_cancel", parameters={"path.order_no": "$response.body#/order_no"})
@api_bp.route("/orders", methods=["POST"])
@spec.validate(json=OrderRequest, resp=responses(OrderOut, status=201, errors=(400, 401, 404, 409, 422)),
               security=MEMBER, tags=["orders"])
def place():
    """Place the order priced by the preview's quote (coupon_id null: the quote's best coupons);
    bought cart lines leave the cart. A retried request_id answers the order it placed.
    409: a line cannot be had (sold out, price changed, off sale), an address outside the
    delivery area, a coupon gone; `flash_sale_sold_out` (「已抢光」) when a flash sale's units are
    gone, answered before any other work but one lookup: a retry of a request_id that was placed
    still answers its order."""
    body = request.context.json
    member_id = check_api_token()
    try:
        # Before any other database work: a flash sale's units are taken here, or 409 (「已抢光」).
        with flash_gate(g.tenant.id, [(item.sku_id, item.quantity) for item in body.items or ()]):
            order = _placed_once(body)
    except FlashSaleSoldOut:
        order = find_requested_order(member_id, body.request_id)
        if order is None:
            raise
    return private(jsonify(order_json(order))), 201


def _placed_once(body):
    member = current_api_member()
    order = find_requested_order(member.id, body.request_id)
    if order is None:
        try:
            with committed():
                order = _place(member, body)
            track_api(ORDER_PLACED, member_id=member.id, order_id=order.id, amount=order.total)
        except IntegrityError:  # the same request_id placed at the same moment: that one won
            order = find_requested_order(member.id, body.request_id) or abort(409)
    return order


def _place(member, body):
    lines, address, quote = _quote(member, body)
    problems = [line.problem for line in lines if line.problem]
    if problems:
        raise CheckoutProblem(" ".join(problems), extra={"problems": problems})
    order = place_lines(lines, member_id=member.id, address=address, note=body.remark,
                        coupon_ids=list(quote.chosen_coupon_ids) if body.coupon_id is None else _coupon_ids(body),
                        use_points=body.points, request_id=body.request_id)
    if body.items is None:
        remove_cart_lines(lines)
    db.session.flush()
    return order
