"""Read-only questions the console asks about shipping templates, in the current store."""
from sqlalchemy import select

from commerce.shipping.models import ShippingTemplate
from core.extensions import db


def template_by_id(template_id):
    """The current store's shipping template, or None."""
    return db.session.scalar(select(ShippingTemplate).where(ShippingTemplate.id == template_id))
