"""The merchant's product form in a real browser: the browser refuses an oversized or
non-image file next to the field before sending it; product details are written in the
rich-text editor (Quill) with a picture from the image library and shown on the storefront,
with injected script stripped; a SKU's own picture is picked from the library and leads the
storefront gallery while that SKU is chosen."""
import re

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the ``browser`` fixture fails every test with what to install
    expect = None

from tests.e2e.screenshots import sign_in_console
from tests.e2e.server import AppServer

SIX_MB = b"\xff" * (6 * 1024 * 1024)


@pytest.fixture(scope="module")
def live_server(browser, tmp_path_factory):
    """An app and database of its own: these tests change the demo's products."""
    server = AppServer(workdir=tmp_path_factory.mktemp("e2e-catalog"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def console(page, live_server):
    sign_in_console(page, live_server)
    expect(page).to_have_url(live_server.url("/console/"))
    return page


def open_product(page, server, title):
    page.goto(server.url(f"/console/products?q={title}"))
    page.locator("main table a", has_text=title).first.click()
    expect(page).to_have_url(re.compile(r"/console/products/\d+$"))
    page.wait_for_function("() => window.DuoshopImagePicker && window.Quill")  # the deferred scripts ran
    return int(page.url.rsplit("/", 1)[1])


def test_an_oversized_or_non_image_file_is_refused_next_to_the_field_before_sending(console, live_server):
    page = console
    open_product(page, live_server, "T恤")
    uploads = []
    page.on("request", lambda request: uploads.append(request.url) if request.method == "POST" else None)
    field = page.locator("#image-file")
    field.set_input_files(files=[{"name": "huge.jpg", "mimeType": "image/jpeg", "buffer": SIX_MB}])
    note = page.locator("#image-file + .file-limit")
    expect(note).to_be_visible()
    expect(note).to_contain_text("「huge.jpg」 is larger than 5 MB")
    page.locator("form[action$='/images'] button[type=submit]").click()
    page.wait_for_timeout(300)
    assert uploads == []  # nothing was sent
    field.set_input_files(files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"}])
    expect(note).to_contain_text("「notes.txt」 is not a picture we can use")
    field.set_input_files(files=[{"name": "ok.png", "mimeType": "image/png", "buffer": b"\x89PNG small"}])
    expect(note).to_be_hidden()


def test_details_written_in_the_editor_with_a_library_picture_show_on_the_storefront(console, live_server):
    page = console
    product_id = open_product(page, live_server, "马克杯")
    editor = page.locator(".details-editor .ql-editor")
    expect(editor).to_be_visible()
    expect(page.locator("textarea#description")).to_be_hidden()
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type("Made by hand. ")
    page.keyboard.press("Control+B")
    page.keyboard.type("Glazed twice")
    page.keyboard.press("Control+B")
    page.locator(".ql-toolbar button.ql-image").click()
    dialog = page.locator("dialog#image-picker")
    expect(dialog).to_be_visible()
    dialog.locator(".image-picker-item").first.click()
    expect(dialog).to_be_hidden()
    expect(editor.locator("img")).to_have_count(1)
    picked = editor.locator("img").get_attribute("src")
    assert re.match(r"^/media/\d+/[0-9a-f]{32}\.(png|jpg|webp)$", picked)
    page.get_by_role("button", name="Save product").click()
    expect(page.locator(".flash-success")).to_be_visible()

    page.goto(live_server.url(f"/products/{product_id}", store="demo"))
    details = page.locator(".product-description .rich-text")
    expect(details.locator("strong")).to_have_text("Glazed twice")
    expect(details).to_contain_text("Made by hand.")
    expect(details.locator(f"img[src='{picked}']")).to_have_count(1)


def test_script_pasted_into_the_editor_is_stripped_before_the_storefront(console, live_server):
    page = console
    product_id = open_product(page, live_server, "耳机")
    editor = page.locator(".details-editor .ql-editor")
    editor.click()
    page.evaluate("""() => {
      const data = new DataTransfer();
      data.setData("text/html", '<p>安全<img src="/nothing.png" onerror="window.pwned=1"><script>window.pwned=2</script>'
        + '<a href="javascript:window.pwned=3">点我</a></p>');
      document.querySelector(".details-editor .ql-editor").dispatchEvent(
        new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
    }""")
    # And what a script could still put into the posted field, bypassing the editor.
    page.evaluate("""() => { const form = document.querySelector("textarea#description").form;
      form.addEventListener("submit", () => { document.querySelector("textarea#description").value +=
        '<img src="/x.png" onerror="window.pwned=4"><script>window.pwned=5</script>'; }); }""")
    page.get_by_role("button", name="Save product").click()
    expect(page.locator(".flash-success")).to_be_visible()
    page.goto(live_server.url(f"/products/{product_id}", store="demo"))
    html = page.locator(".product-description").inner_html()
    assert "onerror" not in html and "<script" not in html and "javascript:" not in html
    assert page.evaluate("window.pwned") is None


def test_a_sku_picture_picked_from_the_library_leads_the_gallery_when_that_sku_is_chosen(console, live_server):
    page = console
    product_id = open_product(page, live_server, "T恤")
    first_row = page.locator("main table tbody tr").first
    first_row.locator("[data-pick-image]").click()
    dialog = page.locator("dialog#image-picker")
    expect(dialog).to_be_visible()
    dialog.locator(".image-picker-item").nth(1).click()
    preview = first_row.locator(".image-field-preview")
    expect(preview).to_be_visible()
    picked = first_row.locator("input[type=hidden][name$='_image']").input_value()
    spec_values = first_row.locator("td").first.inner_text().split(" / ")
    page.get_by_role("button", name="Save product").click()
    expect(page.locator(".flash-success")).to_be_visible()

    page.goto(live_server.url(f"/products/{product_id}", store="demo"))
    sku_image = page.locator("[data-sku-image]")
    expect(sku_image).to_be_hidden()
    for value in spec_values:
        page.locator(".spec-value", has_text=value.strip()).first.click()
    expect(sku_image).to_be_visible()
    assert sku_image.get_attribute("src") == picked


def test_the_editors_link_tooltip_speaks_chinese_in_the_chinese_console(console, live_server):
    page = console
    page.goto(live_server.url("/lang/zh?next=/console/"))
    open_product(page, live_server, "T恤")
    page.locator(".details-editor .ql-editor").click()
    page.keyboard.press("Control+A")  # a link needs words to hang on
    page.locator(".ql-toolbar button.ql-link").click()  # Quill asks for the address in its tooltip
    tooltip = page.locator(".ql-tooltip.ql-editing")
    expect(tooltip).to_be_visible()
    words = tooltip.evaluate("""t => [getComputedStyle(t, '::before').content,
                                     getComputedStyle(t.querySelector('a.ql-action'), '::after').content]""")
    assert words == ['"输入链接："', '"保存"']
    page.keyboard.press("Escape")
    page.goto(live_server.url("/lang/en?next=/console/"))
