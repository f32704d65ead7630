"""The payment pages load only inventoried scripts (PCI DSS 4.0.1 requirement 6.4.3, in spirit):
checkout, pay and top-up pay, in a desktop browser and inside WeChat, are read tag by tag —
every ``<script>`` is on the inventory (storefront/script_inventory.py), carries the
integrity hash of the bytes the store serves (or the pinned hash of WeChat's JS-SDK) and
``crossorigin``, and the page's CSP allows exactly those scripts by full URL, nothing more.
The checker itself is shown failing on a stray script, a wrong hash and a wider CSP; and the
inventory refuses to start without one of its files unless a setting allows it."""
import logging
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from flask import Flask

from core.script_integrity import EXTENSION, Script, ScriptInventory, sri_hash
from storefront.script_inventory import SCRIPTS
from storefront.wechat_address import JSSDK_URL
from tests.commerce.members.test_wechat_login import wechat_login  # noqa: F401  (the fixture)
from tests.commerce.orders.test_checkout_and_pay import DESKTOP, add_to_cart, check_out, the_order
from tests.conftest import csrf_from
from tests.factories import create_member, create_product, create_store, sku_of

IN_WECHAT = {"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0) Mobile/15E148 MicroMessenger/8.0.50 "
                           "NetType/WIFI Language/zh_CN", "Accept-Language": "en"}


class ScriptTags(HTMLParser):
    """Every ``<script>`` of a page: its attributes, and whether it had inline code."""

    def __init__(self):
        super().__init__()
        self.tags, self._open = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._open = dict(attrs)
            self._open["inline"] = ""
            self.tags.append(self._open)

    def handle_data(self, data):
        if self._open is not None:
            self._open["inline"] += data.strip()

    def handle_endtag(self, tag):
        if tag == "script":
            self._open = None


def csp_script_sources(response):
    directives = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";")
                      if part.strip())
    return set(directives["script-src"].split())


def inventory_urls(app, page_url):
    """``{full URL: name}`` of every script the inventory may render, as seen from ``page_url``."""
    inventory = app.extensions[EXTENSION]
    with app.test_request_context(base_url=page_url):
        return {inventory.src(name, external=True): name for name in inventory.integrity}


def script_problems(html, script_sources, by_url, inventory, page_url, served):
    """What is wrong with a payment page's scripts; ``served(url)`` gives the bytes at a URL of ours."""
    problems, urls = [], set()
    parser = ScriptTags()
    parser.feed(html)
    for tag in parser.tags:
        source = tag.get("src")
        if not source:
            problems.append(f"inline script: {tag['inline'][:40]!r}")
            continue
        url = urljoin(page_url, source).split("?")[0]
        urls.add(url)
        name = by_url.get(url)
        if name is None:
            problems.append(f"not on the inventory: {source}")
            continue
        if tag.get("integrity") != inventory.integrity[name]:
            problems.append(f"{name}: integrity {tag.get('integrity')} is not the inventory's")
        if tag.get("crossorigin") != "anonymous":
            problems.append(f"{name}: no crossorigin")
        if not inventory.scripts[name].external and sri_hash(served(source)) != tag.get("integrity"):
            problems.append(f"{name}: the served file does not match its integrity hash")
    if script_sources != urls:
        problems.append(f"the CSP allows {sorted(script_sources - urls)} beyond the page's scripts "
                        f"and misses {sorted(urls - script_sources)}")
    return problems


@pytest.fixture
def shop(app_ctx):
    demo, tea = create_store("demo"), create_store("tea")
    product = create_product(demo, "龙井", price=5000, stock=5)
    member_id, _address = create_member(demo, nickname="小明", openid="o-xiaoming")
    return demo, tea, product, sku_of(demo, product), member_id


def signed_in(client, store, member_id):
    with client.session_transaction(base_url=f"http://{store.slug}.duoshop.test") as session:
        session["member_id"] = member_id
    return client


def assert_only_inventoried_scripts(app, client, response, *, expect):
    assert response.status_code == 200, response.status_code
    html = response.get_data(as_text=True)
    page_url = f"http://{client.host}/"
    by_url = inventory_urls(app, page_url)
    problems = script_problems(html, csp_script_sources(response), by_url, app.extensions[EXTENSION], page_url,
                               lambda path: client.get(path).get_data())
    assert not problems, "\n".join(problems)
    assert {by_url[url] for url in csp_script_sources(response)} == expect


