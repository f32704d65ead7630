"""Language selection: Simplified Chinese by default, English on request, and a complete zh catalog."""
import os
import re

import pytest
from babel.messages.pofile import read_po

from tests.conftest import PLATFORM_HOST, csrf_from
from tests.factories import create_store

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ZH_PO = os.path.join(ROOT, "translations", "zh", "LC_MESSAGES", "messages.po")
POT = os.path.join(ROOT, "translations", "messages.pot")

ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}
CHINESE = {"Accept-Language": "zh-CN,zh;q=0.9"}
UNKNOWN_APPID = "wx0123456789abcdef"


def _text(response):
    return response.get_data(as_text=True)


# --- pages -----------------------------------------------------------------------------

def test_pages_are_chinese_without_any_preference(platform_client):
    response = platform_client.get("/signup")
    page = _text(response)
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in page
    assert "开通店铺" in page
    assert "创建店铺" in page
    assert "店铺名称" in page  # form labels too
    assert "Open your store" not in page
    assert "English" in page  # the switch offers the other language


def test_english_accept_language_gives_english(platform_client):
    response = platform_client.get("/signup", headers=ENGLISH)
    page = _text(response)
    assert response.status_code == 200
    assert '<html lang="en">' in page
    assert "Open your store" in page
    assert "Store name" in page
    assert "开通店铺" not in page
    assert "中文" in page


def test_unsupported_accept_language_falls_back_to_chinese(platform_client):
    page = _text(platform_client.get("/signup", headers={"Accept-Language": "fr-FR,fr;q=0.9"}))
    assert "开通店铺" in page


def test_choosing_english_sticks_even_with_a_chinese_browser(platform_client):
    token = csrf_from(platform_client, "/signup")
    response = platform_client.post("/lang/en", data={"csrf_token": token},
                                    headers={"Referer": f"http://{PLATFORM_HOST}/signup", **CHINESE})
    assert response.status_code == 302
    assert response.location.endswith("/signup")  # back to the page the visitor was on
    cookie = platform_client.get_cookie("lang", domain=PLATFORM_HOST)
    assert cookie is not None and cookie.value == "en"

    page = _text(platform_client.get("/signup", headers=CHINESE))
    assert "Open your store" in page
    assert "开通店铺" not in page
    page = _text(platform_client.get("/console/login", headers=CHINESE))
    assert "Sign in to your store" in page


def test_choosing_chinese_overrides_an_english_browser(platform_client):
    token = csrf_from(platform_client, "/signup")
    platform_client.post("/lang/zh", data={"csrf_token": token})
    page = _text(platform_client.get("/signup", headers=ENGLISH))
    assert "开通店铺" in page
    assert "Open your store" not in page


def test_unknown_language_is_not_found(platform_client):
    token = csrf_from(platform_client, "/signup")
    response = platform_client.post("/lang/xx", data={"csrf_token": token})
    assert response.status_code == 404
    assert platform_client.get_cookie("lang", domain=PLATFORM_HOST) is None
    assert "开通店铺" in _text(platform_client.get("/signup"))


def test_storefront_follows_the_shoppers_language(app, store_client):
    # Set up inside a context that ends before the requests: while an app context is
    # pushed, every request reuses its ``g``, where Flask-Babel caches the first locale.
    with app.app_context():
        create_store("demo")
    client = store_client("demo")
    assert "店铺暂无在售商品，敬请期待！" in _text(client.get("/"))
    assert "This store has no products on sale yet. Come back soon!" in _text(client.get("/", headers=ENGLISH))


# --- errors ----------------------------------------------------------------------------

def test_store_not_found_page_is_chinese_by_default(store_client):
    response = store_client("nosuchstore").get("/")
    page = _text(response)
    assert response.status_code == 404
    assert "店铺不存在" in page
    assert "该地址下没有店铺" in page
    assert "Store not found" not in page


def test_store_not_found_page_in_english(store_client):
    response = store_client("nosuchstore").get("/", headers=ENGLISH)
    page = _text(response)
    assert response.status_code == 404
    assert "Store not found" in page
    assert "There is no store at this address." in page
    assert "店铺不存在" not in page


@pytest.mark.parametrize("headers, title", [
    ({}, "店铺不存在"),
    (CHINESE, "店铺不存在"),
    (ENGLISH, "Store not found"),
])
def test_api_problem_details_follow_accept_language(platform_client, headers, title):
    response = platform_client.get("/api/v1/products", headers={"X-Duoshop-AppID": UNKNOWN_APPID, **headers})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["title"] == title


# --- the catalog -----------------------------------------------------------------------

def _read(path):
    with open(path, "rb") as f:
        return read_po(f)


def _strings(message):
    return message.string if isinstance(message.string, (list, tuple)) else [message.string]


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _msgids(catalog):
    return {message.id if isinstance(message.id, str) else message.id[0] for message in catalog if message.id}


def test_every_chinese_message_is_translated():
    catalog = _read(ZH_PO)
    untranslated = [message.id for message in catalog if message.id and not all(s.strip() for s in _strings(message))]
    fuzzy = [message.id for message in catalog if message.id and message.fuzzy]
    assert not untranslated, f"add Chinese for: {untranslated}"
    assert not fuzzy, f"review and unmark fuzzy: {fuzzy}"


def test_chinese_catalog_is_up_to_date_with_the_template():
    missing = _msgids(_read(POT)) - _msgids(_read(ZH_PO))
    assert not missing, f"run `make messages` and translate: {sorted(missing)}"


def test_chinese_translations_keep_their_placeholders():
    wrong = []
    for message in _read(ZH_PO):
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        expected = sorted(set(PLACEHOLDER.findall(" ".join(ids))))
        for string in _strings(message):
            if sorted(set(PLACEHOLDER.findall(string))) != expected:
                wrong.append((message.id, string))
    assert not wrong, f"placeholders differ: {wrong}"


def test_chinese_translations_format_wherever_the_english_does():
    """Templates format every message (``_("…") % variables``): a bare "%" in a translation
    of a message without one ("佣金比例（%）") is a 500 on the Chinese page only."""
    broken = []
    for message in _read(ZH_PO):
        ids = [message.id] if isinstance(message.id, str) else list(message.id or [])
        if not ids or not ids[0]:
            continue
        names = dict.fromkeys(re.findall(r"%\((\w+)\)", " ".join(ids)), 1)
        for string in _strings(message):
            try:
                ids[0] % names
            except (ValueError, TypeError):
                continue  # the English is not formatted either (used from Python without arguments)
            try:
                string % names
            except (ValueError, TypeError) as error:
                broken.append((message.id, string, str(error)))
    assert not broken, broken
