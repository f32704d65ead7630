"""The demo store's decorated home page in every theme, phone and desktop.

    .venv/bin/python -m tests.e2e.theme_screenshots [--out DIR] [--only REGEX]

Starts the app like the browser tests do (fresh SQLite database, demo stores), publishes a
home page with a dozen blocks for the ``demo`` store through the app's own services
(banner pictures generated with Pillow and stored through ``core.storage``), then for each
theme switches the store to it with ``change_theme`` and writes
``theme-<name>-<375|1280>.png`` to tests/e2e/artifacts/ (git-ignored), and the console's
design screen as ``design-<375|1280>.png``. Warns about pages
wider than the viewport, script errors and failed sub-resources. The banner files it
stored are deleted at the end.
"""
import argparse
import io
import re
import subprocess
import sys
from pathlib import Path

from tests.e2e.chromium import chromium_missing_message
from tests.e2e.screenshots import VIEWPORTS, _context, _watch, cjk_font_missing, sign_in_console
from tests.e2e.server import AppServer, launch_chromium

OUT_DIR = Path(__file__).resolve().parent / "artifacts"
STORE = "demo"


def _cjk_font(bold=True):
    """A Chinese font for the banner text as ``(path, index)``, or None (no text then)."""
    style = "bold" if bold else "regular"
    listing = subprocess.run(["fc-list", "-f", "%{file}|%{index}|%{style}|%{family}\n", ":lang=zh"],
                             capture_output=True, text=True, check=False).stdout.splitlines()
    fonts = [line.split("|") for line in listing if line.count("|") == 3]
    # Simplified-Chinese sans-serif first: that is what the banner text is written in.
    for path, index, styles, _family in sorted(fonts, key=lambda f: ("Sans" not in f[0], "SC" not in f[3], "Mono" in f[3])):
        if style in styles.lower():
            return path, int(index)
    return None


def _font(size, bold):
    from PIL import ImageFont

    found = _cjk_font(bold) or _cjk_font(not bold)
    return ImageFont.truetype(found[0], size, index=found[1]) if found else None


def banner_png(headline, tagline, start, end):
    """A 750×375 banner: a diagonal gradient, two soft circles and the text."""
    from PIL import Image, ImageDraw

    width, height = 750, 375
    image = Image.new("RGB", (width, height))
    pixels = image.load()
    for x in range(width):
        for y in range(0, height):
            t = (x / width * 0.7 + y / height * 0.3)
            pixels[x, y] = tuple(int(a + (b - a) * t) for a, b in zip(start, end, strict=True))
    draw = ImageDraw.Draw(image, "RGBA")
    draw.ellipse((520, -80, 860, 260), fill=(255, 255, 255, 40))
    draw.ellipse((600, 200, 800, 400), fill=(255, 255, 255, 28))
    big, small = _font(64, bold=True), _font(30, bold=False)
    if big and small:
        draw.text((56, 118), headline, font=big, fill=(255, 255, 255))
        draw.text((60, 214), tagline, font=small, fill=(255, 255, 255, 230))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def home_document(banner_urls, categories):
    def block(type_, children=(), **settings):
        value = {"type": type_, "settings": settings}
        if children:
            value["blocks"] = {f"c{i}": {"type": t, "settings": s} for i, (t, s) in enumerate(children)}
            value["order"] = [f"c{i}" for i in range(len(children))]
        return value

    first_category = categories[0].id if categories else None
    blocks = [
        block("announcement_bar", text="新人首单立减10元 · 全场满99包邮", dismissible=False),
        block("header", children=[("nav_link", {"label": "首页", "link": "/"}),
                                  ("nav_link", {"label": "新品", "link": f"/c/{first_category}" if first_category else "/"}),
                                  ("nav_link", {"label": "关于我们", "link": "/p/about"})]),
        block("search_bar", placeholder="搜索商品", hot_keywords="T恤, 马克杯, 蓝牙耳机"),
        block("banner", children=[("slide", {"image": url, "alt": alt, "link": "/"}) for url, alt in banner_urls]),
        block("category_grid", title="", columns=4, count=8),
        block("product_grid", title="本周新品", source="newest", columns=2, count=4),
        block("product_carousel", title="热卖推荐", source="best_selling", count=6),
        block("rich_text", html="<h3>关于我们</h3><p>我们只卖自己每天在用的东西：<strong>好面料、好手感、好价格</strong>。"
                                "下单后 48 小时内发货，7 天无理由退换。</p>"),
        block("member_card", title="会员卡", benefits="积分抵现 · 生日礼券 · 专属客服", link="/member"),
        block("footer", children=[("footer_link", {"label": "关于我们", "link": "/p/about"}),
                                  ("footer_link", {"label": "售后服务", "link": "/p/service"})],
              text="客服电话 400-000-0000（9:00–21:00）", icp_number="京ICP备12345678号-1"),
    ]
    return {"blocks": {f"b{i}": b for i, b in enumerate(blocks)}, "order": [f"b{i}" for i in range(len(blocks))]}


