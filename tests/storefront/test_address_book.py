"""The shopper's address book on the store host and the checkout's address block: add,
correct, make default, delete; the default preselected at checkout, another address chosen
there; a 省/市/区 that does not exist refused with its message and nothing written; another
store's address ids unknown; 「使用微信地址」 signed for WeChat's JS-SDK inside WeChat."""
import hashlib
import json
import re

import pytest
from sqlalchemy import select

from commerce.members.models import Address
from commerce.orders.models import Order
from core.extensions import db
from core.tenancy import tenant_context
from tests.commerce.members.test_wechat_login import wechat_login  # noqa: F401  (the fixture)
from tests.commerce.orders.test_checkout_and_pay import ADDRESS, DESKTOP, add_to_cart
from tests.conftest import csrf_from
from tests.factories import create_member, create_product, create_store, sku_of

IN_WECHAT = {"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0) Mobile/15E148 MicroMessenger/8.0.50 "
                           "NetType/WIFI Language/zh_CN", "Accept-Language": "en"}


@pytest.fixture
def shop(app_ctx):
    """demo sells 龙井 (¥50) to 小明, whose factory address (杭州 西湖区) is his default;
    tea has its own member: ``(demo, tea, product, sku, member, address, tea member)``."""
    demo, tea = create_store("demo"), create_store("tea")
    product = create_product(demo, "龙井", price=5000, stock=5)
    member_id, address_id = create_member(demo, nickname="小明")
    tea_member, _ = create_member(tea, nickname="阿茶")
    return demo, tea, product, sku_of(demo, product), member_id, address_id, tea_member


def signed_in(client, store, member_id):
    with client.session_transaction(base_url=f"http://{store.slug}.duoshop.test") as session:
        session["member_id"] = member_id
    return client


def post(client, path, form_page, **data):
    token = csrf_from(client, form_page)
    return client.post(path, data={"csrf_token": token, **data}, headers=DESKTOP)


def addresses_of(store, member_id):
    with tenant_context(store.id):
        db.session.expire_all()
        rows = db.session.scalars(select(Address).where(Address.member_id == member_id)
                                  .order_by(Address.id)).all()
        return [(a.city, a.district, a.detail, a.is_default) for a in rows]


def orders_of(store):
    with tenant_context(store.id):
        db.session.expire_all()
        return db.session.scalars(select(Order)).all()


def test_the_address_book_adds_corrects_makes_default_and_deletes(shop, store_client):
    demo, _, _, _, member_id, home, _ = shop
    shopper = signed_in(store_client("demo"), demo, member_id)
    assert "文三路 100 号" in shopper.get("/me/addresses", headers=DESKTOP).get_data(as_text=True)
    assert "/me/addresses" in shopper.get("/me", headers=DESKTOP).get_data(as_text=True)

    added = post(shopper, "/me/addresses/new", "/me/addresses/new",
                 **{**ADDRESS, "city": "宁波市", "district": "鄞州区", "detail": "中山东路 1 号"})
    assert added.status_code == 302 and added.location.endswith("/me/addresses")
    assert addresses_of(demo, member_id) == [("杭州市", "西湖区", "文三路 100 号", True),
                                             ("宁波市", "鄞州区", "中山东路 1 号", False)]
    office = addresses_of_ids(demo, member_id)[1]
    post(shopper, f"/me/addresses/{office}", f"/me/addresses/{office}",
         **{**ADDRESS, "city": "宁波市", "district": "海曙区", "detail": "中山西路 2 号", "make_default": "y"})
    assert addresses_of(demo, member_id) == [("杭州市", "西湖区", "文三路 100 号", False),
                                             ("宁波市", "海曙区", "中山西路 2 号", True)]
    post(shopper, f"/me/addresses/{home}/default", "/me/addresses")
    assert [row[3] for row in addresses_of(demo, member_id)] == [True, False]
    post(shopper, f"/me/addresses/{home}/delete", "/me/addresses")
    assert addresses_of(demo, member_id) == [("宁波市", "海曙区", "中山西路 2 号", True)]


