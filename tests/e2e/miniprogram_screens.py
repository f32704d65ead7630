"""The mini-program's main screens at phone width, to look at (not a test).

    .venv/bin/python -m tests.e2e.miniprogram_screens [--out DIR] [--keep-html] [SCREEN ...]

Runs ``miniprogram/tools/render.js`` (the pages under miniprogram-simulate, fed the captured
API answers of ``miniprogram/test/fixtures/`` and a home page of blocks), which writes one
standalone HTML file per screen, then photographs each with Debian's Chromium at 375x812
(device scale 2, the whole page) as DIR/<screen>.png (default: /work/shots/mp or
tests/e2e/screenshots/miniprogram). Needs ``cd miniprogram && npm ci`` once, Chromium and
a Chinese font (``apt-get install chromium fonts-noto-cjk``). Prints a warning for a page
wider than the phone, an image that did not load, or a script error.
"""
import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.e2e.chromium import chromium_missing_message
from tests.e2e.server import PROJECT_ROOT, launch_chromium

MINIPROGRAM = PROJECT_ROOT / "miniprogram"
RENDER = MINIPROGRAM / "tools" / "render.js"
DEFAULT_OUT = PROJECT_ROOT / "tests" / "e2e" / "screenshots" / "miniprogram"
VIEWPORT = {"width": 375, "height": 812}


def render_html(html_dir, screens=()):
    """The node tool's HTML files, one per screen, in the order it wrote them."""
    if not (MINIPROGRAM / "node_modules" / "miniprogram-simulate").is_dir():
        sys.exit("miniprogram/node_modules is missing: run `cd miniprogram && npm ci` first")
    node = shutil.which("node") or sys.exit("node is not on the PATH")
    done = subprocess.run([node, str(RENDER), "--out", str(html_dir), *screens], cwd=MINIPROGRAM,
                          capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"render.js failed:\n{done.stdout}{done.stderr}")
    return [Path(line) for line in done.stdout.split() if line.endswith(".html")]


def photograph(files, out_dir):
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        context = browser.new_context(viewport=VIEWPORT, device_scale_factor=2, is_mobile=True,
                                      has_touch=True, locale="zh-CN")
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        for html in files:
            errors.clear()
            page.goto(html.as_uri())
            page.wait_for_load_state("load")
            wide = page.evaluate("document.documentElement.scrollWidth")
            if wide > VIEWPORT["width"]:
                print(f"warning: {html.stem} is {wide}px wide (phone: {VIEWPORT['width']}px)")
            broken = page.evaluate("[...document.images].filter(i => !i.naturalWidth).length")
            if broken:
                print(f"warning: {html.stem}: {broken} image(s) did not load")
            for error in errors:
                print(f"warning: {html.stem}: script error: {error}")
            # The whole page in one viewport, so what WeChat fixes to the bottom of the screen
            # (the tab bar, a page's action bar) is drawn at the bottom of the picture.
            height = page.evaluate("document.documentElement.scrollHeight")
            page.set_viewport_size({"width": VIEWPORT["width"], "height": max(VIEWPORT["height"], height)})
            target = out_dir / f"{html.stem}.png"
            page.screenshot(path=str(target), full_page=True)
            page.set_viewport_size(VIEWPORT)
            written.append(target)
        browser.close()
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the PNGs go")
    parser.add_argument("--keep-html", action="store_true", help="leave the HTML files next to the PNGs")
    parser.add_argument("screens", nargs="*", help="only these (home product cart checkout order member)")
    args = parser.parse_args(argv)
    missing = chromium_missing_message()
    if missing:
        sys.exit(missing)
    out_dir = args.out.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mp-screens-") as tmp:
        html_dir = out_dir if args.keep_html else Path(tmp)
        files = render_html(html_dir, args.screens)
        for png in photograph(files, out_dir):
            print(png)


if __name__ == "__main__":
    main()
