"""Pre-sales through the mini-program API: the product's pre-sale with its terms, the
preview's split (the quote's figures), booking with a retried request_id answering the same
order, the deposit then the balance paid from stored value each once, the order's parts and
ship date, bad input as problem details, and another store's token seeing nothing."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from commerce.members.models import Member
from commerce.members.wallet import refund_to_balance
from commerce.orders.models import Order
from core.extensions import db
from core.tenancy import tenant_context
from tests.commerce.marketing.presales.test_presales import DAY, presale, shift
from tests.storefront.api import conftest as api_tests
from tests.storefront.api.conftest import api

world = api_tests.world  # demo (龙井 ×20, alice, bob, carol) and tea (tina), with mini-programs


@pytest.fixture
def booked_presale(world):
    presale_id = presale(world.demo, world.product_id, world.sku_id, deposit=1000, worth=3000, price=4000, units=3)
    with tenant_context(world.demo.id):
        refund_to_balance(db.session.get(Member, world.alice.member_id), 20000, order_id=None, ref="seed")
        db.session.commit()
    return presale_id


def test_a_member_previews_books_and_pays_deposit_then_balance(world, booked_presale, platform_client):
    alice = world.alice
    terms = api(platform_client, "GET", f"/products/{world.product_id}/presale", alice).get_json()
    assert (terms["mode"], terms["deposit"], terms["deposit_counts_as"], terms["unpaid_balance"]) == (
        "deposit", 1000, 3000, "forfeit")
    assert terms["items"] == [{"sku_id": world.sku_id, "price": 4000, "units_left": 3}] and terms["ships_from"]
    preview = api(platform_client, "POST", f"/products/{world.product_id}/presale/preview", alice,
                  json={"sku_id": world.sku_id, "quantity": 2}).get_json()
    assert (preview["deposit"], preview["deposit_counts_as"], preview["balance"], preview["total"]) == (
        2000, 6000, 2000, 4000)
    assert preview["deposit_kept_if_balance_unpaid"] is True and preview["problems"] == []

    body = {"sku_id": world.sku_id, "quantity": 2, "request_id": "presale-req-0001"}
    placed = api(platform_client, "POST", f"/products/{world.product_id}/presale/orders", alice, json=body)
    assert placed.status_code == 201, placed.get_json()
    order = placed.get_json()
    again = api(platform_client, "POST", f"/products/{world.product_id}/presale/orders", alice, json=body)
    assert again.status_code == 201 and again.get_json()["order_no"] == order["order_no"]
    with tenant_context(world.demo.id):
        assert db.session.scalar(select(func.count()).select_from(Order)) == 1
    assert order["due_now"] == 2000 and order["actions"] == ["cancel", "pay"]
    assert [p["kind"] for p in order["presale"]["parts"]] == ["deposit", "balance"]

    paid = api(platform_client, "POST", f"/orders/{order['order_no']}/payment", alice, json={"method": "balance"})
    assert paid.status_code == 200
    after_deposit = paid.get_json()["order"]
    assert after_deposit["state"] == "pending_payment" and after_deposit["actions"] == []  # balance not open yet
    assert after_deposit["due_now"] == 2000 and after_deposit["presale"]["parts"][0]["paid_at"]
    early = api(platform_client, "POST", f"/orders/{order['order_no']}/payment", alice, json={"method": "balance"})
    assert early.status_code == 409 and early.headers["Content-Type"] == "application/problem+json"

    with tenant_context(world.demo.id):
        order_id = db.session.scalar(select(Order.id))
    shift(world.demo, order_id, DAY + timedelta(minutes=1))
    assert api(platform_client, "GET", f"/orders/{order['order_no']}", alice).get_json()["actions"] == ["pay"]
    done = api(platform_client, "POST", f"/orders/{order['order_no']}/payment", alice, json={"method": "balance"})
    assert done.get_json()["order"]["state"] == "paid" and done.get_json()["order"]["amounts"]["paid"] == 4000
    assert done.get_json()["order"]["presale"]["ships_from"]


def test_bad_bookings_are_problem_details_and_another_store_sees_nothing(world, booked_presale, platform_client):
    too_many = api(platform_client, "POST", f"/products/{world.product_id}/presale/orders", world.alice,
                   json={"sku_id": world.sku_id, "quantity": 4, "request_id": "presale-req-0002"})
    assert too_many.status_code == 409 and too_many.get_json()["code"] == "presale_sold_out"
    bad = api(platform_client, "POST", f"/products/{world.product_id}/presale/preview", world.alice,
              json={"sku_id": world.sku_id, "quantity": 0})
    assert bad.status_code == 400 and bad.headers["Content-Type"] == "application/problem+json"
    assert api(platform_client, "GET", f"/products/{world.product_id}/presale", world.tina).status_code == 404
    assert api(platform_client, "POST", f"/products/{world.product_id}/presale/orders", world.tina,
               json={"sku_id": world.sku_id, "request_id": "presale-req-0003"}).status_code == 404
