"""A shopper on a phone picks a SKU, checks out and pays in the WeChat Pay sandbox, whose
signed notification reaches the store over HTTP and marks the order paid — the same path
`make run` offers a developer."""
try:
    from playwright.sync_api import expect
except ImportError:  # the ``browser`` fixture fails every test with what to install
    expect = None

PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True,
         "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148"}


def test_a_shopper_buys_a_t_shirt_and_pays_in_the_sandbox(live_server, new_context):
    shopper = new_context(**PHONE).new_page()
    shopper.goto(live_server.url("/search?q=T恤", store="demo"))
    shopper.locator(".product-card").first.click()
    expect(shopper.get_by_role("heading", name="纯棉短袖T恤")).to_be_visible()
    shopper.wait_for_load_state("load")  # the picker's script has run (a tap before it posts the form as is)

    shopper.get_by_role("button", name="Buy now").click()  # nothing chosen yet: the picker asks
    expect(shopper.locator("[data-picker-message]")).to_contain_text("Choose")
    shopper.locator(".spec-value", has_text="黑").click()
    shopper.locator(".spec-value", has_text="L").click()
    expect(shopper.locator("[data-price]")).to_have_text("¥99.00")  # L costs ¥20 more than S
    shopper.get_by_role("button", name="Buy now").click()

    expect(shopper.get_by_role("heading", name="Check out")).to_be_visible()
    shopper.locator("#name").fill("张三")
    shopper.locator("#phone").fill("13812345678")
    shopper.locator("#province_code").select_option("330000")
    shopper.locator("#city").select_option("杭州市")  # the picker lists the province's cities
    shopper.locator("#district").select_option("西湖区")
    shopper.locator("#detail").fill("文三路 100 号")
    shopper.get_by_role("button", name="Place order").click()

    expect(shopper.get_by_role("heading", name="Pay for your order")).to_be_visible()
    expect(shopper.locator(".pay .price")).to_have_text("¥99.00")
    shopper.get_by_role("button", name="Pay with WeChat Pay").click()  # a phone browser: WeChat's H5 page
    shopper.wait_for_url("**/sandbox/wechatpay/**")
    shopper.get_by_role("button", name="Pay ¥99.00").click()  # the sandbox's checkout
    shopper.wait_for_url("**/orders/*", timeout=10_000)  # WeChat's redirect_url: back to the order by itself
    expect(shopper.locator("main")).to_contain_text("Paid, to be shipped")

    shopper.goto(live_server.url("/orders", store="demo"))
    expect(shopper.locator(".order-card").first).to_contain_text("Paid, to be shipped")
    expect(shopper.locator(".order-card").first).to_contain_text("纯棉短袖T恤 · 黑 / L × 1")