BASE = {"file limits", "theme blocks", "shop"}


def test_checkout_outside_wechat_loads_only_inventoried_scripts(app, shop, store_client):
    demo, _tea, product, sku, member_id = shop
    shopper = signed_in(store_client("demo"), demo, member_id)
    add_to_cart(shopper, product, sku)
    assert_only_inventoried_scripts(app, shopper, shopper.get("/checkout", headers=DESKTOP),
                                    expect=BASE | {"address picker"})


def test_checkout_inside_wechat_adds_the_pinned_js_sdk_by_its_full_url(app, shop, store_client,
                                                                       wechat_login):  # noqa: F811
    demo, _tea, product, sku, member_id = shop
    shopper = signed_in(store_client("demo"), demo, member_id)
    add_to_cart(shopper, product, sku, headers=IN_WECHAT)
    response = shopper.get("/checkout", headers=IN_WECHAT)
    assert_only_inventoried_scripts(app, shopper, response, expect=BASE | {"address picker", "wechat js-sdk"})
    assert JSSDK_URL in csp_script_sources(response) and "https://res.wx.qq.com" not in csp_script_sources(response)
    assert f'integrity="{app.config["WECHAT_JSSDK_INTEGRITY"]}"' in response.get_data(as_text=True)


def test_a_refused_checkout_is_pinned_too(app, shop, store_client):
    demo, _tea, product, sku, member_id = shop
    shopper = signed_in(store_client("demo"), demo, member_id)
    add_to_cart(shopper, product, sku)
    refused = check_out(shopper, phone="12")
    assert refused.status_code == 422
    refused.status_code = 200  # read it as a page
    assert_only_inventoried_scripts(app, shopper, refused, expect=BASE | {"address picker"})


def test_the_pay_page_outside_wechat_shows_the_qr_code_with_only_inventoried_scripts(app, shop, store_client,
                                                                                     wechat):
    demo, _tea, product, sku, member_id = shop
    shopper = signed_in(store_client("demo"), demo, member_id)
    add_to_cart(shopper, product, sku)
    check_out(shopper)
    number = the_order(demo).number
    assert_only_inventoried_scripts(app, shopper, shopper.get(f"/orders/{number}/pay", headers=DESKTOP), expect=BASE)
    token = csrf_from(shopper, f"/orders/{number}/pay")
    page = shopper.post(f"/orders/{number}/pay", data={"csrf_token": token}, headers=DESKTOP)
    assert "<svg" in page.get_data(as_text=True)  # the Native QR code
    assert_only_inventoried_scripts(app, shopper, page, expect=BASE)


def test_the_pay_page_inside_wechat_adds_only_the_pay_script(app, shop, store_client, wechat):
    demo, _tea, product, sku, member_id = shop
    shopper = signed_in(store_client("demo"), demo, member_id)
    add_to_cart(shopper, product, sku, headers=IN_WECHAT)
    check_out(shopper, headers=IN_WECHAT)
    number = the_order(demo).number
    token = csrf_from(shopper, f"/orders/{number}/pay")
    page = shopper.post(f"/orders/{number}/pay", data={"csrf_token": token}, headers=IN_WECHAT)
    assert "data-wechat-pay" in page.get_data(as_text=True)  # JSAPI
    assert_only_inventoried_scripts(app, shopper, page, expect=BASE | {"wechat pay"})


@pytest.mark.parametrize(("headers", "pay_script"), [(DESKTOP, False), (IN_WECHAT, True)])
def test_the_top_up_pay_page_loads_only_inventoried_scripts(app, shop, store_client, wechat, headers, pay_script):
    demo, _tea, _product, _sku, member_id = shop
    shopper = signed_in(store_client("demo"), demo, member_id)
    token = csrf_from(shopper, "/me/top-up")
    chosen = shopper.post("/me/top-up", data={"csrf_token": token, "amount": "100"}, headers=headers)
    assert chosen.status_code == 302, chosen.get_data(as_text=True)
    path = chosen.location.split(shopper.host)[-1]
    token = csrf_from(shopper, path)
    page = shopper.post(path, data={"csrf_token": token}, headers=headers)
    assert_only_inventoried_scripts(app, shopper, page, expect=BASE | ({"wechat pay"} if pay_script else set()))


def test_other_store_pages_keep_self_in_their_csp(shop, store_client):
    response = store_client("demo").get("/", headers=DESKTOP)
    assert "'self'" in csp_script_sources(response)


