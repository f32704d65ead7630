"""In a browser, in Chinese: the owner opens 数据 → RFM 客户分群, picks a coupon for a segment
and sends it in one step; the page says how many members got it and lists the campaign."""
import re

from tests.e2e.rfm_screens import add_buying
from tests.e2e.screenshots import TEA_OWNER, sign_in_console

ZH = {"locale": "zh-CN", "extra_http_headers": {"Accept-Language": "zh-CN,zh;q=0.9"}}


def test_an_rfm_segment_gets_a_coupon_in_one_step(new_context, live_server):
    sent_before = add_buying(live_server, TEA_OWNER["slug"])  # a year of buying; one campaign already
    page = new_context(**ZH).new_page()
    sign_in_console(page, live_server, TEA_OWNER)
    page.goto(live_server.url("/console/data/rfm"))
    assert page.locator(".data-tabs a[aria-current=page]").inner_text() == "RFM 客户分群"
    assert re.search(r"\d+ 位会员未授权用户画像", page.locator(".notice").inner_text())
    card = page.locator(f".segment:not(#segment-{sent_before}):has(form.send-coupon)").first  # one not sent yet
    segment = card.locator("h2").inner_text()
    members = int(card.locator("[data-members]").inner_text())
    card.locator("select").select_option(label="老客回馈满100减15")
    card.get_by_role("button", name="发券").click()
    page.wait_for_load_state("load")

    assert f"已向「{segment}」的 {members} 位会员发放「老客回馈满100减15」。" in page.locator(".flash").inner_text()
    row = page.locator("tr[data-campaign]").filter(has_text=segment).first
    assert row.locator("[data-issued]").inner_text() == str(members)
    assert row.locator("[data-used]").inner_text() == "0"
