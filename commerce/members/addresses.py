"""A member's address book: several delivery addresses, one of them the default. Each is
checked — the 省/市/区 must be one of China's divisions (``commerce.shipping.divisions``) —
then stored with name, phone and street encrypted."""
import re

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from commerce.members.models import Address
from commerce.members.queries import member_address
from commerce.shipping.divisions import divisions
from core.errors import DomainError
from core.extensions import db
from core.forms import CN_MOBILE

MAX_ADDRESSES = 20  # per member, as WeChat's own address book allows


class InvalidAddress(DomainError):
    """An address field is missing or malformed; ``field`` names it."""


class UnknownAddress(DomainError):
    """No such address in this member's book (another member's, another store's, deleted)."""

    status = 404


def save_address(member_id, *, name, phone, province_code, city, district, detail, make_default=False):
    """A new address in the member's book; their first one, or ``make_default``, becomes the default.

    :raise InvalidAddress: naming the field to fix; nothing is written
    """
    fields = checked_address(name=name, phone=phone, province_code=province_code, city=city, district=district,
                             detail=detail)
    count = db.session.scalar(select(func.count()).select_from(Address).where(Address.member_id == member_id))
    if count >= MAX_ADDRESSES:
        raise InvalidAddress(_("You can keep at most %(count)d addresses. Delete one first.", count=MAX_ADDRESSES))
    address = Address(member_id=member_id, is_default=False, **fields)
    db.session.add(address)
    db.session.flush()
    if make_default or count == 0:
        make_default_address(member_id, address.id)
    return address


def change_address(member_id, address_id, *, name, phone, province_code, city, district, detail,
                   make_default=False):
    """Correct one of the member's addresses (orders placed keep the address they had).

    :raise UnknownAddress: no such address of this member
    :raise InvalidAddress: naming the field to fix; nothing is written
    """
    address = _own(member_id, address_id)
    for key, value in checked_address(name=name, phone=phone, province_code=province_code, city=city,
                                      district=district, detail=detail).items():
        setattr(address, key, value)
    if make_default:
        make_default_address(member_id, address.id)
    return address


def make_default_address(member_id, address_id):
    """The member's default address from now on: preselected at checkout.

    :raise UnknownAddress: no such address of this member
    """
    address = _own(member_id, address_id)
    db.session.execute(update(Address).where(Address.member_id == member_id, Address.id != address.id)
                       .values(is_default=False).execution_options(synchronize_session="fetch"))
    address.is_default = True
    return address


def delete_address(member_id, address_id):
    """Remove one of the member's addresses; when it was the default, their newest left takes over.

    :raise UnknownAddress: no such address of this member
    """
    address = _own(member_id, address_id)
    db.session.delete(address)
    db.session.flush()
    if address.is_default:
        newest = db.session.scalar(select(Address).where(Address.member_id == member_id)
                                   .order_by(Address.id.desc()).limit(1))
        if newest is not None:
            newest.is_default = True


def checked_address(*, name, phone, province_code, city, district, detail):
    """The address fields tidied, once the 省/市/区 is one of China's divisions.

    :raise InvalidAddress: naming the field to fix
    """
    name, province_code, city, district, detail = (str(v or "").strip() for v in (
        name, province_code, city, district, detail))
    phone = re.sub(r"[\s-]", "", str(phone or ""))
    if not name or len(name) > 30:
        raise InvalidAddress(_("Enter the receiver's name (at most 30 characters)."), field="name")
    if not CN_MOBILE.fullmatch(phone):
        raise InvalidAddress(_("Enter an 11-digit mobile number, like 13812345678."), field="phone")
    known = divisions()
    if province_code not in known.provinces:
        raise InvalidAddress(_("Choose a province."), field="province_code")
    if known.city_code(province_code, city) is None:
        raise InvalidAddress(_("Choose a city of %(province)s.", province=known.provinces[province_code]),
                             field="city")
    if not known.has(province_code, city, district):
        raise InvalidAddress(_("Choose a district of %(city)s.", city=city), field="district")
    if len(detail) < 4 or len(detail) > 120:
        raise InvalidAddress(_("Enter the street and number (4 to 120 characters)."), field="detail")
    return {"name": name, "phone": phone, "province_code": province_code, "city": city, "district": district,
            "detail": detail}


def _own(member_id, address_id):
    address = member_address(member_id, address_id)
    if address is None:
        raise UnknownAddress(_("This address is not in your address book."))
    return address
