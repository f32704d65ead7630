"""Share cards: a page's share title, description and picture (set in the console, live with
the page's publish) and a product's title, subtitle and first picture reach the storefront's
duoshop:share-* and Open Graph meta tags, escaped, with an absolute picture URL and the page's
link; the mini-program API carries the same card as ``share``. Another store's settings
never show."""
import html
import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from commerce.catalog.images import add_product_image
from commerce.catalog.models import Product
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import MiniProgram, StaffUser, Tenant
from tests.conftest import PLATFORM_HOST, csrf_from
from tests.factories import create_product, create_store, login_staff
from themes.models import Page
from themes.pages import create_page, publish_page, save_draft

EN = {"Accept-Language": "en"}
DEMO_APPID = "wx5a1e0000000000ab"
BANNER = {"blocks": {"hero": {"type": "banner", "settings": {},
                              "blocks": {"s1": {"type": "slide", "settings": {"image": "/media/1/hero.jpg"}}},
                              "order": ["s1"]}},
          "order": ["hero"]}


def meta(body, name):
    """The content of ``<meta name|property="name">``, unescaped; None when absent."""
    found = re.search(rf'<meta (?:name|property)="{re.escape(name)}" content="([^"]*)"', body)
    return html.unescape(found.group(1)) if found else None


def owner_of():
    return db.session.scalar(select(StaffUser).where(StaffUser.role == StaffUser.OWNER))


def make_page(store, slug, title, document=None, publish=True):
    with tenant_context(store.id):
        owner = owner_of()
        page = create_page(actor=owner, title=title, slug=slug)
        save_draft(page, document or {"blocks": {}, "order": []}, expected_revision=page.draft_revision, actor=owner)
        if publish:
            publish_page(page, actor=owner)
        db.session.commit()
        return page.id


def publish(store, page_id):
    with tenant_context(store.id):
        publish_page(db.session.get(Page, page_id), actor=owner_of())
        db.session.commit()


@pytest.fixture
def demo(app_ctx):
    return create_store("demo", name="Demo Shop")


@pytest.fixture
def tea(app_ctx):
    return create_store("tea", name="Tea House")


@pytest.fixture
def console(app, demo):
    client = app.test_client(host=PLATFORM_HOST)
    login_staff(client, demo)
    return client


def save_share(client, page_id, **fields):
    token = csrf_from(client, f"/console/pages/{page_id}/share")
    return client.post(f"/console/pages/{page_id}/share", headers=EN, data={"csrf_token": token, **fields})


# ---------------------------------------------------------------- pages on the H5 store

def test_a_pages_share_card_goes_live_with_the_next_publish(demo, console, store_client):
    page_id = make_page(demo, "spring", "春季上新")
    saved = save_share(console, page_id, title="春季上新 全场 8 折", desc="限时三天，先到先得",
                       image="https://cdn.example.com/spring.jpg")
    assert saved.status_code == 302
    shop = store_client("demo")
    before = shop.get("/p/spring").get_data(as_text=True)
    assert meta(before, "duoshop:share-title") == "春季上新"  # still the published version
    publish(demo, page_id)
    body = shop.get("/p/spring").get_data(as_text=True)
    assert meta(body, "duoshop:share-title") == meta(body, "og:title") == "春季上新 全场 8 折"
    assert meta(body, "duoshop:share-desc") == meta(body, "og:description") == "限时三天，先到先得"
    assert meta(body, "duoshop:share-image") == meta(body, "og:image") == "https://cdn.example.com/spring.jpg"
    assert meta(body, "duoshop:share-link") == "http://demo.duoshop.test/p/spring"


def test_without_settings_a_page_shares_its_title_the_store_name_and_its_first_banner(demo, store_client):
    make_page(demo, "sale", "年中大促", BANNER)
    body = store_client("demo").get("/p/sale").get_data(as_text=True)
    assert meta(body, "duoshop:share-title") == "年中大促"
    assert meta(body, "duoshop:share-desc") == "Demo Shop"
    assert meta(body, "duoshop:share-image") == "http://demo.duoshop.test/media/1/hero.jpg"


