"""After-sales from the mini-program: ask for a refund (or a return and refund) on a paid order,
and follow what the store decided — through ``commerce.aftersales``, as the H5 order page does."""
from datetime import datetime
from typing import Literal

from flask import abort, jsonify, request
from pydantic import Field
from sqlalchemy import select

from commerce.aftersales.models import AfterSale
from commerce.aftersales.service import kinds, reasons, request_after_sale, statuses
from commerce.orders.models import Order, OrderLine
from commerce.orders.refunds import refundable_amount
from core.extensions import db
from core.pagination import Ordering
from core.transaction import committed
from storefront.api.blueprint import MAX_ID, api_bp, current_api_member, private
from storefront.api.models import Body, Fen, Model, PageQuery
from storefront.api.orders import iso, keyset_page, my_order
from storefront.api.spec import MEMBER, link, responses, spec

TAG = "aftersales"
NEWEST = Ordering("api_aftersales_newest", AfterSale.id.desc())
MAX_RETURN_LINES = 50


class ReturnedLine(Body):
    line_id: int = Field(ge=1, le=MAX_ID, description="An order line's id.")
    quantity: int = Field(ge=1, le=999)


class AfterSaleRequest(Body):
    kind: Literal["refund_only", "return_and_refund"] = Field(
        description="refund_only (仅退款) or return_and_refund (退货退款: name the lines going back).")
    reason: Literal["not_received", "damaged", "wrong_item", "quality", "changed_mind", "other"]
    line_ids: list[int] | None = Field(None, max_length=MAX_RETURN_LINES, description=(
        "return_and_refund: order lines going back, each whole (what is not refunded of it yet)."))
    lines: list[ReturnedLine] | None = Field(None, max_length=MAX_RETURN_LINES,
                                             description="Or the lines going back with how many of each.")
    amount: int | None = Field(None, ge=1, description="Fen asked back; default: all that can still be refunded.")
    description: str | None = Field(None, max_length=500)


class AfterSaleOut(Model):
    id: int
    order_no: str
    kind: str
    kind_label: str
    reason: str
    reason_label: str
    description: str | None
    amount: Fen
    lines: dict[str, int] = Field(description="{order line id: quantity} going back.")
    status: Literal["requested", "approved", "rejected", "withdrawn"]
    status_label: str
    merchant_note: str | None = Field(description="The store's note on its decision.")
    created_at: datetime
    decided_at: datetime | None


class AfterSalePage(Model):
    items: list[AfterSaleOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


def aftersale_json(found, order_no):
    return {"id": found.id, "order_no": order_no, "kind": found.kind, "kind_label": str(kinds()[found.kind]),
            "reason": found.reason,
            "reason_label": str(reasons().get(found.reason, found.reason)), "description": found.description,
            "amount": found.amount, "lines": {str(k): v for k, v in (found.lines or {}).items()},
            "status": found.status, "status_label": str(statuses()[found.status]), "merchant_note": found.merchant_note, "created_at": iso(found.created_at),
            "decided_at": iso(found.decided_at)}


def _returned(order, body):
    """``{order line id: quantity}`` as ``request_after_sale`` takes it (it checks them)."""
    if body.lines is not None:
        return {line.line_id: line.quantity for line in body.lines}
    if not body.line_ids:
        return {}
    lines = {line.id: line for line in db.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id))}
    return {line_id: lines[line_id].quantity - lines[line_id].refunded_quantity if line_id in lines else -1
            for line_id in body.line_ids}  # -1: not this order's line, refused by the service


@link(201, "ReadAfterSale", to="aftersale", parameters={"path.aftersale_id": "$response.body#/id"})
@api_bp.route("/orders/<order_no>/aftersales", methods=["POST"])
@spec.validate(json=AfterSaleRequest, resp=responses(AfterSaleOut, status=201, errors=(400, 401, 404, 422)),
               security=MEMBER, tags=[TAG])
def aftersale_request(order_no):
    """Ask the store for a refund on a paid order (one open request at a time). 422: the order
    is not eligible, one is open already, or an amount or line is wrong (`field` names it)."""
    body = request.context.json
    member = current_api_member()
    order = my_order(member, order_no)
    with committed():
        found = request_after_sale(order, member.id, kind=body.kind, reason=body.reason,
                                   description=body.description,
                                   amount=body.amount if body.amount is not None else refundable_amount(order),
                                   lines=_returned(order, body))
    return private(jsonify(aftersale_json(found, order.number))), 201


@api_bp.route("/aftersales")
@spec.validate(query=PageQuery, resp=responses(AfterSalePage, errors=(400, 401, 404)), security=MEMBER, tags=[TAG])
def aftersales():
    """The member's after-sale requests, newest first."""
    params = request.context.query
    member = current_api_member()
    statement = select(AfterSale).where(AfterSale.member_id == member.id)
    found = keyset_page(statement, NEWEST, params)
    numbers = dict(db.session.execute(select(Order.id, Order.number).where(
        Order.id.in_({item.order_id for item in found.items}))).all()) if found.items else {}
    return private(jsonify({"items": [aftersale_json(item, numbers[item.order_id]) for item in found.items],
                            "next_cursor": found.next_cursor}))


@api_bp.route("/aftersales/<int:aftersale_id>")
@spec.validate(resp=responses(AfterSaleOut, errors=(401, 404)), security=MEMBER, tags=[TAG])
def aftersale(aftersale_id):
    """One of the member's after-sale requests and the store's decision."""
    member = current_api_member()
    found = db.session.scalar(select(AfterSale).where(AfterSale.id == aftersale_id, AfterSale.member_id == member.id)
                              ) if aftersale_id <= MAX_ID else None
    if found is None:
        abort(404)
    return private(jsonify(aftersale_json(found, db.session.get(Order, found.order_id).number)))
