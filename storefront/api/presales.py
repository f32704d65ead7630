"""Pre-sales (预售) for a mini-program: the pre-sale running for a product, the quote of booking
it (deposit due now, balance due later, what the deposit counts as, the ship-from date — the
figures of ``commerce.pricing.quote``, never re-added here), and booking it: the order is paid
through ``POST /orders/{order_no}/payment`` part by part (the deposit, then the balance in its
window); ``GET /orders/{order_no}`` carries the parts and the ship-from date."""
from datetime import datetime

from flask import abort, jsonify, request
from pydantic import Field

from commerce.marketing.presales.queries import live_presale_for_product, presale_item_for_sku
from commerce.members.queries import member_address, member_addresses
from commerce.orders.cart import sku_and_product
from commerce.orders.service import MAX_NOTE, Wanted, find_requested_order, place_order
from commerce.pricing import Item, quote_for
from commerce.pricing.rules import Campaign
from core.models import utcnow
from core.transaction import committed
from storefront.api.blueprint import MAX_ID, api_bp, current_api_member, private
from storefront.api.models import Body, Fen, Model
from storefront.api.orders import OrderOut, order_json
from storefront.api.spec import MEMBER, responses, spec

TAG = "presales"
MAX_QUANTITY = 99


class PresaleItemOut(Model):
    sku_id: int
    price: Fen = Field(description="The pre-sale price per unit.")
    units_left: int


class PresaleOut(Model):
    id: int
    title: str
    product_id: int
    starts_at: datetime
    ends_at: datetime
    ships_from: datetime = Field(description="Nothing is sent before this moment; show it as the expected ship date.")
    mode: str = Field(description="full: paid in full when ordering; deposit: 定金 now, 尾款 in the balance window.")
    deposit: Fen | None = Field(description="deposit mode: per unit, paid when ordering.")
    deposit_counts_as: Fen | None = Field(description="deposit mode: per unit, what the deposit takes off (定金膨胀).")
    balance_starts_at: datetime | None
    balance_ends_at: datetime | None
    unpaid_balance: str = Field(description="forfeit: an unpaid balance closes the order and keeps the deposit; "
                                            "refund: it closes the order and gives the deposit back. Show it "
                                            "before the shopper pays.")
    items: list[PresaleItemOut]


class PresaleBooking(Body):
    sku_id: int = Field(ge=1, le=MAX_ID, description="One of the pre-sale's SKUs.")
    quantity: int = Field(1, ge=1, le=MAX_QUANTITY)
    address_id: int | None = Field(None, ge=1, le=MAX_ID, description="Default: the member's default address.")


class PresaleOrderRequest(PresaleBooking):
    request_id: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$", description=(
        "Made by the client once per order it means to place (a UUID); a retry with it answers the same order."))
    remark: str | None = Field(None, max_length=MAX_NOTE)


class PresaleQuote(Model):
    unit_price: Fen
    quantity: int
    total: Fen = Field(description="Everything the shopper pays (deposit + balance, or the whole at once).")
    shipping_fee: Fen | None
    deposit: Fen | None = Field(description="deposit mode: due now.")
    deposit_counts_as: Fen | None
    balance: Fen | None = Field(description="deposit mode: due in the balance window.")
    balance_starts_at: datetime | None
    balance_ends_at: datetime | None
    deposit_kept_if_balance_unpaid: bool | None
    ships_from: datetime
    problems: list[str] = Field(description="What stops this order as it is (placing it is refused).")


def presale_json(presale):
    return {"id": presale.id, "title": presale.title, "product_id": presale.product_id,
            "starts_at": presale.starts_at.isoformat(), "ends_at": presale.ends_at.isoformat(),
            "ships_from": presale.ships_from.isoformat(), "mode": presale.mode, "deposit": presale.deposit,
            "deposit_counts_as": presale.deposit_worth,
            "balance_starts_at": presale.balance_starts_at.isoformat() if presale.balance_starts_at else None,
            "balance_ends_at": presale.balance_ends_at.isoformat() if presale.balance_ends_at else None,
            "unpaid_balance": presale.unpaid_balance,
            "items": [{"sku_id": item.sku_id, "price": item.price, "units_left": item.stock} for item in presale.items]}


