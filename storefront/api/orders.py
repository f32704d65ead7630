"""The shopper's orders: a list by status in keyset pages, the order with the price lines it
was placed with (``commerce.pricing.order_receipt``: no sums here), cancel, confirm receipt,
parcels with their tracking events, and paying — WeChat Pay's ``wx.requestPayment``
parameters for this mini-program's AppID and the member's openid, or the member's balance."""
from datetime import UTC, datetime
from typing import Literal

from flask import abort, jsonify, request
from flask_babel import lazy_gettext as _l
from pydantic import Field
from sqlalchemy import select

from commerce.aftersales.service import ELIGIBLE, open_request
from commerce.marketing.presales.queries import order_presale
from commerce.members.wechat_login import mini_program_credentials
from commerce.orders.errors import OrderStateError
from commerce.orders.instalments import payment_target
from commerce.orders.models import Order
from commerce.orders.payments import pay_with_balance, start_payment
from commerce.orders.service import cancel_by_shopper, confirm_receipt, find_member_order
from commerce.pricing import order_receipt
from commerce.pricing.receipts import adjustment_label
from commerce.shipping.parcels import order_parcels
from commerce.shipping.tracking import CARRIERS
from core.models import utcnow
from core.pagination import BadCursor, Ordering, paginate
from core.transaction import committed
from payments.prepay import JSAPI
from storefront.api.blueprint import BadParameter, absolute, api_bp, current_api_member, private
from storefront.api.models import Body, Fen, Model, PageQuery, RequestPaymentParams, Url
from storefront.api.spec import MEMBER, link, responses, spec
from storefront.order_status import STATUS_GROUPS, status_group, status_labels
from tenants.resolve import appid_from_request

TAG = "orders"
NEWEST = Ordering("api_orders_newest", Order.id.desc())
MAX_ORDER_NUMBER = 32


# --- models ----------------------------------------------------------------------------------

class OrderLineOut(Model):
    id: int = Field(description="The order line; an after-sale's line_ids name these.")
    product_id: int
    sku_id: int
    title: str
    spec_text: str
    image_url: Url | None
    unit_price: Fen
    quantity: int
    line_total: Fen
    refunded_quantity: int


class Discount(Model):
    kind: str = Field(description="level, coupon, points, coupons_and_points (older orders).")
    label: str
    amount: Fen = Field(description="What it takes off the total, in fen (a positive number; show it as -¥).")


class Amounts(Model):
    """The price lines the order was placed with (its quote), never re-added."""

    goods: Fen
    discounts: list[Discount]
    shipping_fee: Fen | None
    total: Fen
    paid: Fen
    refunded: Fen


class ShipTo(Model):
    name: str
    phone: str
    region: str = Field(description="省 市 区")
    street: str


class TrackEvent(Model):
    time: str
    context: str


class ParcelOut(Model):
    id: int
    carrier: str = Field(description="快递100's code, e.g. shunfeng.")
    carrier_name: str
    tracking_number: str
    status: str = Field(description="in_transit, delivered, returned.")
    lines: list[dict] = Field(description="[{line_id, quantity}] of the order's lines in this parcel.")
    events: list[TrackEvent] | None = Field(None, description="Tracks only: the carrier's events, newest first.")


class OrderPart(Model):
    kind: Literal["deposit", "balance"]
    amount: Fen
    opens_at: datetime = Field(description="Payable from this moment.")
    due_at: datetime = Field(description="Unpaid by then: the order closes.")
    paid_at: datetime | None


class OrderPresale(Model):
    ships_from: datetime = Field(description="The expected ship date: nothing is sent before it.")
    parts: list[OrderPart] = Field(description="A deposit pre-sale's deposit and balance; empty when paid in full.")
    deposit_kept_if_balance_unpaid: bool | None


class OrderOut(Model):
    order_no: str
    status: Literal["unpaid", "unshipped", "shipped", "done", "closed"]
    state: str = Field(description="The exact state: pending_payment, paid, partially_shipped, shipped, completed, "
                                   "cancelled, refunding, refunded.")
    status_label: str
    lines: list[OrderLineOut]
    amounts: Amounts
    address: ShipTo
    remark: str | None
    created_at: datetime
    paid_at: datetime | None
    pay_deadline: datetime | None = Field(description="Unpaid orders: cancelled when this passes.")
    paid_with: str | None = Field(description="wechat or balance.")
    parcels: list[ParcelOut]
    actions: list[Literal["cancel", "pay", "confirm", "aftersale"]]
    due_now: Fen | None = Field(None, description="Unpaid orders: what `pay` collects now (a pre-sale's deposit or "
                                                  "balance, else the total).")
    presale: OrderPresale | None = Field(None, description="Orders placed through a pre-sale (预售).")


