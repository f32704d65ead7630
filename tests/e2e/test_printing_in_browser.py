"""Printing in the browser, in Chinese as merchants see it: tick the packing lists, press
打印发货单 / 打印拣货单 and get the print view (A4 sheets, no console chrome, one document per
page), then 批量获取面单并发货 against the 快递100 sandbox and print the 100 × 180 mm label.

It runs its own server (it ships the demo's paid order, which other browser tests show as
waiting). Screenshots of every page, as printed (``emulate_media(media="print")``) and on
screen at 375 and 1280 px, and PDFs of the print views go to ``SHOTS`` (/work/shots18/print
unless ``DUOSHOP_SHOTS`` says otherwise) for a person to look at."""
import os
import re
from pathlib import Path

import pytest

from tests.e2e.screenshots import sign_in_console
from tests.e2e.server import AppServer

SHOTS = Path(os.environ.get("DUOSHOP_SHOTS", "/work/shots18/print"))
WIDTHS = {"375": {"width": 375, "height": 812}, "1280": {"width": 1280, "height": 800}}
ZH = {"locale": "zh-CN", "extra_http_headers": {"Accept-Language": "zh-CN,zh;q=0.9"}}


@pytest.fixture(scope="module")
def own_server(browser, tmp_path_factory):
    server = AppServer(workdir=tmp_path_factory.mktemp("e2e-printing"))
    server.start()
    yield server
    server.stop()


def shoot(page, name, *, width):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(WIDTHS[width])
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


def opened_by(page, click):
    """The tab a ``target=_blank`` button opens, loaded."""
    with page.context.expect_page() as opening:
        click()
    tab = opening.value
    tab.wait_for_load_state("load")
    return tab


PAPER_PX = {"a4": 794, "a5": 559, "label": 378}  # the paper's width at 96 dpi
PAPER_PT = {"a4": (595, 842), "a5": (420, 595), "label": (283, 510)}  # PDF points: 210 × 297, 148 × 210, 100 × 180 mm


def printed(tab, name, paper="a4"):
    """Screenshots of a print view as printed (on its paper's width and both widths) and on
    screen, and its PDF."""
    tab.emulate_media(media="print")
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.set_viewport_size({"width": PAPER_PX[paper], "height": 800})
    tab.screenshot(path=str(SHOTS / f"{name}-paper.png"), full_page=True)
    for width in WIDTHS:
        shoot(tab, f"{name}-print", width=width)
    pdf = tab.pdf(path=str(SHOTS / f"{name}.pdf"), prefer_css_page_size=True, print_background=True)
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert boxes and {(round(float(w)), round(float(h))) for w, h in boxes} == {PAPER_PT[paper]}  # @page size
    tab.emulate_media(media="screen")
    for width in WIDTHS:
        shoot(tab, f"{name}-screen", width=width)


def test_ticked_packing_lists_print_as_a4_sheets_then_get_waybills_and_print_labels(new_context, own_server):
    page = new_context(viewport=WIDTHS["1280"], **ZH).new_page()
    sign_in_console(page, own_server)  # (on to the dashboard, whose chart script is `make assets`' business)
    errors = []
    page.context.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.context.on("response", lambda response: errors.append(f"{response.status} {response.url}")
                    if response.status >= 400 else None)
    page.goto(own_server.url("/console/packing"))
    lists = page.locator('input[name="packing"][form="packing-bulk"]')
    assert lists.count() >= 1
    page.get_by_label("全选本页").check()  # the script ticks every list
    assert all(lists.nth(i).is_checked() for i in range(lists.count()))
    for width in WIDTHS:
        shoot(page, "01-console-packing", width=width)

    packing = opened_by(page, lambda: page.get_by_role("button", name="打印发货单").click())
    assert "/console/print/packing?ids=" in packing.url
    sheets = packing.locator("article.packing-document")
    assert sheets.count() == lists.count() and packing.locator(".topnav").count() == 0
    assert "发货单" in sheets.first.inner_text() and "139****5678" in sheets.first.inner_text()
    packing.emulate_media(media="print")
    assert packing.locator(".print-toolbar").is_hidden()  # the toolbar does not print
    breaks = packing.evaluate("[...document.querySelectorAll('.sheet')].map(s => getComputedStyle(s).breakAfter)")
    assert breaks == ["page"] * (len(breaks) - 1) + ["auto"]  # a new page after each but the last
    printed(packing, "02-print-packing-a4")
    packing.goto(packing.url.replace("size=a4", "size=a5"))
    printed(packing, "03-print-packing-a5", paper="a5")

    picking = opened_by(page, lambda: page.get_by_role("button", name="打印拣货单").click())
    assert picking.locator("article.picking-document").count() == 1
    assert picking.locator(".picking-table .tick-box").count() >= 2  # a box to tick per SKU
    printed(picking, "04-print-picking")

    page.goto(own_server.url("/console/orders?status=paid"))
    page.locator("main table a").first.click()
    page.wait_for_load_state("load")
    order = opened_by(page, lambda: page.get_by_role("link", name="打印订单").click())
    assert "订单详情" in order.locator("h1").inner_text()
    printed(order, "05-print-order")

    # 面单设置, then 批量获取面单并发货 against the sandbox, then the label
    page.goto(own_server.url("/console/waybills/settings"))
    page.locator("#carrier").select_option("zhongtong")
    page.locator("#sender_phone").fill("0571-88886666")
    page.locator("#sender_region").fill("浙江省 杭州市 西湖区")
    page.locator("#sender_detail").fill("龙井路 1 号 2 号仓")
    for width in WIDTHS:
        shoot(page, "06-console-waybill-settings", width=width)
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state("load")
    assert "面单设置已保存" in page.inner_text("body")
    page.get_by_label("全选本页").check()
    page.get_by_role("button", name="批量获取面单并发货").click()
    page.wait_for_load_state("load")
    assert "已发货" in page.inner_text("main")
    for width in WIDTHS:
        shoot(page, "07-console-waybill-results", width=width)
    label = opened_by(page, lambda: page.get_by_role("link", name="打印面单").click())
    assert label.locator("article.waybill-label").count() >= 1
    assert label.locator("svg.barcode rect").count() > 20  # the number as Code 128 bars
    box = label.locator("article.waybill-label").first.bounding_box()
    assert abs(box["width"] - 378) < 4 and abs(box["height"] - 680) < 4  # 100 × 180 mm at 96 dpi
    printed(label, "08-print-waybill-label", paper="label")
    page.goto(own_server.url("/console/waybills"))
    for width in WIDTHS:
        shoot(page, "09-console-waybills", width=width)
    assert errors == [], errors  # no script error, no CSP refusal
