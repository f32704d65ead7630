"""Addresses in a phone browser: the 省/市/区 picker cascades from the npm package's data,
「使用微信地址」 fills the form from the sandbox's stand-in for ``wx.openAddress``, and the
address book keeps several addresses, the default preselected at the next checkout."""
try:
    from playwright.sync_api import expect
except ImportError:  # the ``browser`` fixture fails every test with what to install
    expect = None

from tests.e2e.server import JSSDK_STUB
from tests.e2e.test_shopping_in_browser import PHONE


def options(select):
    return select.locator("option").all_inner_texts()


def test_the_picker_cascades_and_the_wechat_address_fills_the_checkout(live_server, new_context):
    shopper = new_context(**PHONE).new_page()
    errors = []
    shopper.on("pageerror", lambda exc: errors.append(str(exc)))
    shopper.goto(live_server.url("/search?q=龙井", store="tea"))
    shopper.locator(".product-card").first.click()
    shopper.get_by_role("button", name="Buy now").click()
    expect(shopper.get_by_role("heading", name="Check out")).to_be_visible()

    province, city, district = (shopper.locator(f"#{name}") for name in ("province_code", "city", "district"))
    assert options(city) == ["Choose"] and options(district) == ["Choose"]
    province.select_option(label="浙江省")
    expect(city.locator("option", has_text="杭州市")).to_have_count(1)
    assert "南京市" not in options(city) and len(options(city)) == 12  # 11 cities of 浙江省 and "Choose"
    city.select_option("杭州市")
    expect(district.locator("option", has_text="西湖区")).to_have_count(1)
    assert "鄞州区" not in options(district)  # 宁波's
    province.select_option(label="北京市")  # a new province empties the city and the district
    expect(city.locator("option", has_text="北京市")).to_have_count(1)
    assert options(district) == ["Choose"] and city.input_value() == ""

    shopper.get_by_role("button", name="Use my WeChat address").click()  # outside WeChat: the stand-in
    dialog = shopper.locator("dialog[data-wechat-sandbox]")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("广东省 广州市 海珠区 新港中路397号")
    dialog.get_by_role("button", name="Use this address").click()
    expect(dialog).to_be_hidden()
    expect(shopper.locator("#name")).to_have_value("张三")
    expect(shopper.locator("#phone")).to_have_value("13800138000")
    expect(province).to_have_value("440000")
    expect(city).to_have_value("广州市")
    expect(district).to_have_value("海珠区")
    expect(shopper.locator("#detail")).to_have_value("新港中路397号")
    expect(shopper.locator("[data-wechat-address-message]")).to_be_hidden()
    shopper.get_by_role("button", name="Place order").click()
    expect(shopper.get_by_role("heading", name="Pay for your order")).to_be_visible()

    # The address is in the book now; a second one, made the default, is preselected next time.
    shopper.goto(live_server.url("/me/addresses", store="tea"))
    expect(shopper.locator(".address-card")).to_contain_text("广东省 广州市 海珠区 新港中路397号")
    shopper.get_by_role("link", name="Add an address").click()
    shopper.locator("#name").fill("李四")
    shopper.locator("#phone").fill("13912345678")
    province.select_option(label="浙江省")
    city.select_option("宁波市")
    district.select_option("鄞州区")
    shopper.locator("#detail").fill("中山东路 1 号")
    shopper.get_by_label("Make this my default address").check()
    shopper.get_by_role("button", name="Save").click()
    expect(shopper.locator(".address-card")).to_have_count(2)
    expect(shopper.locator(".address-card.is-default")).to_contain_text("浙江省 宁波市 鄞州区 中山东路 1 号")

    shopper.goto(live_server.url("/search?q=龙井", store="tea"))
    shopper.locator(".product-card").first.click()
    shopper.get_by_role("button", name="Buy now").click()
    expect(shopper.locator("input[name=address_id]:checked").locator("xpath=..")).to_contain_text("李四")
    expect(shopper.locator("[data-new-address]")).to_be_hidden()
    shopper.get_by_label("A new address").check()  # the picker comes back for a third address
    expect(province).to_be_visible()
    assert errors == []


IN_WECHAT = {**PHONE, "user_agent": PHONE["user_agent"] + " MicroMessenger/8.0.50 NetType/WIFI Language/zh_CN"}


def test_inside_wechat_the_button_calls_wx_open_address_with_a_signed_config(live_server, new_context):
    context = new_context(**IN_WECHAT)
    context.route("https://res.wx.qq.com/**", lambda route: route.fulfill(
        status=200, content_type="application/javascript", body=JSSDK_STUB,
        headers={"Access-Control-Allow-Origin": "*"}))  # the tag asks with crossorigin, for its SRI check
    shopper = context.new_page()
    shopper.goto(live_server.url("/search?q=龙井", store="tea"))
    shopper.locator(".product-card").first.click()
    shopper.get_by_role("button", name="Buy now").click()
    expect(shopper.get_by_role("heading", name="Check out")).to_be_visible()
    expect(shopper.locator("dialog[data-wechat-sandbox]")).to_have_count(0)  # WeChat's own, no stand-in

    shopper.get_by_role("button", name="Use my WeChat address").click()
    expect(shopper.locator("#district")).to_have_value("武侯区")
    expect(shopper.locator("#province_code")).to_have_value("510000")
    expect(shopper.locator("#city")).to_have_value("成都市")
    expect(shopper.locator("#name")).to_have_value("王五")
    config = shopper.evaluate("window.wxConfig")
    assert config["jsApiList"] == ["openAddress"] and len(config["signature"]) == 40 and config["appId"]
