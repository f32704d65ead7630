"""A store's WeChat Pay account: a sub-merchant of the platform or its own keys (stored
encrypted), set by owners and admins only, and the one its shoppers' payments go to."""
import pytest
from sqlalchemy import text

from core.extensions import db
from core.tenancy import tenant_context
from payments.models import WeChatPayAccount
from sandbox.wechatpay.keys import MerchantKeyPair
from tests.commerce.orders.test_checkout_and_pay import (
    order_sent_to_wechat,
    the_order,
)
from tests.conftest import csrf_from
from tests.factories import create_staff, login_staff


def save(client, **form):
    token = csrf_from(client, "/console/settings")
    return client.post("/console/settings/wechatpay", data={"csrf_token": token, **form},
                       headers={"Accept-Language": "en"})


def direct_form(sandbox, keys, **changes):
    form = {"mode": "direct", "mchid": "1230000109", "appid": "wx1234567890abcdef", "private_key": keys.private_pem,
            "cert_serial_no": keys.serial_no, "apiv3_key": "a" * 32, "public_key": sandbox.platform_key.public_pem,
            "public_key_id": sandbox.platform_key.public_key_id}
    form.update(changes)
    return form


def trade_of(sandbox, number):
    return next(t for t in sandbox.ledger.pending()[0] if t.out_trade_no == number)


def test_a_sub_merchant_number_routes_payments_to_it(shop, platform_client, store_client, wechat):
    demo, _tea, product_id, sku_id = shop
    login_staff(platform_client, demo)
    assert save(platform_client, mode="service_provider", sub_mchid="1900012345").status_code == 302
    order = order_sent_to_wechat(store_client("demo"), demo, product_id, sku_id)
    trade = trade_of(wechat, order.number)
    assert (trade.sub_mchid, trade.mchid) == ("1900012345", platform_client.application.config["WECHATPAY_SP_MCHID"])


def test_own_keys_are_stored_encrypted_and_payments_go_to_the_stores_own_account(shop, platform_client, store_client,
                                                                                   wechat, owner_engine):
    demo, _tea, product_id, sku_id = shop
    keys = MerchantKeyPair.generate()
    login_staff(platform_client, demo)
    assert save(platform_client, **direct_form(wechat, keys)).status_code == 302
    with owner_engine.connect() as conn:
        stored = conn.execute(text("SELECT private_key, apiv3_key FROM wechatpay_accounts")).one()
    assert "PRIVATE KEY" not in stored.private_key and "a" * 32 not in stored.apiv3_key
    order = order_sent_to_wechat(store_client("demo"), demo, product_id, sku_id)
    trade = trade_of(wechat, order.number)
    assert (trade.mchid, trade.sub_mchid) == ("1230000109", None)
    paid, _status = wechat.pay_transaction(order.number, send=False)
    headers, body = wechat.payment_notification(paid)
    assert platform_client.post(f"/payments/wechatpay/notify/{demo.id}", data=body, headers=headers).status_code == 204
    assert the_order(demo).status == "paid"


@pytest.mark.parametrize("changes, message", [
    ({"private_key": "not a key"}, "Paste the API private key"),
    ({"apiv3_key": "short"}, "32 characters"),
    ({"mchid": "12ab"}, "merchant number"),
    ({"public_key_id": "KEY1"}, "PUB_KEY_ID_"),
])
def test_bad_keys_are_refused_by_field_and_nothing_is_saved(shop, platform_client, wechat, changes, message):
    demo, _tea, _product, _sku = shop
    login_staff(platform_client, demo)
    response = save(platform_client, **direct_form(wechat, MerchantKeyPair.generate(), **changes))
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    with tenant_context(demo.id):
        assert db.session.query(WeChatPayAccount).count() == 0


def test_only_owners_and_admins_set_payment_keys_and_each_store_has_its_own(shop, platform_client):
    demo, tea, _product, _sku = shop
    create_staff(demo, "ops@demo.example.com", "operator")
    login_staff(platform_client, demo, email="ops@demo.example.com")
    assert save(platform_client, mode="service_provider", sub_mchid="1900012345").status_code == 403
    login_staff(platform_client, demo)
    save(platform_client, mode="service_provider", sub_mchid="1900012345")
    login_staff(platform_client, tea)
    assert "1900012345" not in platform_client.get("/console/settings").get_data(as_text=True)
    with tenant_context(tea.id):
        assert db.session.query(WeChatPayAccount).count() == 0
