"""The member's address book: list, add, edit, delete, choose the default — checked against
China's 省/市/区 (``commerce.shipping.divisions``) by the same service as the H5 address book."""
from flask import abort, jsonify, request
from pydantic import Field

from commerce.members.addresses import change_address, delete_address, make_default_address, save_address
from commerce.members.queries import member_address, member_addresses
from commerce.shipping.divisions import divisions
from core.transaction import committed
from storefront.api.blueprint import MAX_ID, api_bp, current_api_member, private
from storefront.api.models import Body, Model
from storefront.api.spec import MEMBER, responses, spec

TAG = "addresses"


class AddressOut(Model):
    id: int
    name: str
    phone: str
    province: str = Field(description="省, e.g. 浙江省")
    city: str = Field(description="市, e.g. 杭州市")
    district: str | None = Field(description="区/县, e.g. 西湖区")
    street: str = Field(description="Street, number, building.")
    area_code: str | None = Field(description="The district's 6-digit GB/T 2260 code (wx.chooseAddress nationalCode).")
    province_code: str
    is_default: bool


class AddressList(Model):
    items: list[AddressOut]


class AddressIn(Body):
    name: str = Field(max_length=60)
    phone: str = Field(max_length=30)
    province: str | None = Field(None, max_length=40, description="省 by name; or give area_code.")
    city: str = Field(max_length=40)
    district: str = Field(max_length=40)
    street: str = Field(max_length=200)
    area_code: str | None = Field(None, pattern=r"^\d{6}$", description="The district's code; names the province.")
    is_default: bool = False


def address_json(address):
    known = divisions()
    city_code = known.city_code(address.province_code, address.city)
    return {"id": address.id, "name": address.name, "phone": address.phone,
            "province": known.provinces.get(address.province_code, ""), "city": address.city,
            "district": address.district, "street": address.detail, "province_code": address.province_code,
            "area_code": known.districts.get(city_code, {}).get(address.district) if city_code else None,
            "is_default": address.is_default}


def _fields(body):
    """What ``save_address`` takes; the service says which field is wrong."""
    if body.area_code:
        province_code = body.area_code[:2] + "0000"
    else:
        province_code = next((code for code, name in divisions().provinces.items() if name == body.province), "")
    return {"name": body.name, "phone": body.phone, "province_code": province_code, "city": body.city,
            "district": body.district, "detail": body.street}


def _list(member):
    return private(jsonify({"items": [address_json(a) for a in member_addresses(member.id)]}))


@api_bp.route("/addresses")
@spec.validate(resp=responses(AddressList, errors=(401, 404)), security=MEMBER, tags=[TAG])
def addresses():
    """The member's addresses, the default first."""
    return _list(current_api_member())


@api_bp.route("/addresses", methods=["POST"])
@spec.validate(json=AddressIn, resp=responses(AddressOut, status=201, errors=(400, 401, 404, 422)), security=MEMBER,
               tags=[TAG])
def address_add():
    """Add an address (the first one becomes the default). 422: a field is wrong (`field` names it)."""
    member = current_api_member()
    body = request.context.json
    with committed():
        address = save_address(member.id, **_fields(body), make_default=body.is_default)
    return private(jsonify(address_json(address))), 201


@api_bp.route("/addresses/<int:address_id>", methods=["PUT"])
@spec.validate(json=AddressIn, resp=responses(AddressOut, errors=(400, 401, 404, 422)), security=MEMBER, tags=[TAG])
def address_edit(address_id):
    """Correct an address (orders already placed keep theirs); is_default: true makes it the default."""
    member = current_api_member()
    body = request.context.json
    _known(address_id)
    with committed():
        address = change_address(member.id, address_id, **_fields(body), make_default=body.is_default)
    return private(jsonify(address_json(member_address(member.id, address.id))))


@api_bp.route("/addresses/<int:address_id>", methods=["DELETE"])
@spec.validate(resp=responses(AddressList, errors=(401, 404)), security=MEMBER, tags=[TAG])
def address_delete(address_id):
    """Delete an address; the newest left becomes the default if it was. Answers the book."""
    member = current_api_member()
    _known(address_id)
    with committed():
        delete_address(member.id, address_id)
    return _list(member)


@api_bp.route("/addresses/<int:address_id>/default", methods=["POST"])
@spec.validate(resp=responses(AddressList, errors=(401, 404)), security=MEMBER, tags=[TAG])
def address_default(address_id):
    """Make an address the default (preselected at checkout). Answers the book."""
    member = current_api_member()
    _known(address_id)
    with committed():
        make_default_address(member.id, address_id)
    return _list(member)


def _known(address_id):
    if address_id > MAX_ID:  # names nothing: ids are 32-bit
        abort(404)