# --- the checker and the inventory fail when they should ------------------------------------

def test_the_checker_catches_a_stray_script_a_wrong_hash_and_a_wider_csp(app, shop, store_client):
    demo, _tea, product, sku, member_id = shop
    shopper = signed_in(store_client("demo"), demo, member_id)
    add_to_cart(shopper, product, sku)
    response = shopper.get("/checkout", headers=DESKTOP)
    html, sources = response.get_data(as_text=True), csp_script_sources(response)
    inventory, page_url = app.extensions[EXTENSION], f"http://{shopper.host}/"

    def problems(page=html, allowed=sources):
        return script_problems(page, allowed, inventory_urls(app, page_url), inventory, page_url,
                               lambda path: shopper.get(path).get_data())

    assert problems() == []
    stray = html.replace("</head>", '<script src="https://cdn.example.com/skimmer.js"></script></head>')
    assert any("not on the inventory" in problem for problem in problems(stray))
    inline = html.replace("</head>", "<script>steal()</script></head>")
    assert any("inline script" in problem for problem in problems(inline))
    wrong = html.replace(inventory.integrity["shop"], sri_hash(b"something else"))
    assert any("shop: integrity" in problem for problem in problems(wrong))
    assert any("the CSP allows" in problem for problem in problems(allowed=sources | {"'self'"}))


def inventory_app(**config):
    app = Flask("inventory_test")
    app.config.update(config)
    return app


def test_a_missing_file_stops_the_start_up_unless_a_setting_names_it(tmp_path, caplog):
    present = tmp_path / "present.js"
    present.write_bytes(b"console.log(1);\n")
    scripts = [Script("present", "p", "platform", endpoint="x.static", filename="present.js", file=present),
               Script("later", "l", "platform", endpoint="x.static", filename="later.js", file=tmp_path / "later.js")]
    with pytest.raises(RuntimeError, match="'later' is missing"):
        ScriptInventory(inventory_app(), scripts)
    with caplog.at_level(logging.WARNING):
        loaded = ScriptInventory(inventory_app(SCRIPTS_MAY_BE_ABSENT=("later",)), scripts)
    assert loaded.integrity == {"present": sri_hash(b"console.log(1);\n")} and loaded.absent == ["later"]
    assert "SCRIPTS_MAY_BE_ABSENT" in caplog.text


def test_an_external_script_without_its_hash_is_not_approved_and_wechat_address_does_without(
        app, shop, store_client, wechat_login):  # noqa: F811
    jssdk = next(script for script in SCRIPTS if script.external)
    assert not ScriptInventory(inventory_app(), [jssdk]).available(jssdk.name)
    demo, _tea, _product, _sku, member_id = shop
    shopper = signed_in(store_client("demo"), demo, member_id)
    loaded = app.extensions[EXTENSION]
    pinned = loaded.integrity.pop(jssdk.name)
    try:
        response = shopper.get("/me/addresses/new", headers=IN_WECHAT)
    finally:
        loaded.integrity[jssdk.name] = pinned
    assert "jweixin" not in response.get_data(as_text=True) and 'data-wechat-address="jssdk"' not in response.get_data(
        as_text=True)


def test_every_inventory_row_says_what_it_is_for_and_who_approved_it():
    assert len({script.name for script in SCRIPTS}) == len(SCRIPTS)
    for script in SCRIPTS:
        assert script.purpose and script.approved_by == "platform"
        assert script.external == (script.integrity_setting is not None)
    assert "analytics beacon" in {script.name for script in SCRIPTS}


def test_a_cached_page_never_outlives_the_hashes_it_carries(app, shop, store_client):
    """After a deploy that changes a script, a page cached before it is not served with the old hash."""
    demo, _tea, product, _sku, _member_id = shop
    visitor = store_client("demo")
    loaded = app.extensions[EXTENSION]
    first = visitor.get(f"/products/{product}", headers=DESKTOP)
    assert loaded.integrity["shop"] in first.get_data(as_text=True)
    before = (loaded.integrity["shop"], loaded.fingerprint)
    loaded.integrity["shop"], loaded.fingerprint = sri_hash(b"shop.js, next release"), "next-release"
    try:
        again = visitor.get(f"/products/{product}", headers=DESKTOP)
        assert sri_hash(b"shop.js, next release") in again.get_data(as_text=True)
        assert again.headers["ETag"] != first.headers["ETag"]
    finally:
        loaded.integrity["shop"], loaded.fingerprint = before