class StoreDecorator:
    """The app in this process, on the server's database: publishes pages, switches themes."""

    def __init__(self, server):
        from duoshop.app import create_app

        self.app = create_app("development", overrides={
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{server.database}", "PLATFORM_DOMAIN": f"localhost:{server.port}",
            "JOB_MODE": "eager", "RATELIMIT_STORAGE_URI": "memory://", "REDIS_URL": None,
        })
        self.stored = []

    def _store(self):
        from sqlalchemy import select

        from core.extensions import db
        from tenants.models import Tenant

        return db.session.scalar(select(Tenant).where(Tenant.slug == STORE))

    @staticmethod
    def _owner():
        from sqlalchemy import select

        from core.extensions import db
        from tenants.models import StaffUser

        return db.session.scalar(select(StaffUser).where(StaffUser.role == StaffUser.OWNER))

    def publish_home(self):
        from sqlalchemy import select

        from commerce.catalog.service import list_categories
        from core.extensions import db
        from core.storage import media_storage, prepare_image
        from core.tenancy import tenant_context
        from themes.models import Page
        from themes.pages import publish_page, save_draft

        with self.app.app_context():
            tenant = self._store()
            with tenant_context(tenant):
                owner = self._owner()
                banners = []
                for headline, tagline, start, end in (
                        ("夏日焕新季", "全场满 199 减 30 · 限时三天", (255, 94, 58), (255, 149, 0)),
                        ("居家好物", "北欧陶瓷杯 第二件半价", (36, 123, 160), (112, 193, 179))):
                    prepared = prepare_image(banner_png(headline, tagline, start, end))
                    banners.append((media_storage().save(tenant.id, prepared.filename, prepared.content), headline))
                    self.stored.append((tenant.id, prepared.filename))
                page = db.session.scalar(select(Page).where(Page.kind == Page.HOME))
                save_draft(page, home_document(banners, list_categories()), expected_revision=page.draft_revision,
                           actor=owner)
                publish_page(page, actor=owner)
                db.session.commit()

    def use_theme(self, name):
        from core.extensions import db
        from core.tenancy import tenant_context
        from themes.pages import change_theme

        with self.app.app_context(), tenant_context(self._store()):
            change_theme(actor=self._owner(), theme_name=name, settings={})
            db.session.commit()

    def clean_up(self):
        from core.storage import media_storage

        with self.app.app_context():
            for tenant_id, filename in self.stored:
                media_storage().delete(tenant_id, filename)


def take(browser, server, decorator, out_dir, only=None):
    from themes.theme import themes

    written, warnings = [], []
    for theme in sorted(themes()):
        if only and not re.search(only, theme):
            continue
        decorator.use_theme(theme)
        for viewport in VIEWPORTS:
            context = _context(browser, viewport)
            page = context.new_page()
            problems = _watch(page)
            page.goto(server.url("/", store=STORE))
            page.wait_for_load_state("networkidle")
            if f"theme-{theme}" not in (page.locator("body").get_attribute("class") or ""):
                warnings.append(f"{theme} @{viewport}: the page is not in this theme")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                warnings.append(f"{theme} @{viewport}: page is {overflow}px wider than the viewport")
            warnings.extend(f"{theme} @{viewport}: {problem}" for problem in problems)
            path = out_dir / f"theme-{theme}-{viewport}.png"
            page.screenshot(path=str(path), full_page=True)
            written.append(path)
            context.close()
    for viewport in VIEWPORTS:  # the console's design screen, as the owner sees it
        context = _context(browser, viewport)
        sign_in_console(context.new_page(), server)
        page = context.new_page()
        problems = _watch(page)
        page.goto(server.url("/console/design"))
        page.wait_for_load_state("networkidle")
        warnings.extend(f"design @{viewport}: {problem}" for problem in problems)
        path = out_dir / f"design-{viewport}.png"
        page.screenshot(path=str(path), full_page=True)
        written.append(path)
        context.close()
    return written, warnings


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="directory for the PNGs")
    parser.add_argument("--only", help="regular expression: only the matching themes")
    args = parser.parse_args(argv)
    missing = chromium_missing_message()
    if missing:
        sys.exit(missing)
    if cjk_font_missing():
        sys.exit("No Chinese font is installed: run `apt-get install -y fonts-noto-cjk`.")
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with AppServer() as server, sync_playwright() as playwright:
        decorator = StoreDecorator(server)
        browser = launch_chromium(playwright)
        try:
            decorator.publish_home()
            written, warnings = take(browser, server, decorator, args.out, args.only)
        finally:
            browser.close()
            decorator.clean_up()
    for path in written:
        print(path)
    for warning in warnings:
        print("WARNING:", warning, file=sys.stderr)


if __name__ == "__main__":
    main()