def addresses_of_ids(store, member_id):
    with tenant_context(store.id):
        return db.session.scalars(select(Address.id).where(Address.member_id == member_id)
                                  .order_by(Address.id)).all()


@pytest.mark.parametrize("changes, message", [
    ({"province_code": "330000", "city": "南京市", "district": "鼓楼区"}, "Choose a city of 浙江省."),
    ({"province_code": "330000", "city": "杭州市", "district": "朝阳区"}, "Choose a district of 杭州市."),
    ({"province_code": "990000"}, "Choose a province."),
])
def test_a_province_city_and_district_that_do_not_exist_are_refused_and_nothing_is_written(
        shop, store_client, changes, message):
    demo, _, product, sku, member_id, address_id, _ = shop
    shopper = signed_in(store_client("demo"), demo, member_id)
    before = addresses_of(demo, member_id)
    refused = post(shopper, "/me/addresses/new", "/me/addresses/new", **{**ADDRESS, **changes})
    assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    refused = post(shopper, f"/me/addresses/{address_id}", f"/me/addresses/{address_id}", **{**ADDRESS, **changes})
    assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    add_to_cart(shopper, product, sku)
    refused = post(shopper, "/checkout", "/checkout", address_id="", **{**ADDRESS, **changes})
    assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    assert addresses_of(demo, member_id) == before and orders_of(demo) == []


def test_checkout_preselects_the_default_and_ships_to_the_address_chosen(shop, store_client):
    demo, _, product, sku, member_id, home, _ = shop
    shopper = signed_in(store_client("demo"), demo, member_id)
    post(shopper, "/me/addresses/new", "/me/addresses/new",
         **{**ADDRESS, "name": "李四", "city": "宁波市", "district": "鄞州区", "detail": "中山东路 1 号"})
    office = addresses_of_ids(demo, member_id)[1]
    add_to_cart(shopper, product, sku)
    page = shopper.get("/checkout", headers=DESKTOP).get_data(as_text=True)
    checked = re.findall(r'<input type="radio" name="address_id" value="(\d*)"[^>]*checked', page)
    assert checked == [str(home)]  # the default, and the new address's fields stay disabled
    assert re.search(r'<fieldset class="new-address" data-new-address\s+disabled hidden>', page)

    placed = post(shopper, "/checkout", "/checkout", address_id=str(office))
    assert placed.status_code == 302
    (order,) = orders_of(demo)
    assert (order.ship_name, order.ship_region, order.ship_detail) == ("李四", "浙江省 宁波市 鄞州区", "中山东路 1 号")


def test_a_new_address_at_checkout_joins_the_book_without_taking_the_default(shop, store_client):
    demo, _, product, sku, member_id, _, _ = shop
    shopper = signed_in(store_client("demo"), demo, member_id)
    add_to_cart(shopper, product, sku)
    placed = post(shopper, "/checkout", "/checkout", address_id="",
                  **{**ADDRESS, "city": "温州市", "district": "鹿城区", "detail": "五马街 8 号"})
    assert placed.status_code == 302
    assert addresses_of(demo, member_id) == [("杭州市", "西湖区", "文三路 100 号", True),
                                             ("温州市", "鹿城区", "五马街 8 号", False)]
    assert orders_of(demo)[0].ship_region == "浙江省 温州市 鹿城区"


def test_another_store_s_member_can_neither_see_nor_use_an_address(shop, store_client, app_ctx):
    demo, tea, _, _, _, address_id, tea_member = shop
    tea_product = create_product(tea, "白茶", price=3000, stock=5)
    shopper = signed_in(store_client("tea"), tea, tea_member)
    assert shopper.get(f"/me/addresses/{address_id}", headers=DESKTOP).status_code == 404
    page = shopper.get("/me/addresses", headers=DESKTOP).get_data(as_text=True)
    assert f"/me/addresses/{address_id}" not in page
    for verb in ("default", "delete"):
        post(shopper, f"/me/addresses/{address_id}/{verb}", "/me/addresses")
    add_to_cart(shopper, tea_product, sku_of(tea, tea_product))
    refused = post(shopper, "/checkout", "/checkout", address_id=str(address_id))
    assert refused.status_code == 409 and "Choose where the order should go." in refused.get_data(as_text=True)
    assert orders_of(tea) == []
    with tenant_context(demo.id):
        db.session.expire_all()
        assert db.session.get(Address, address_id).is_default  # untouched


