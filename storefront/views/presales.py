"""Pre-sales (预售) on the storefront: book a SKU of a product on pre-sale from its page, and
check out at the pre-sale price (``storefront.checkout``): the quote shows the deposit due
now, the balance due later and the ship-from date before the shopper pays anything."""
from types import SimpleNamespace

from flask import abort, flash, redirect, session, url_for
from flask_babel import gettext as _

from commerce.marketing.presales.queries import find_presale, presale_item_for_sku
from commerce.orders.cart import CartLine, line_problem, sku_and_product
from commerce.pricing.rules import Campaign
from core.extensions import csrf
from core.security import require_same_origin
from storefront.blueprints import storefront_bp
from storefront.checkout import Purchase, check_out
from storefront.forms import PresaleBookForm

PRESALE_CHECKOUT = "presale_checkout"


@storefront_bp.route("/presales/<int:presale_id>/book", methods=["POST"])
@csrf.exempt  # posted from cached product pages: checked by origin instead
def presale_book(presale_id):
    require_same_origin()
    presale = find_presale(presale_id) or abort(404)
    form = PresaleBookForm()
    if not form.validate():  # e.g. a quantity of 0 typed: said on the product page
        for message in (message for field in form for message in field.errors):
            flash(message, "error")
        return redirect(url_for("storefront.product_detail", product_id=presale.product_id))
    if presale_item_for_sku(presale.id, form.sku_id.data) is None:
        abort(404)
    session[PRESALE_CHECKOUT] = {"presale": presale_id, "sku": form.sku_id.data, "quantity": form.quantity.data}
    return redirect(url_for("storefront.presale_checkout"))


@storefront_bp.route("/checkout/presale", methods=["GET", "POST"])
def presale_checkout():
    """The SKU booked on the product page, at the pre-sale price, with the deposit and balance."""
    chosen = session.get(PRESALE_CHECKOUT) or abort(404)
    presale = find_presale(chosen["presale"]) or abort(404)
    item = presale_item_for_sku(presale.id, chosen["sku"]) or abort(404)

    def lines():
        sku, product = sku_and_product(item.sku_id)
        quantity = chosen["quantity"]
        problem = line_problem(product, sku, quantity) or (None if item.stock >= quantity else _sold_out(item.stock))
        return [CartLine(SimpleNamespace(quantity=quantity, seen_price=item.price), sku, product, item.price, problem)]

    return check_out(Purchase(lines, campaign=Campaign("presale", presale.id),
                              form_action=url_for("storefront.presale_checkout"),
                              placed=lambda _lines: session.pop(PRESALE_CHECKOUT, None), shown={"presale": presale}))


def _sold_out(left):
    return _("Only %(n)d left.", n=left) if left else _("Sold out.")

