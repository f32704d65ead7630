"""What a shopper types into the cart and the checkout is read by ``storefront.forms``: input
that cannot be read, or names an address that is not theirs, is refused with a message and
writes nothing."""
import pytest
from sqlalchemy import func, select

from commerce.catalog.models import SKU
from commerce.orders.models import CartItem, Order
from core.extensions import db
from core.tenancy import tenant_context
from tests.commerce.orders.test_checkout_and_pay import ADDRESS, DESKTOP, add_to_cart
from tests.conftest import csrf_from
from tests.factories import create_member


def counts(store):
    with tenant_context(store.id):
        return (db.session.scalar(select(func.count()).select_from(Order)),
                db.session.scalar(select(func.count()).select_from(CartItem)))


def signed_in(client, member_id):
    with client.session_transaction(base_url=f"http://{client.host}") as session:
        session["member_id"] = member_id
    return client


@pytest.mark.parametrize(("quantity", "message"), [
    ("abc", "Enter a whole number, e.g. 12."),
    ("1.5", "Enter a whole number, e.g. 12."),
    ("0", "Quantity must be a whole number from 1 to 999."),
    ("1000", "Quantity must be a whole number from 1 to 999."),
])
def test_a_quantity_that_cannot_be_bought_is_refused_with_a_message_and_adds_nothing(shop, store_client, quantity,
                                                                                      message):
    demo, _tea, product_id, sku_id = shop
    shopper = store_client("demo")
    response = add_to_cart(shopper, product_id, sku_id, quantity=quantity)
    assert response.status_code == 302
    assert message in shopper.get("/cart", headers=DESKTOP).get_data(as_text=True)
    assert counts(demo) == (0, 0)


def test_full_width_digits_are_read_as_the_quantity(shop, store_client):
    demo, _tea, product_id, sku_id = shop
    add_to_cart(store_client("demo"), product_id, sku_id, quantity="２")
    with tenant_context(demo.id):
        assert db.session.scalar(select(CartItem.quantity)) == 2


def test_adding_without_choosing_an_option_is_refused(shop, store_client):
    demo, _tea, product_id, _sku_id = shop
    shopper = store_client("demo")
    shopper.get(f"/products/{product_id}", headers=DESKTOP)
    shopper.post("/cart/items", data={"sku_id": "", "quantity": "1"},
                 headers={**DESKTOP, "Origin": f"http://{shopper.host}"})
    assert "Choose an option of this product first." in shopper.get("/cart", headers=DESKTOP).get_data(as_text=True)
    assert counts(demo) == (0, 0)


def test_the_remove_button_posted_after_the_quantity_removes_the_line(shop, store_client):
    demo, _tea, product_id, sku_id = shop
    shopper = store_client("demo")
    add_to_cart(shopper, product_id, sku_id, quantity=2)
    token = csrf_from(shopper, "/cart")
    # A browser sends the quantity input, then the "Remove" button that was pressed.
    shopper.post(f"/cart/items/{sku_id}", data={"csrf_token": token, "quantity": ["2", "0"]}, headers=DESKTOP)
    assert counts(demo) == (0, 0)


def test_a_cart_quantity_that_cannot_be_read_changes_nothing(shop, store_client):
    demo, _tea, product_id, sku_id = shop
    shopper = store_client("demo")
    add_to_cart(shopper, product_id, sku_id, quantity=2)
    token = csrf_from(shopper, "/cart")
    shopper.post(f"/cart/items/{sku_id}", data={"csrf_token": token, "quantity": "two"}, headers=DESKTOP)
    assert "Enter a whole number, e.g. 12." in shopper.get("/cart", headers=DESKTOP).get_data(as_text=True)
    with tenant_context(demo.id):
        assert db.session.scalar(select(CartItem.quantity)) == 2


@pytest.mark.parametrize(("address_id", "status", "message"), [
    ("999999", 409, "Choose where the order should go."),  # no such address
    ("other", 409, "Choose where the order should go."),  # another member's
    ("abc", 422, "Enter a whole number, e.g. 12."),
])
def test_checkout_to_an_address_that_is_not_the_shoppers_is_refused_and_writes_no_order(shop, store_client,
                                                                                        address_id, status, message):
    demo, _tea, product_id, sku_id = shop
    member_id, _address_id = create_member(demo)
    _other_member, other_address = create_member(demo, nickname="别人")
    shopper = signed_in(store_client("demo"), member_id)
    add_to_cart(shopper, product_id, sku_id)
    token = csrf_from(shopper, "/checkout")
    chosen = str(other_address) if address_id == "other" else address_id
    response = shopper.post("/checkout", data={"csrf_token": token, "address_id": chosen}, headers=DESKTOP)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert counts(demo) == (0, 1)  # no order; the line stays in the cart
    with tenant_context(demo.id):
        assert db.session.get(SKU, sku_id).stock == 5


def test_a_refused_checkout_shows_what_was_typed_again(shop, store_client):
    demo, _tea, product_id, sku_id = shop
    shopper = store_client("demo")
    add_to_cart(shopper, product_id, sku_id)
    token = csrf_from(shopper, "/checkout")
    response = shopper.post("/checkout", data={"csrf_token": token, **ADDRESS, "detail": "号", "note": "请放门口"},
                            headers=DESKTOP)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Enter the street and number" in page
    assert 'value="张三"' in page and 'value="请放门口"' in page
    assert counts(demo) == (0, 1)


def test_checkout_without_the_csrf_token_is_refused(shop, store_client):
    demo, _tea, product_id, sku_id = shop
    shopper = store_client("demo")
    add_to_cart(shopper, product_id, sku_id)
    response = shopper.post("/checkout", data=ADDRESS, headers=DESKTOP)
    assert response.status_code == 400
    assert counts(demo) == (0, 1)
