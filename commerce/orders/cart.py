"""Carts: a guest's (found by the token in their cookie) and a member's, merged when the
guest signs in. Quantities are checked against live stock on every change and again at
checkout; each line remembers the price the shopper saw, so a change can be pointed out.
"""
import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from commerce.catalog.models import SKU, Product
from commerce.orders.errors import CartProblem
from commerce.orders.hooks import price_now
from commerce.orders.models import Cart, CartItem
from core.extensions import db

MAX_QUANTITY = 999
MAX_LINES = 50


def new_cart_token():
    return secrets.token_urlsafe(32)


def find_cart(*, token=None, member_id=None):
    """The member's cart, else the guest cart of ``token``, else None."""
    if member_id is not None:
        return db.session.scalar(select(Cart).where(Cart.member_id == member_id))
    if token:
        return db.session.scalar(select(Cart).where(Cart.token == token, Cart.member_id.is_(None)))
    return None


def open_cart(*, token=None, member_id=None):
    """The cart to add to, made if there is none yet."""
    cart = find_cart(token=token, member_id=member_id)
    if cart is None:
        cart = Cart(member_id=member_id, token=None if member_id is not None else (token or new_cart_token()))
        db.session.add(cart)
        db.session.flush()
    return cart


def add_to_cart(cart, sku_id, quantity):
    """Add ``quantity`` of a SKU (on top of what the cart has).

    :raise CartProblem: unknown or unavailable SKU, a bad quantity, or more than in stock
    """
    sku, product = _sellable_sku(sku_id)
    item = db.session.scalar(select(CartItem).where(CartItem.cart_id == cart.id, CartItem.sku_id == sku.id))
    wanted = _checked_quantity(quantity) + (item.quantity if item else 0)
    _check_stock(product, sku, wanted)
    if item is None:
        if db.session.query(CartItem).filter(CartItem.cart_id == cart.id).count() >= MAX_LINES:
            raise CartProblem(_("Your cart is full (%(n)d lines). Check out or remove something first.", n=MAX_LINES))
        item = CartItem(cart_id=cart.id, sku_id=sku.id, quantity=wanted, seen_price=current_price(sku))
        db.session.add(item)
    else:
        item.quantity, item.seen_price = wanted, current_price(sku)
    db.session.flush()
    return item


def set_quantity(cart, sku_id, quantity):
    """Change a line's quantity; 0 removes it.

    :raise CartProblem: as ``add_to_cart``
    """
    item = db.session.scalar(select(CartItem).where(CartItem.cart_id == cart.id, CartItem.sku_id == sku_id))
    if item is None:
        raise CartProblem(_("That item is no longer in your cart."), status=404)
    if quantity == 0:
        db.session.delete(item)
        db.session.flush()
        return None
    sku, product = _sellable_sku(sku_id)
    item.quantity = _checked_quantity(quantity)
    _check_stock(product, sku, item.quantity)
    item.seen_price = current_price(sku)
    db.session.flush()
    return item


def merge_carts(guest_cart, member_id):
    """When a guest signs in, their cart joins the member's: quantities of the same SKU add
    up (capped by stock), and the guest cart is gone. Returns the member's cart."""
    member_cart = open_cart(member_id=member_id)
    if guest_cart is None or guest_cart.id == member_cart.id:
        return member_cart
    existing = {item.sku_id: item for item in db.session.scalars(
        select(CartItem).where(CartItem.cart_id == member_cart.id))}
    stock = dict(db.session.execute(select(SKU.id, SKU.stock).where(
        SKU.id.in_([item.sku_id for item in guest_cart.items]))).all()) if guest_cart.items else {}
    for item in db.session.scalars(select(CartItem).where(CartItem.cart_id == guest_cart.id)):
        mine = existing.get(item.sku_id)
        if mine is None:
            db.session.add(CartItem(cart_id=member_cart.id, sku_id=item.sku_id, quantity=item.quantity,
                                    seen_price=item.seen_price))
        else:
            mine.quantity = max(1, min(mine.quantity + item.quantity, stock.get(item.sku_id, 0), MAX_QUANTITY))
    db.session.flush()
    db.session.delete(guest_cart)
    db.session.flush()
    db.session.expire(member_cart, ["items"])
    return member_cart


@dataclass(frozen=True)
class CartLine:
    """One cart line as the shopper sees it now, with what is wrong with it, if anything."""

    item: CartItem
    sku: SKU
    product: Product
    price: int  # fen, today's
    problem: str | None

    @property
    def amount(self):
        return self.price * self.item.quantity

    @property
    def price_changed(self):
        return self.price != self.item.seen_price


def cart_lines(cart):
    """The cart's lines with live prices and stock, each flagged if it cannot be bought as is."""
    if cart is None:
        return []
    items = db.session.scalars(select(CartItem).where(CartItem.cart_id == cart.id).order_by(CartItem.id)).all()
    if not items:
        return []
    rows = db.session.execute(select(SKU, Product).join(Product, Product.id == SKU.product_id)
                              .where(SKU.id.in_([item.sku_id for item in items]))).all()
    found = {sku.id: (sku, product) for sku, product in rows}
    lines = []
    for item in items:
        sku, product = found[item.sku_id]
        lines.append(CartLine(item, sku, product, current_price(sku), line_problem(product, sku, item.quantity)))
    return lines


def current_price(sku):
    """What the SKU sells for now: a campaign's price while one is on (a flash sale's,
    ``commerce.orders.hooks.price_now``), else its price."""
    price = price_now(sku)
    return price if price is not None else sku.price


def line_problem(product, sku, quantity):
    if not product.is_on_sale():
        return _("No longer on sale.")
    if sku.stock == 0:
        return _("Sold out.")
    if quantity > sku.stock:
        return _("Only %(n)d left.", n=sku.stock)
    return None


def _sellable_sku(sku_id):
    row = db.session.execute(select(SKU, Product).join(Product, Product.id == SKU.product_id)
                             .where(SKU.id == sku_id)).first() if isinstance(sku_id, int) else None
    if row is None:
        raise CartProblem(_("Choose an option of this product first."), field="sku_id")
    sku, product = row
    if not product.is_on_sale():
        raise CartProblem(_("%(title)s is no longer on sale.", title=product.title), field="sku_id")
    return sku, product


def _checked_quantity(quantity):
    if not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        raise CartProblem(_("Quantity must be a whole number from 1 to %(n)d.", n=MAX_QUANTITY), field="quantity")
    return quantity


def _check_stock(product, sku, wanted):
    if sku.stock == 0:
        raise CartProblem(_("%(title)s is sold out.", title=_label(product, sku)), field="quantity")
    if wanted > sku.stock:
        raise CartProblem(_("Only %(n)d of %(title)s left.", n=sku.stock, title=_label(product, sku)),
                          field="quantity")


def _label(product, sku):
    return f"{product.title}（{sku.label()}）" if sku.spec_values else product.title
