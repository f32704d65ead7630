"""Issue 16's whole loop in real browsers: two shoppers open the store from a share link in a
WeChat group, sign in (agreeing to the policy and to profiling), look at a product, buy it
and pay in the WeChat Pay sandbox; once the day is rolled up, the owner's 概况 counts both
orders and visitors, the funnel of the 社群 channel shows both paying, and after computing the
RFM segments the owner sends a coupon to the shoppers' segment in one step — which the
shoppers then find in their coupons.

The server is shared with the other browser tests (they may have shopped today too), so the
figures are read before and after: the test checks what these two shoppers added."""
import sqlite3
import time

from core.clock import china_today
from tests.e2e.screenshots import DEMO_OWNER, sign_in_console

try:
    from playwright.sync_api import expect
except ImportError:  # the ``browser`` fixture fails every test with what to install
    expect = None

PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True,
         "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148"}
ZH = {"locale": "zh-CN", "extra_http_headers": {"Accept-Language": "zh-CN,zh;q=0.9"}}
JACKET = "水洗牛仔外套"  # ¥259, one SKU
SHOPPERS = (("阿青", "13800000001"), ("阿紫", "13800000002"))
COUPON = "满199减20"


def query(live_server, sql, *params):
    with sqlite3.connect(live_server.database) as conn:
        return conn.execute(sql, params).fetchall()


def roll_up_today(live_server):
    assert "stores rolled up" in live_server.flask("analytics-rollup", "--day", china_today().isoformat())


def figures(page, live_server):
    """``(paid orders, visitors)`` on the 概况, and the paying visitors of the 社群 funnel, today."""
    page.goto(live_server.url("/console/"))
    cards = {key: page.locator(f"[data-metric={key}] [data-value]").inner_text()
             for key in ("paid_orders", "visitors")}
    page.goto(live_server.url("/console/data/?range=today&channel=group"))
    paying = page.locator("tr[data-step=paid] [data-visitors]").inner_text()
    return int(cards["paid_orders"]), int(cards["visitors"]), int(paying)


def shop(live_server, context, nickname, phone, product_id):
    shopper = context.new_page()
    shopper.goto(live_server.url("/login?next=/me", store="demo"))
    shopper.locator("input[name=agree]").check()
    shopper.locator("input[name=profiling]").check()
    shopper.locator("form.sign-in-consent button[type=submit]").click()
    shopper.locator("input[name=nickname]").fill(nickname)
    shopper.get_by_role("button", name="Create and allow").click()
    shopper.wait_for_load_state("load")

    with shopper.expect_response(lambda response: response.url.endswith("/t")) as beacon:
        shopper.goto(live_server.url(f"/products/{product_id}?utm_source=group", store="demo"))  # the group's link
    assert beacon.value.status == 204
    expect(shopper.get_by_role("heading", name=JACKET)).to_be_visible()
    shopper.wait_for_load_state("load")  # the picker's script has run
    shopper.get_by_role("button", name="Buy now").click()

    expect(shopper.get_by_role("heading", name="Check out")).to_be_visible()
    shopper.locator("#name").fill(nickname)
    shopper.locator("#phone").fill(phone)
    shopper.locator("#province_code").select_option("330000")
    shopper.locator("#city").select_option("杭州市")
    shopper.locator("#district").select_option("西湖区")
    shopper.locator("#detail").fill("文三路 100 号")
    shopper.get_by_role("button", name="Place order").click()
    expect(shopper.get_by_role("heading", name="Pay for your order")).to_be_visible()
    shopper.get_by_role("button", name="Pay with WeChat Pay").click()
    shopper.wait_for_url("**/sandbox/wechatpay/**")
    shopper.get_by_role("button", name="Pay ¥259.00").click()
    shopper.wait_for_url("**/orders/*", timeout=10_000)
    expect(shopper.locator("main")).to_contain_text("Paid, to be shipped")
    return shopper


def test_two_shoppers_buy_and_the_console_counts_them_and_their_segment_gets_a_coupon(live_server, new_context):
    [(product_id,)] = query(live_server, "SELECT p.id FROM products p JOIN tenants t ON t.id = p.tenant_id "
                                         "WHERE t.slug = 'demo' AND p.title = ?", JACKET)
    owner = new_context(**ZH).new_page()
    sign_in_console(owner, live_server, DEMO_OWNER)
    paid_events = "SELECT count(*) FROM analytics_events WHERE kind = 'order_paid'"
    [(paid_before,)] = query(live_server, paid_events)
    roll_up_today(live_server)
    orders_before, visitors_before, paying_before = figures(owner, live_server)

    shoppers = [shop(live_server, new_context(**PHONE), nickname, phone, product_id) for nickname, phone in SHOPPERS]

    deadline = time.monotonic() + 15  # the outbox records the payments; the flusher writes every second
    while query(live_server, paid_events)[0][0] < paid_before + 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    roll_up_today(live_server)
    orders, visitors, paying = figures(owner, live_server)
    assert orders == orders_before + 2
    assert visitors >= visitors_before + 2  # two new visitors (the day's other visits may add more)
    assert paying == paying_before + 2  # both came by the group's link and paid

    owner.goto(live_server.url("/console/data/rfm"))
    owner.get_by_role("button", name="立即计算").click()
    owner.wait_for_load_state("load")
    segments = {segment for (segment,) in query(
        live_server, "SELECT r.segment FROM member_rfm r JOIN members m ON m.id = r.member_id AND "
                     "m.tenant_id = r.tenant_id WHERE m.nickname IN (?, ?)", *[name for name, _ in SHOPPERS])}
    assert len(segments) == 1, segments  # the same purchase, the same day: the same segment
    card = owner.locator(f"#segment-{segments.pop()}")
    card.locator("select").select_option(label=COUPON)
    card.get_by_role("button", name="发券").click()
    owner.wait_for_load_state("load")
    expect(owner.locator(".flash")).to_contain_text(f"发放「{COUPON}」")

    for shopper in shoppers:
        shopper.goto(live_server.url("/me/coupons", store="demo"))
        expect(shopper.locator("main")).to_contain_text(COUPON)
