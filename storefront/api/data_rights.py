"""A shopper's rights over their data (PIPL art. 45, 47) in the mini-program: ask for a copy
of it (ready within a minute; downloaded once by a signed link on the store's host, within
24 hours) and close the account (refused, as problem details, while orders are open or stored
value is left)."""
from datetime import datetime
from typing import Literal

from flask import abort, jsonify, url_for
from pydantic import Field

from commerce.members.rights import download_token, erase_member, find_data_export, request_data_export
from core.transaction import committed
from storefront.api.blueprint import MAX_ID, absolute, api_bp, current_api_member, private
from storefront.api.models import Body, Model
from storefront.api.orders import iso
from storefront.api.spec import MEMBER, responses, spec

TAG = "data rights"


class DataExportOut(Model):
    id: int
    status: Literal["pending", "ready", "downloaded", "expired"] = Field(
        description="pending: being built (poll again in a few seconds); ready: download it once from "
                    "`download_url` before `expires_at`; downloaded / expired: ask for a new one.")
    requested_at: datetime
    ready_at: datetime | None
    expires_at: datetime | None
    download_url: str | None = Field(description="Only when ready: a one-time link on the store's host (no token "
                                                 "needed); each answer gives a new one and the last stops working.")


class ErasureIn(Body):
    confirm: Literal[True] = Field(description="Must be true: the shopper confirmed they want the account closed.")


class ErasureOut(Model):
    erased: bool
    erased_at: datetime


def export_json(export):
    url = None
    if export.status == export.READY:
        url = absolute(url_for("storefront.data_export_download", token=download_token(export)))
    return {"id": export.id, "status": export.status, "requested_at": iso(export.created_at),
            "ready_at": iso(export.ready_at), "expires_at": iso(export.expires_at), "download_url": url}


@api_bp.route("/me/data-exports", methods=["POST"])
@spec.validate(resp=responses(DataExportOut, status=202, errors=(401, 404, 409)), security=MEMBER, tags=[TAG])
def data_export_request():
    """Ask for a copy of everything the store holds about the shopper (profile, addresses, orders,
    ledgers, coupons, consents, events), as a ZIP of JSON and CSV. Answers at once with the
    export, pending; it is ready within a minute (poll `GET /me/data-exports/{export_id}`).
    Asking again while one is pending or ready returns that one."""
    member = current_api_member()
    with committed():
        export = request_data_export(member.id)
    with committed():
        body = export_json(export)
    response = jsonify(body)
    response.status_code = 202
    return private(response)


@api_bp.route("/me/data-exports/<int:export_id>")
@spec.validate(resp=responses(DataExportOut, errors=(401, 404)), security=MEMBER, tags=[TAG])
def data_export(export_id):
    """One of the shopper's exports; when ready, with a fresh one-time download link."""
    member = current_api_member()
    export = find_data_export(member.id, export_id) if export_id <= MAX_ID else None
    if export is None:
        abort(404)
    with committed():
        body = export_json(export)
    return private(jsonify(body))


@api_bp.route("/me/erasure", methods=["POST"])
@spec.validate(json=ErasureIn, resp=responses(ErasureOut, errors=(400, 401, 404, 409)), security=MEMBER,
               tags=[TAG])
def erasure():
    """Close the shopper's account (注销): personal data erased, addresses deleted, points
    forfeited, unused coupons void; orders kept for the books with the personal fields blanked.
    The token stops working; signing in again with WeChat makes a new, empty member. 409 with
    `code` open_orders, open_after_sale, stored_value_left or commission_pending: nothing was
    changed; `detail` says what to do first."""
    member = current_api_member()
    with committed():
        erased = erase_member(member.id)
    return private(jsonify({"erased": True, "erased_at": iso(erased.erased_at)}))
