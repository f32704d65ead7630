"""After paying in WeChat's H5 cashier (the sandbox here) the shopper comes back to the
store: the store adds ``redirect_url`` (the order's page) to ``h5_url``, as WeChat's H5 flow
asks, and the sandbox's checkout shows the outcome and returns there, with a link."""
from html import unescape
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from tests.commerce.members.test_top_ups import choose, signed_in, start_paying, top_up_number
from tests.commerce.orders.test_checkout_and_pay import PHONE, add_to_cart, check_out, the_order
from tests.conftest import csrf_from
from tests.factories import create_member


def sent_to_wechat_h5(shopper, store, product_id, sku_id):
    add_to_cart(shopper, product_id, sku_id, then="checkout", headers=PHONE)
    check_out(shopper, headers=PHONE)
    order = the_order(store)
    token = csrf_from(shopper, f"/orders/{order.number}/pay")
    response = shopper.post(f"/orders/{order.number}/pay", data={"csrf_token": token}, headers=PHONE)
    assert response.status_code == 302
    return order, response.location


def test_the_store_tells_wechat_to_return_the_shopper_to_the_orders_page(shop, store_client, wechat):
    demo, _tea, product_id, sku_id = shop
    order, h5_url = sent_to_wechat_h5(store_client("demo"), demo, product_id, sku_id)
    assert parse_qs(urlparse(h5_url).query)["redirect_url"] == [f"http://demo.duoshop.test/orders/{order.number}"]


@pytest.mark.parametrize("outcome", ["SUCCESS", "FAIL"])
def test_the_sandbox_cashier_returns_the_shopper_to_the_store_after_paying(shop, store_client, wechat, outcome):
    demo, _tea, product_id, sku_id = shop
    order, h5_url = sent_to_wechat_h5(store_client("demo"), demo, product_id, sku_id)
    order_page = f"http://demo.duoshop.test/orders/{order.number}"
    cashier = requests.get(h5_url, timeout=10)
    assert cashier.status_code == 200
    assert f'name="redirect_url" value="{order_page}"' in unescape(cashier.text)
    assert f'class="return-to-store" href="{order_page}"' in unescape(cashier.text)  # a way back before paying too

    done = requests.post(h5_url.split("?")[0], data={"outcome": outcome, "redirect_url": order_page},
                         allow_redirects=False, timeout=10)
    page = unescape(done.text)
    assert done.status_code == 200
    assert f'<meta http-equiv="refresh" content="2;url={order_page}">' in page  # back by itself
    assert f'class="return-to-store" href="{order_page}"' in page  # or at once, by hand
    assert ("Payment succeeded" if outcome == "SUCCESS" else "Payment not completed") in page


@pytest.mark.parametrize("hostile", ["javascript:alert(1)", "//evil.example/", "data:text/html,hi", "/orders/1",
                                     "http://\nevil.example/"])
def test_the_sandbox_ignores_a_return_address_that_is_not_a_web_page(shop, store_client, wechat, hostile):
    demo, _tea, product_id, sku_id = shop
    _order, h5_url = sent_to_wechat_h5(store_client("demo"), demo, product_id, sku_id)
    base = h5_url.split("?")[0]
    assert "return-to-store" not in requests.get(base, params={"redirect_url": hostile}, timeout=10).text
    done = requests.post(base, data={"outcome": "SUCCESS", "redirect_url": hostile}, allow_redirects=False, timeout=10)
    assert done.status_code == 302 and "return-to-store" not in done.text  # the sandbox's own list, as before


def test_a_top_up_paid_on_a_phone_returns_to_the_top_up_page(shop, store_client, wechat):
    demo, _tea, _product_id, _sku_id = shop
    member_id, _ = create_member(demo, nickname="小明", openid="o-xiaoming")
    shopper = signed_in(store_client("demo"), member_id)
    number = top_up_number(choose(shopper, amount="100.00", headers=PHONE))
    response = start_paying(shopper, number, headers=PHONE)
    assert response.status_code == 302
    assert parse_qs(urlparse(response.location).query)["redirect_url"] == [f"http://demo.duoshop.test/me/top-ups/{number}"]
