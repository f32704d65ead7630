"""A shopper's pre-sale on the H5 storefront: the product page shows the terms and the
ship-from date, the checkout the quote's deposit now / balance later and the forfeit rule
before paying, the pay page the deposit, the order page the balance due in its window and
then the ship date; another store's host knows nothing of it."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from commerce.members.models import Member
from commerce.members.wallet import refund_to_balance
from commerce.orders.models import Order
from core.extensions import db
from core.tenancy import tenant_context
from tests.commerce.marketing.presales.test_presales import DAY, presale, shift
from tests.conftest import csrf_from
from tests.factories import create_member, create_product, create_store, sku_of

PHONE = {"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0) Mobile/15E148", "Accept-Language": "en"}


@pytest.fixture
def shop(app_ctx):
    demo, tea = create_store("demo"), create_store("tea")
    product = create_product(demo, "明前龙井预售", price=12000, stock=50)
    return demo, tea, product, sku_of(demo, product)


def signed_in(client, member_id):
    with client.session_transaction(base_url=f"http://{client.host}") as session:
        session["member_id"] = member_id
    return client


def test_a_shopper_books_pays_the_deposit_then_the_balance_and_sees_the_ship_date(shop, store_client):
    demo, tea, product_id, sku_id = shop
    presale_id = presale(demo, product_id, sku_id, deposit=1000, worth=3000, price=10000)
    member_id, _address = create_member(demo)
    with tenant_context(demo.id):
        refund_to_balance(db.session.get(Member, member_id), 50000, order_id=None, ref="seed")
        db.session.commit()
    shopper = signed_in(store_client("demo"), member_id)

    page = shopper.get(f"/products/{product_id}", headers=PHONE).get_data(as_text=True)
    assert "Deposit ¥10.00 now, counts as ¥30.00 off the price" in page and "Ships from" in page
    assert "the deposit is not refunded" in page
    booked = shopper.post(f"/presales/{presale_id}/book", data={"sku_id": str(sku_id), "quantity": "2"},
                          headers={**PHONE, "Origin": "http://demo.duoshop.test"})
    assert booked.status_code == 302 and booked.location.endswith("/checkout/presale")
    checkout = shopper.get("/checkout/presale", headers=PHONE).get_data(as_text=True)
    assert "Deposit, to pay now" in checkout and "¥20.00" in checkout  # 2 × ¥10
    assert "¥140.00" in checkout and "¥60.00" in checkout  # the balance; what the deposit counts as
    assert "the deposit is not refunded" in checkout and "Pre-sale: ships from" in checkout
    token = csrf_from(shopper, "/checkout/presale")
    placed = shopper.post("/checkout/presale", data={"csrf_token": token, "address_id": str(_address)}, headers=PHONE)
    assert placed.status_code == 302 and "/pay" in placed.location
    with tenant_context(demo.id):
        order = db.session.scalar(select(Order))
        number = order.number
    pay_page = shopper.get(f"/orders/{number}/pay", headers=PHONE).get_data(as_text=True)
    assert "¥20.00" in pay_page and "Deposit" in pay_page
    token = csrf_from(shopper, f"/orders/{number}/pay")
    assert shopper.post(f"/orders/{number}/pay-with-balance", data={"csrf_token": token}, headers=PHONE).status_code == 302
    detail = shopper.get(f"/orders/{number}", headers=PHONE).get_data(as_text=True)
    assert "Deposit paid. Pay the balance of ¥140.00" in detail and "The balance can be paid from" in detail
    assert "Cancel order" not in detail
    assert shopper.get(f"/orders/{number}/pay", headers=PHONE).status_code == 302  # not yet payable
    assert "A pre-sale balance" not in shopper.get("/me", headers=PHONE).get_data(as_text=True)

    shift(demo, order.id, DAY + timedelta(minutes=1))
    detail = shopper.get(f"/orders/{number}", headers=PHONE).get_data(as_text=True)
    assert "Pay balance" in detail
    # Once the window is open the member center reminds the buyer, linking to the order.
    assert "A pre-sale balance of ¥140.00 is due by" in shopper.get("/me", headers=PHONE).get_data(as_text=True)
    assert "¥140.00" in shopper.get(f"/orders/{number}/pay", headers=PHONE).get_data(as_text=True)
    token = csrf_from(shopper, f"/orders/{number}/pay")
    assert shopper.post(f"/orders/{number}/pay-with-balance", data={"csrf_token": token}, headers=PHONE).status_code == 302
    detail = shopper.get(f"/orders/{number}", headers=PHONE).get_data(as_text=True)
    assert "Paid, to be shipped" in detail and "Pre-sale: ships from" in detail
    with tenant_context(demo.id):
        assert db.session.get(Member, member_id).balance == 50000 - 16000

    other = store_client("tea")
    assert other.post(f"/presales/{presale_id}/book", data={"sku_id": str(sku_id)},
                      headers={**PHONE, "Origin": "http://tea.duoshop.test"}).status_code == 404


def test_a_quantity_out_of_range_is_said_on_the_product_page(shop, store_client):
    demo, _tea, product_id, sku_id = shop
    presale_id = presale(demo, product_id, sku_id)
    shopper = store_client("demo")
    refused = shopper.post(f"/presales/{presale_id}/book", data={"sku_id": str(sku_id), "quantity": "0"},
                           headers={**PHONE, "Origin": "http://demo.duoshop.test"})
    assert refused.status_code == 302 and refused.location.endswith(f"/products/{product_id}")
    with shopper.session_transaction(base_url="http://demo.duoshop.test") as session:
        assert "presale_checkout" not in session and session.get("_flashes")