def test_without_a_banner_the_store_logo_is_the_picture_and_the_home_page_shares_the_store_name(
        demo, store_client):
    with tenant_context(demo.id):
        db.session.get(Tenant, demo.id).logo_url = "/media/1/logo.png"
        page = db.session.scalar(select(Page).where(Page.kind == Page.HOME))
        save_draft(page, {"blocks": {"t": {"type": "rich_text", "settings": {"html": "<p>欢迎</p>"}}}, "order": ["t"]},
                   expected_revision=page.draft_revision, actor=owner_of())
        publish_page(page, actor=owner_of())
        db.session.commit()
    body = store_client("demo").get("/").get_data(as_text=True)
    assert meta(body, "duoshop:share-title") == "Demo Shop"
    assert meta(body, "duoshop:share-image") == "http://demo.duoshop.test/media/1/logo.png"
    assert meta(body, "duoshop:share-link") == "http://demo.duoshop.test/"


def test_merchant_text_in_the_share_card_is_escaped(demo, console, store_client):
    page_id = make_page(demo, "x", "X")
    save_share(console, page_id, title='"><script>alert(1)</script>', desc="a & b <i>")
    publish(demo, page_id)
    body = store_client("demo").get("/p/x").get_data(as_text=True)
    assert "<script>alert(1)" not in body
    assert '&#34;&gt;&lt;script&gt;' in body or "&quot;&gt;&lt;script&gt;" in body
    assert meta(body, "duoshop:share-title") == '"><script>alert(1)</script>'
    assert meta(body, "duoshop:share-desc") == "a & b <i>"


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"title": "长" * 41}, "title", "longer than 40 characters"),
    ({"desc": "长" * 81}, "desc", "longer than 80 characters"),
    ({"image": "javascript:alert(1)"}, "image", "images must be uploaded here"),
])
def test_bad_share_settings_show_on_their_field_and_nothing_is_saved(demo, console, fields, field, message):
    page_id = make_page(demo, "bad", "Bad")
    refused = save_share(console, page_id, **fields)
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    form_field = re.search(r'<div class="field has-error">.*?</div>', body, re.S)
    assert form_field and f'name="{field}"' in form_field.group(0) and message in form_field.group(0)
    with tenant_context(demo.id):
        assert "share" not in db.session.get(Page, page_id).draft_document


def test_the_share_form_shows_the_defaults_and_is_not_offered_for_the_product_layout(demo, console):
    page_id = make_page(demo, "sale", "年中大促", BANNER)
    form = console.get(f"/console/pages/{page_id}/share", headers=EN).get_data(as_text=True)
    assert 'placeholder="年中大促"' in form and 'placeholder="Demo Shop"' in form and "/media/1/hero.jpg" in form
    with tenant_context(demo.id):
        layout_id = db.session.scalar(select(Page.id).where(Page.kind == Page.PRODUCT_DETAIL))
    assert console.get(f"/console/pages/{layout_id}/share").status_code == 404
    assert save_share(console, page_id).status_code == 302  # all empty: the defaults


def test_another_stores_page_is_not_found_and_its_card_never_shows(demo, tea, console, store_client):
    tea_page = make_page(tea, "spring", "Tea spring")
    assert console.get(f"/console/pages/{tea_page}/share").status_code == 404
    demo_page = make_page(demo, "spring", "Demo spring")
    save_share(console, demo_page, title="Demo 的分享标题")
    publish(demo, demo_page)
    tea_body = store_client("tea").get("/p/spring").get_data(as_text=True)
    assert meta(tea_body, "duoshop:share-title") == "Tea spring"
    assert meta(tea_body, "duoshop:share-desc") == "Tea House"


# ---------------------------------------------------------------- products

