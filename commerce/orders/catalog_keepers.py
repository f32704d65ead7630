"""Orders keep the products they sold: the catalog refuses to delete a product an order line
names (it asks through ``commerce.catalog.service.keeps_products``, never importing orders)."""
from sqlalchemy import select

from commerce.catalog.service import keeps_products
from commerce.orders.models import OrderLine
from core.extensions import db


@keeps_products
def product_was_ordered(product):
    return db.session.scalar(select(OrderLine.id).where(OrderLine.product_id == product.id).limit(1)) is not None
