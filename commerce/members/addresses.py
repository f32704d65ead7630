"""A member's delivery addresses: checked, then stored with name, phone and street encrypted."""
import re

from flask_babel import gettext as _
from sqlalchemy import select, update

from commerce.members.models import Address
from commerce.shipping.regions import is_known_region
from core.errors import DomainError
from core.extensions import db
from core.forms import CN_MOBILE


class InvalidAddress(DomainError):
    """An address field is missing or malformed; ``field`` names it."""


def save_address(member_id, *, name, phone, province_code, city, district="", detail):
    """A new default address for the member.

    :raise InvalidAddress: naming the field to fix
    """
    name, city, district, detail = (str(v or "").strip() for v in (name, city, district, detail))
    phone = re.sub(r"[\s-]", "", str(phone or ""))
    if not name or len(name) > 30:
        raise InvalidAddress(_("Enter the receiver's name (at most 30 characters)."), field="name")
    if not CN_MOBILE.fullmatch(phone):
        raise InvalidAddress(_("Enter an 11-digit mobile number, like 13812345678."), field="phone")
    if not is_known_region(province_code or ""):
        raise InvalidAddress(_("Choose a province."), field="province_code")
    if not city or len(city) > 40:
        raise InvalidAddress(_("Enter the city."), field="city")
    if len(district) > 40:
        raise InvalidAddress(_("The district can be at most 40 characters."), field="district")
    if len(detail) < 4 or len(detail) > 120:
        raise InvalidAddress(_("Enter the street and number (4 to 120 characters)."), field="detail")
    db.session.execute(update(Address).where(Address.member_id == member_id).values(is_default=False)
                       .execution_options(synchronize_session=False))
    address = Address(member_id=member_id, name=name, phone=phone, province_code=province_code, city=city,
                      district=district or None, detail=detail, is_default=True)
    db.session.add(address)
    db.session.flush()
    return address


def member_addresses(member_id):
    return db.session.scalars(select(Address).where(Address.member_id == member_id)
                              .order_by(Address.is_default.desc(), Address.id.desc())).all()