def test_the_picker_data_is_the_npm_package_s_file(shop, store_client, app):
    response = store_client("demo").get("/assets/areas.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = json.loads(response.get_data())
    assert data["province_list"]["330000"] == "浙江省" and data["county_list"]["330106"] == "西湖区"
    assert len(data["county_list"]) > 3000


def test_outside_wechat_the_sandbox_offers_its_stand_in_and_production_offers_nothing(shop, store_client, app):
    demo, _, product, sku, member_id, _, _ = shop
    shopper = signed_in(store_client("demo"), demo, member_id)
    page = shopper.get("/me/addresses/new", headers=DESKTOP).get_data(as_text=True)
    assert 'data-wechat-address="sandbox"' in page and "data-wechat-sandbox" in page
    app.config["WECHAT_SANDBOX"] = False
    try:
        page = shopper.get("/me/addresses/new", headers=DESKTOP).get_data(as_text=True)
    finally:
        app.config["WECHAT_SANDBOX"] = True
    assert "data-wechat-address" not in page and "jweixin" not in page


def wx_config(page):
    match = re.search(r"data-wx-config='([^']+)'", page)
    return json.loads(match.group(1).replace("&#34;", '"'))


def test_inside_wechat_the_page_is_signed_for_wx_open_address_with_one_ticket_for_all_stores(
        shop, store_client, wechat_login):  # noqa: F811
    demo, tea, _, _, member_id, _, tea_member = shop
    issued = wechat_login.app_tokens_issued
    shopper = signed_in(store_client("demo"), demo, member_id)
    response = shopper.get("/me/addresses/new", headers=IN_WECHAT)
    page = response.get_data(as_text=True)
    assert 'data-wechat-address="jssdk"' in page and "https://res.wx.qq.com/open/js/jweixin-1.6.0.js" in page
    assert "script-src 'self' https://res.wx.qq.com;" in response.headers["Content-Security-Policy"]
    config = wx_config(page)
    ticket = wechat_login.jsapi_ticket(wechat_login.issue_app_token(config["appId"]))
    signed = (f"jsapi_ticket={ticket}&noncestr={config['nonceStr']}&timestamp={config['timestamp']}"
              f"&url=http://demo.duoshop.test/me/addresses/new")
    assert config["signature"] == hashlib.sha1(signed.encode()).hexdigest()

    other = signed_in(store_client("tea"), tea, tea_member)
    assert wx_config(other.get("/me/addresses/new", headers=IN_WECHAT).get_data(as_text=True))["signature"]
    assert wechat_login.app_tokens_issued - issued == 2  # one for the page, one for this test's own check
    assert "res.wx.qq.com" not in shopper.get("/me/addresses/new", headers=DESKTOP).headers["Content-Security-Policy"]


def test_inside_wechat_without_a_ticket_the_button_is_left_out(shop, store_client, app):
    demo, _, _, _, member_id, _, _ = shop
    shopper = signed_in(store_client("demo"), demo, member_id)
    previous = app.config["WECHAT_API_BASE_URL"]
    app.config["WECHAT_API_BASE_URL"] = "http://127.0.0.1:9"  # WeChat cannot be reached
    try:
        page = shopper.get("/me/addresses/new", headers=IN_WECHAT).get_data(as_text=True)
    finally:
        app.config["WECHAT_API_BASE_URL"] = previous
    assert "data-wechat-address" not in page and "name=\"district\"" in page


def test_a_signed_out_visitor_is_sent_to_the_member_center(shop, store_client):
    response = store_client("demo").get("/me/addresses", headers=DESKTOP)
    assert response.status_code == 302 and response.location.endswith("/me")