def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), "#c33").save(buffer, "PNG")
    return buffer.getvalue()


def test_a_product_shares_its_title_subtitle_and_first_picture(demo, store_client):
    product_id = create_product(demo, "纯棉短袖T恤", subtitle="夏季新款 透气舒适")
    with tenant_context(demo.id):
        image = add_product_image(db.session.get(Product, product_id), _png(), actor=owner_of())
        db.session.commit()
        url = image.url()
    body = store_client("demo").get(f"/products/{product_id}").get_data(as_text=True)
    assert meta(body, "duoshop:share-title") == meta(body, "og:title") == "纯棉短袖T恤"
    assert meta(body, "duoshop:share-desc") == "夏季新款 透气舒适"
    assert meta(body, "duoshop:share-image") == meta(body, "og:image") == "http://demo.duoshop.test" + url
    assert meta(body, "duoshop:share-link") == f"http://demo.duoshop.test/products/{product_id}"


def test_any_other_storefront_page_carries_a_card_of_its_own_title(demo, store_client):
    body = store_client("demo").get("/products").get_data(as_text=True)
    assert meta(body, "duoshop:share-title") and "Demo Shop" in meta(body, "duoshop:share-title")
    assert meta(body, "duoshop:share-link") == "http://demo.duoshop.test/products"


# ---------------------------------------------------------------- the mini-program API

def api(client, path):
    return client.get(f"/api/v1{path}", headers={"X-Duoshop-AppID": DEMO_APPID, **EN})


def test_the_api_gives_pages_and_products_the_same_share_card(demo, console, platform_client):
    with tenant_context(demo.id):
        db.session.add(MiniProgram(appid=DEMO_APPID))
        db.session.commit()
    page_id = make_page(demo, "sale", "年中大促", BANNER)
    save_share(console, page_id, desc="跨店满 300 减 40")
    publish(demo, page_id)
    answer = api(platform_client, "/pages/sale")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    share = answer.get_json()["share"]
    assert share == {"title": "年中大促", "desc": "跨店满 300 减 40", "image": "http://demo.duoshop.test/media/1/hero.jpg",
                     "path": "/pages/page/page?slug=sale"}
    home = api(platform_client, "/home").get_json()["share"]
    assert home["title"] == "Demo Shop" and home["path"] == "/pages/home/home"
    product_id = create_product(demo, "牛仔裤", subtitle="直筒版型")
    product = api(platform_client, f"/products/{product_id}").get_json()["share"]
    assert product == {"title": "牛仔裤", "desc": "直筒版型", "image": None,
                       "path": f"/pages/product/product?id={product_id}"}


def test_the_editors_autosave_keeps_the_share_card_and_a_rollback_brings_the_old_one_back(demo, console):
    page_id = make_page(demo, "spring", "春季上新")
    save_share(console, page_id, title="第一版分享标题")
    publish(demo, page_id)
    save_share(console, page_id, title="第二版分享标题")
    headers = {"Accept": "application/json", "X-CSRFToken": csrf_from(console, "/console/pages")}
    loaded = console.get(f"/console/pages/{page_id}/document", headers=headers).get_json()
    assert loaded["document"]["share"]["title"] == "第二版分享标题"
    document = {**loaded["document"], "blocks": {"t": {"type": "rich_text", "settings": {"html": "<p>新</p>"}}},
                "order": ["t"]}
    saved = console.put(f"/console/pages/{page_id}/document", json={"document": document,
                                                                    "revision": loaded["revision"]}, headers=headers)
    assert saved.status_code == 200
    with tenant_context(demo.id):
        page = db.session.get(Page, page_id)
        assert page.draft_document["share"]["title"] == "第二版分享标题"
        version = page.published_version
    rolled = console.post(f"/console/pages/{page_id}/rollback", json={"version": version}, headers=headers)
    assert rolled.status_code == 200 and rolled.get_json()["document"]["share"]["title"] == "第一版分享标题"