class OrderSummary(Model):
    order_no: str
    status: str
    status_label: str
    total: Fen
    count: int = Field(description="Units ordered.")
    lines: list[OrderLineOut]
    created_at: datetime
    actions: list[str]


class OrderPage(Model):
    items: list[OrderSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class OrderQuery(PageQuery):
    status: Literal["unpaid", "unshipped", "shipped", "done", "closed"] | None = Field(
        None, description="Only orders in this group; all when absent.")


class Tracks(Model):
    parcels: list[ParcelOut]


class PaymentRequest(Body):
    method: Literal["wechat", "balance"]


class PaymentOut(Model):
    method: Literal["wechat", "balance"]
    params: RequestPaymentParams | None = Field(None, description="wechat: for wx.requestPayment.")
    order: OrderOut | None = Field(None, description="balance: the order, paid.")


# --- serializers -----------------------------------------------------------------------------

def iso(moment):
    """A stored moment as ISO 8601 in UTC (SQLite hands timestamps back without their zone)."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def discounts_json(receipt):
    return [{"kind": a.kind, "label": adjustment_label(a), "amount": a.amount} for a in receipt.discounts]


def line_json(line):
    return {"id": line.id, "product_id": line.product_id, "sku_id": line.sku_id, "title": line.title,
            "spec_text": line.sku_label or "", "image_url": absolute(line.image_url), "unit_price": line.price,
            "quantity": line.quantity, "line_total": line.amount(), "refunded_quantity": line.refunded_quantity}


def parcel_json(parcel, *, events=False):
    body = {"id": parcel.id, "carrier": parcel.carrier, "carrier_name": CARRIERS.get(parcel.carrier, parcel.carrier),
            "tracking_number": parcel.tracking_number, "status": parcel.status, "lines": list(parcel.lines)}
    if events:
        body["events"] = [{"time": str(e.get("time", "")), "context": str(e.get("context", ""))}
                          for e in parcel.events or []]
    return body


def actions(order):
    found = []
    if order.status == Order.PENDING_PAYMENT:
        due, now = payment_target(order), utcnow()
        if due.instalment is None or due.instalment.seq == 1:  # a paid deposit is not cancelled by the shopper
            found.append("cancel")
        if due.due_at > now and (due.opens_at is None or due.opens_at <= now):
            found.append("pay")
    if order.status == Order.SHIPPED:
        found.append("confirm")
    if order.status in ELIGIBLE and open_request(order) is None:
        found.append("aftersale")
    return found


def summary_json(order):
    return {"order_no": order.number, "status": status_group(order.status),
            "status_label": status_labels()[order.status], "total": order.total,
            "count": sum(line.quantity for line in order.lines), "lines": [line_json(line) for line in order.lines],
            "created_at": iso(order.created_at), "actions": actions(order)}


def order_json(order):
    receipt = order_receipt(order)
    return {
        "order_no": order.number, "status": status_group(order.status), "state": order.status,
        "status_label": status_labels()[order.status], "lines": [line_json(line) for line in order.lines],
        "amounts": {"goods": receipt.goods, "discounts": discounts_json(receipt), "shipping_fee": receipt.shipping,
                    "total": receipt.total, "paid": order.paid_amount, "refunded": order.refunded_amount},
        "address": {"name": order.ship_name, "phone": order.ship_phone, "region": order.ship_region,
                    "street": order.ship_detail},
        "remark": order.shopper_note, "created_at": iso(order.created_at),
        "paid_at": iso(order.paid_at),
        "pay_deadline": iso(payment_target(order).due_at) if order.status == Order.PENDING_PAYMENT else None,
        "paid_with": order.paid_with or (Order.PAID_WITH_WECHAT if order.paid_at else None),
        "parcels": [parcel_json(parcel) for parcel in order_parcels(order)], "actions": actions(order),
        "due_now": payment_target(order).amount if order.status == Order.PENDING_PAYMENT else None,
        "presale": presale_json(order),
    }


def presale_json(order):
    found = order_presale(order)
    if found is None:
        return None
    return {"ships_from": iso(found.ships_from),
            "parts": [{"kind": "deposit" if part.seq == 1 else "balance", "amount": part.amount,
                       "opens_at": iso(part.opens_at), "due_at": iso(part.due_at), "paid_at": iso(part.paid_at)}
                      for part in found.parts],
            "deposit_kept_if_balance_unpaid": found.deposit.kept_if_unpaid_later if found.deposit else None}


def my_order(member, order_no):
    """:raise 404: not an order of this member in this store"""
    if len(order_no) > MAX_ORDER_NUMBER:
        abort(404)
    return find_member_order(member.id, order_no) or abort(404)


def keyset_page(statement, ordering, params):
    """One page of a shopper's list (``params``: a ``PageQuery``).

    :raise BadParameter: a cursor we never issued for this list
    """
    try:
        return paginate(statement, ordering, per_page=params.limit, cursor=params.cursor)
    except BadCursor:
        raise BadParameter("cursor", _l("cursor is not valid for this list; start again without it.")) from None


# --- routes ------------------------------------------------------------------------------------

@api_bp.route("/orders")
@spec.validate(query=OrderQuery, resp=responses(OrderPage, errors=(400, 401, 404)), security=MEMBER, tags=[TAG])
def orders():
    """The member's orders, newest first, a page at a time; `status` filters by group."""
    params = request.context.query
    member = current_api_member()
    statement = select(Order).where(Order.member_id == member.id)
    if params.status:
        statement = statement.where(Order.status.in_(STATUS_GROUPS[params.status]))
    found = keyset_page(statement, NEWEST, params)
    return private(jsonify({"items": [summary_json(order) for order in found.items],
                            "next_cursor": found.next_cursor}))


@api_bp.route("/orders/<order_no>")
@spec.validate(resp=responses(OrderOut, errors=(401, 404)), security=MEMBER, tags=[TAG])
def order(order_no):
    """One of the member's orders: lines, the price lines it was placed with, address, parcels,
    and what the shopper can do with it now (`actions`)."""
    return private(jsonify(order_json(my_order(current_api_member(), order_no))))


@api_bp.route("/orders/<order_no>/cancel", methods=["POST"])
@spec.validate(resp=responses(OrderOut, errors=(401, 404, 409)), security=MEMBER, tags=[TAG])
def order_cancel(order_no):
    """Cancel an unpaid order (its stock, coupons and points come back). 409: no longer unpaid."""
    member = current_api_member()
    found = my_order(member, order_no)
    with committed():
        cancel_by_shopper(found, member.id)
    return private(jsonify(order_json(found)))


@api_bp.route("/orders/<order_no>/receipt", methods=["POST"])
@spec.validate(resp=responses(OrderOut, errors=(401, 404, 409)), security=MEMBER, tags=[TAG])
def order_receive(order_no):
    """Confirm the goods arrived: the order is complete. 409: not shipped."""
    member = current_api_member()
    found = my_order(member, order_no)
    with committed():
        confirm_receipt(found, member.id)
    return private(jsonify(order_json(found)))


@api_bp.route("/orders/<order_no>/tracks")
@spec.validate(resp=responses(Tracks, errors=(401, 404)), security=MEMBER, tags=[TAG])
def order_tracks(order_no):
    """The order's parcels with the carrier's tracking events (as last polled), newest first."""
    found = my_order(current_api_member(), order_no)
    return private(jsonify({"parcels": [parcel_json(p, events=True) for p in order_parcels(found)]}))


@link(200, "ReadPaid", to="order", parameters={"path.order_no": "$request.path.order_no"})
@link(200, "Tracks", to="order_tracks", parameters={"path.order_no": "$request.path.order_no"})
@link(200, "AskForRefund", to="aftersale_request", parameters={"path.order_no": "$request.path.order_no"},
      body={"kind": "refund_only", "reason": "other"})
@api_bp.route("/orders/<order_no>/payment", methods=["POST"])
@spec.validate(json=PaymentRequest, resp=responses(PaymentOut, errors=(400, 401, 404, 409, 422, 502)),
               security=MEMBER, tags=[TAG])
def order_payment(order_no):
    """Pay an unpaid order. wechat: the signed parameters of `wx.requestPayment` (this mini-program's
    AppID, the member's openid); the order turns paid when WeChat Pay notifies. balance: paid at
    once from the member's stored value. 409: not waiting for payment, or the balance is short;
    422: this mini-program has no WeChat login set up; 502: WeChat Pay refused or was unreachable."""
    method = request.context.json.method
    member = current_api_member()
    found = my_order(member, order_no)
    if method == "balance":
        with committed():
            pay_with_balance(found, member)
        return private(jsonify({"method": method, "order": order_json(found)}))
    if found.status != Order.PENDING_PAYMENT:
        raise OrderStateError(_l("This order is no longer waiting for payment."))
    appid, _secret = mini_program_credentials(appid_from_request(request.headers.get("X-Duoshop-AppID"),
                                                                 request.headers.get("Referer")))
    with committed():
        payment = start_payment(found, JSAPI, client_ip=request.remote_addr, openid=member.openid, appid=appid)
    return private(jsonify({"method": method, "params": payment.jsapi}))