def _running(product_id):
    """:raise 404: no pre-sale running for this product of this store"""
    return (live_presale_for_product(product_id) if product_id <= MAX_ID else None) or abort(404)


def _booking(presale, body, member):
    """``(rows, address, quote)`` of booking ``body``'s SKU. :raise 404: not the pre-sale's SKU, or not their address"""
    if presale_item_for_sku(presale.id, body.sku_id) is None:
        abort(404)
    sku, product = sku_and_product(body.sku_id)
    address = (member_address(member.id, body.address_id) or abort(404)) if body.address_id is not None \
        else next(iter(member_addresses(member.id)), None)
    quote = quote_for([(sku, product)], [Item(sku.id, body.quantity)], member_id=member.id,
                      province_code=address.province_code if address else None,
                      campaign=Campaign("presale", presale.id), now=utcnow())
    return address, quote


@api_bp.route("/products/<int:product_id>/presale")
@spec.validate(resp=responses(PresaleOut, errors=(404,)), tags=[TAG])
def product_presale(product_id):
    """The pre-sale running now for a product: its terms, SKUs at the pre-sale price and units left.
    404: none (or not this store's product)."""
    return jsonify(presale_json(_running(product_id)))


@api_bp.route("/products/<int:product_id>/presale/preview", methods=["POST"])
@spec.validate(json=PresaleBooking, resp=responses(PresaleQuote, errors=(400, 401, 404, 409, 422)), security=MEMBER,
               tags=[TAG])
def presale_preview(product_id):
    """What booking costs: the quote's total and, for a deposit pre-sale, the deposit due now, the
    balance and its window, what the deposit counts as, and what an unpaid balance does."""
    member = current_api_member()
    body = request.context.json
    _address, quote = _booking(_running(product_id), body, member)
    split = quote.split
    line = quote.lines[0] if quote.lines else None
    return private(jsonify({
        "unit_price": line.unit_price if line else 0, "quantity": body.quantity, "total": quote.total,
        "shipping_fee": quote.shipping, "deposit": split.deposit if split else None,
        "deposit_counts_as": split.counts_as if split else None, "balance": split.balance if split else None,
        "balance_starts_at": split.balance_starts_at.isoformat() if split else None,
        "balance_ends_at": split.balance_ends_at.isoformat() if split else None,
        "deposit_kept_if_balance_unpaid": split.kept if split else None,
        "ships_from": quote.ships_from.isoformat() if quote.ships_from else None,
        "problems": [str(r.message) for r in quote.blocking]}))


@api_bp.route("/products/<int:product_id>/presale/orders", methods=["POST"])
@spec.validate(json=PresaleOrderRequest, resp=responses(OrderOut, status=201, errors=(400, 401, 404, 409, 422)),
               security=MEMBER, tags=[TAG])
def presale_order(product_id):
    """Book the pre-sale: the order, priced by the preview's quote, with its deposit and balance
    (deposit mode) — pay the deposit now through `POST /orders/{order_no}/payment`, the balance the
    same way in its window. A retried request_id answers the order it placed. 409: units gone."""
    member = current_api_member()
    body = request.context.json
    order = find_requested_order(member.id, body.request_id)
    if order is None:
        presale = _running(product_id)
        address, _quote = _booking(presale, body, member)
        with committed():
            order = place_order(member_id=member.id, wanted=[Wanted(body.sku_id, body.quantity)], address=address,
                                note=body.remark, campaign=Campaign("presale", presale.id),
                                request_id=body.request_id)
    response = jsonify(order_json(order))
    response.status_code = 201
    return private(response)
