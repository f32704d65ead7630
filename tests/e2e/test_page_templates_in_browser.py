"""A merchant starts a page from a template in a real browser, in Chinese: opens the gallery
from 店铺装修, previews the 618 / 双11 template (the store's own products in it), starts a page
from it, sees its blocks in the editor, publishes, and the store's subdomain shows it with
the pictures copied into the store's library.

Screenshots (375 and 1280 wide) of the gallery, the preview, the share card form and the
resulting storefront page, and of the editor, go to SHOTS (default /work/shots18/templates), to be looked at.
"""
import os
import re
from pathlib import Path

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the ``browser`` fixture fails every test with what to install
    expect = None

from tests.e2e.screenshots import sign_in_console
from tests.e2e.server import AppServer
from themes.page_templates import find_template

SHOTS = Path(os.environ.get("SHOTS", "/work/shots18/templates"))
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
ZH = {"locale": "zh-CN", "extra_http_headers": {"Accept-Language": "zh-CN,zh;q=0.9"}}


@pytest.fixture(scope="module")
def live_server(browser, tmp_path_factory):
    """An app and database of its own: this test adds pages the other browser tests must not see."""
    server = AppServer(workdir=tmp_path_factory.mktemp("e2e-templates"))
    server.start()
    yield server
    server.stop()


def _shot(page, name, full_page=True):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(300)  # pictures and fonts
    page.screenshot(path=str(SHOTS / name), full_page=full_page)


def _sign_in(page, server):
    sign_in_console(page, server)
    expect(page).to_have_url(server.url("/console/"))


def _phone(new_context):
    return new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, **ZH).new_page()


def _pictures_loaded(page, selector):
    return page.locator(selector).evaluate_all("images => images.map(i => i.complete && i.naturalWidth > 0)")


def test_merchant_previews_a_template_starts_a_page_from_it_and_publishes(new_context, live_server):
    template = find_template("big-sale")
    errors = []
    page = new_context(viewport=DESKTOP, **ZH).new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    _sign_in(page, live_server)

    # 1. The gallery, from the pages list.
    page.goto(live_server.url("/console/pages"))
    page.get_by_role("link", name="从模板新建").click()
    expect(page).to_have_url(live_server.url("/console/pages/templates"))
    expect(page.locator(".pt-card")).to_have_count(6)
    expect(page.get_by_role("heading", name="618 / 双11 大促")).to_be_visible()
    assert all(_pictures_loaded(page, ".pt-cover img"))
    _shot(page, "gallery-1280.png")

    # 2. The template's preview: the store's own products fill its blocks.
    page.locator(".pt-card[data-template=big-sale]").get_by_role("link", name="预览并使用").click()
    expect(page).to_have_url(live_server.url("/console/pages/templates/big-sale"))
    frame = page.frame_locator(".pt-phone iframe")
    expect(frame.locator(".page-blocks [data-block-type]")).to_have_count(len(template.blocks))
    expect(frame.get_by_text("全场热卖").first).to_be_visible()
    _shot(page, "preview-1280.png", full_page=False)

    # 3. Start a page from it: the editor opens on a draft with the template's blocks.
    page.locator("#title").fill("双11 狂欢节")
    page.locator("#slug").fill("double-11")
    page.get_by_role("button", name="使用此模板").click()
    expect(page).to_have_url(re.compile(r"/console/pages/\d+/edit$"))
    expect(page.locator("#page-editor.is-ready")).to_be_attached()
    expect(page.get_by_text("已用模板「618 / 双11 大促」新建页面「双11 狂欢节」")).to_be_visible()
    types = page.locator("#pe-blocks > .pe-block").evaluate_all("items => items.map(i => i.dataset.type)")
    assert types == [block["type"] for _block_id, block in template.blocks]
    _shot(page, "editor-1280.png", full_page=False)

    # 4. Publish, then the store's subdomain shows it, its pictures from the store's own library.
    page.locator("#pe-publish").click()
    expect(page.locator("#pe-status")).to_have_text(re.compile(r"版本"), timeout=10_000)
    page.goto(live_server.url("/console/media"))
    expect(page.get_by_text("双11 狂欢节 · campaign-hero").first).to_be_attached()

    shopper = _phone(new_context)
    shopper.on("pageerror", lambda error: errors.append(str(error)))
    shopper.goto(live_server.url("/p/double-11", store="demo"))
    expect(shopper.locator(".page-blocks [data-block-type]")).to_have_count(len(template.blocks))
    pictures = shopper.locator(".page-blocks img[src*='/media/']")
    sources = pictures.evaluate_all("images => images.map(i => i.getAttribute('src'))")
    assert sources and all(re.match(r"^/media/\d+/[0-9a-f]+\.(jpg|jpeg|webp|png)$", src) for src in sources), sources
    shopper.wait_for_load_state("networkidle")
    assert all(_pictures_loaded(shopper, ".page-blocks img[src*='/media/']"))
    share_title = shopper.locator('meta[name="duoshop:share-title"]').get_attribute("content")
    assert share_title == "双11 狂欢节"
    _shot(shopper, "storefront-page-375.png")
    wide = new_context(viewport=DESKTOP, **ZH).new_page()
    wide.goto(live_server.url("/p/double-11", store="demo"))
    _shot(wide, "storefront-page-1280.png")

    # 5. The other screens at a phone's width, and the share card form.
    phone = _phone(new_context)
    _sign_in(phone, live_server)
    phone.goto(live_server.url("/console/pages/templates"))
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the gallery is {width}px wide on a {PHONE['width']}px phone"
    _shot(phone, "gallery-375.png")
    phone.goto(live_server.url("/console/pages/templates/big-sale"))
    phone.frame_locator(".pt-phone iframe").locator(".page-blocks").wait_for()
    _shot(phone, "preview-375.png")
    page.goto(live_server.url("/console/pages"))
    page.locator("tr", has_text="双11 狂欢节").get_by_role("link", name="分享设置").click()
    page.locator("#desc").fill("跨店满 300 减 40，限时两天")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("分享设置已保存，发布页面后生效。")).to_be_visible()
    _shot(page, "share-1280.png")
    phone.goto(page.url)
    _shot(phone, "share-375.png")
    assert errors == [], errors
