"""Page templates (页面模板): six ready pages made of the registered blocks with drawn
pictures; the merchant browses them, previews one with the store's own products and starts a
draft page from it, its pictures copied into the store's own library — never another store's
data, and the plan's page limit still holds."""
import re

import pytest
from PIL import Image
from sqlalchemy import func, select, update

from billing.models import Subscription
from commerce.catalog.errors import ImageInUse
from commerce.catalog.library import delete_library_image
from commerce.catalog.models import LibraryImage
from core.extensions import db
from core.storage import media_storage
from core.tenancy import tenant_context
from tenants import entitlements
from tenants.models import StaffUser
from tests.conftest import PLATFORM_HOST, csrf_from
from tests.factories import create_product, create_staff, create_store, login_staff
from themes.document import validate_document
from themes.models import Page
from themes.page_templates import IMAGES_DIR, page_templates, template_document

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


@pytest.fixture
def demo(app_ctx):
    store = create_store("demo", name="Demo Shop")
    create_product(store, "纯棉短袖T恤", price=7900, category_name="女装")
    return store


@pytest.fixture
def tea(app_ctx):
    store = create_store("tea", name="Tea House")
    create_product(store, "特级绿茶礼盒", price=29800, category_name="绿茶")
    return store


def console(app, store, email=None):
    client = app.test_client(host=PLATFORM_HOST)
    login_staff(client, store, email=email)
    return client


def start(client, key, title, slug, headers=EN):
    token = csrf_from(client, f"/console/pages/templates/{key}")
    return client.post(f"/console/pages/templates/{key}", headers=headers,
                       data={"csrf_token": token, "title": title, "slug": slug})


def page_by_slug(store, slug):
    with tenant_context(store.id):
        page = db.session.scalar(select(Page).where(Page.slug == slug))
        if page is not None:
            db.session.expunge(page)
        return page


def count(store, model):
    with tenant_context(store.id):
        return db.session.scalar(select(func.count()).select_from(model))


def pictures_of(document):
    return re.findall(r'"(?:image)": "([^"]+)"', str(document).replace("'", '"'))


# ---------------------------------------------------------------- the templates themselves

def test_six_templates_cover_apparel_food_beauty_big_sale_new_arrivals_and_member_day():
    keys = [template.key for template in page_templates()]
    assert keys == ["apparel-home", "food-home", "beauty-home", "big-sale", "new-arrivals", "member-day"]


@pytest.mark.parametrize("template", page_templates(), ids=lambda t: t.key)
def test_each_template_is_a_valid_page_of_existing_blocks(app_ctx, template):
    document = template_document(template, lambda name: f"/media/page-templates/{name}")
    assert validate_document(document) == document  # nothing dropped or changed by the rules
    assert template.cover in template.pictures()


@pytest.mark.parametrize("template", page_templates(), ids=lambda t: t.key)
def test_each_template_names_no_product_or_category_of_any_store(template):
    for _block_id, block in template.blocks:
        settings = block["settings"]
        assert settings.get("product_ids", []) == [] and settings.get("category_id") is None
        assert settings.get("source", "newest") in ("newest", "best_selling")


def test_every_picture_is_shipped_small_and_is_a_real_image():
    names = {name for template in page_templates() for name in template.pictures()}
    assert names == {path.name for path in IMAGES_DIR.glob("*.jpg")}
    for name in names:
        path = IMAGES_DIR / name
        assert path.stat().st_size < 60 * 1024, name
        with Image.open(path) as image:
            assert image.format == "JPEG" and image.width >= 360


# ---------------------------------------------------------------- gallery and preview

def test_the_gallery_lists_every_template_in_chinese_with_its_cover(app, demo):
    client = console(app, demo)
    body = client.get("/console/pages/templates", headers=ZH).get_data(as_text=True)
    for name in ("服装首页", "生鲜首页", "美妆首页", "618 / 双11 大促", "上新", "会员日"):
        assert name in body, name
    assert body.count('href="/console/pages/templates/') >= 12  # cover and button per template
    cover = client.get("/media/page-templates/apparel-hero.jpg")
    assert cover.status_code == 200 and cover.mimetype == "image/jpeg"
    assert "从模板新建" in client.get("/console/pages", headers=ZH).get_data(as_text=True)


def test_a_picture_that_no_template_uses_is_not_served(app, demo):
    client = app.test_client(host=PLATFORM_HOST)
    assert client.get("/media/page-templates/../../__init__.py").status_code == 404
    assert client.get("/media/page-templates/secret.jpg").status_code == 404


def test_the_preview_shows_the_template_with_this_stores_products_only(app, demo, tea):
    client = console(app, demo)
    page = client.get("/console/pages/templates/apparel-home", headers=ZH).get_data(as_text=True)
    assert "/console/pages/templates/apparel-home/frame" in page and 'value="apparel-home"' in page
    frame = client.get("/console/pages/templates/apparel-home/frame", headers=ZH).get_data(as_text=True)
    assert "纯棉短袖T恤" in frame and "女装" in frame  # demo's product and category
    assert "特级绿茶礼盒" not in frame and "绿茶" not in frame
    assert 'src="/media/page-templates/apparel-hero.jpg"' in frame
    assert "热销榜单" in frame


def test_an_unknown_template_is_404(app, demo):
    client = console(app, demo)
    assert client.get("/console/pages/templates/nope").status_code == 404
    assert client.get("/console/pages/templates/nope/frame").status_code == 404


# ---------------------------------------------------------------- starting a page

def test_starting_a_page_makes_a_draft_with_the_templates_blocks_and_the_stores_own_pictures(app, demo):
    client = console(app, demo)
    response = start(client, "big-sale", "双11 狂欢", "double-11")
    page = page_by_slug(demo, "double-11")
    assert response.status_code == 302 and response.location.endswith(f"/console/pages/{page.id}/edit")
    assert page.kind == Page.CUSTOM and page.title == "双11 狂欢" and page.published_version == 0
    template = next(t for t in page_templates() if t.key == "big-sale")
    assert page.draft_document["order"] == [block_id for block_id, _ in template.blocks]
    pictures = pictures_of(page.draft_document)
    assert len(pictures) == len(template.pictures())
    assert all(url.startswith(f"/media/{demo.id}/") for url in pictures)
    with tenant_context(demo.id):
        library = db.session.scalars(select(LibraryImage)).all()
        assert sorted(image.url() for image in library) == sorted(pictures)
        assert {image.folder for image in library} == {"Page templates"}
    for url in pictures:
        assert media_storage().read(demo.id, url.rsplit("/", 1)[1]) is not None
    editor = client.get(response.location, headers=EN).get_data(as_text=True)
    assert "started from the template" in editor


def test_a_page_started_from_a_template_publishes_to_the_storefront(app, demo, store_client):
    client = console(app, demo)
    start(client, "apparel-home", "服装首页", "apparel")
    page = page_by_slug(demo, "apparel")
    token = csrf_from(client, f"/console/pages/{page.id}/edit")
    published = client.post(f"/console/pages/{page.id}/publish", json={"revision": page.draft_revision},
                            headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert published.status_code == 200
    shop = store_client("demo")
    body = shop.get("/p/apparel").get_data(as_text=True)
    assert "本周上新" in body and "纯棉短袖T恤" in body
    banner = pictures_of(page.draft_document)[0]
    assert f'src="{banner}"' in body
    assert shop.get(banner).status_code == 200


def test_two_stores_starting_the_same_template_get_their_own_copies(app, demo, tea, store_client):
    start(console(app, demo), "food-home", "生鲜首页", "fresh")
    start(console(app, tea), "food-home", "生鲜首页", "fresh")
    demo_pictures = pictures_of(page_by_slug(demo, "fresh").draft_document)
    tea_pictures = pictures_of(page_by_slug(tea, "fresh").draft_document)
    assert all(url.startswith(f"/media/{demo.id}/") for url in demo_pictures)
    assert all(url.startswith(f"/media/{tea.id}/") for url in tea_pictures)
    assert not set(demo_pictures) & set(tea_pictures)
    assert store_client("tea").get(demo_pictures[0]).status_code == 404  # one store's file, not the other's
    assert count(tea, LibraryImage) == count(demo, LibraryImage) == 3
    # Tea's copy is tea's library image: deleting it is refused while tea's page shows it.
    with tenant_context(tea.id):
        image = db.session.scalars(select(LibraryImage)).first()
        with pytest.raises(ImageInUse, match="生鲜首页"):
            delete_library_image(image, actor=db.session.scalar(select(StaffUser)))


def test_a_bad_or_taken_address_is_shown_on_the_field_and_nothing_is_written(app, demo):
    client = console(app, demo)
    bad = start(client, "member-day", "会员日", "Member Day!")
    assert bad.status_code == 422
    assert "Use lowercase letters, digits and hyphens" in bad.get_data(as_text=True)
    taken = start(client, "member-day", "会员日", "home")
    assert taken.status_code == 409 and "Another page already uses this address." in taken.get_data(as_text=True)
    assert count(demo, LibraryImage) == 0 and page_by_slug(demo, "member-day") is None


def test_the_plans_page_limit_still_applies(app, demo):
    with tenant_context(demo.id):
        db.session.execute(update(Subscription).values(plan="basic"))
        db.session.commit()
    client = console(app, demo)
    for n in range(3):  # the basic plan's 5 pages: home, product layout and three more
        assert start(client, "new-arrivals", f"上新 {n}", f"new-{n}").status_code == 302
    refused = start(client, "new-arrivals", "上新 3", "new-3")
    assert refused.status_code == 403
    assert "Your Basic plan" in refused.get_data(as_text=True)
    assert page_by_slug(demo, "new-3") is None and count(demo, LibraryImage) == 3


def test_a_viewer_can_preview_but_not_start(app, demo):
    create_staff(demo, "viewer@demo.example.com", StaffUser.VIEWER)
    client = console(app, demo, email="viewer@demo.example.com")
    assert client.get("/console/pages/templates/beauty-home/frame").status_code == 200
    token = csrf_from(client, "/console/pages/templates")
    refused = client.post("/console/pages/templates/beauty-home", headers=EN,
                          data={"csrf_token": token, "title": "美妆", "slug": "beauty"})
    assert refused.status_code == 403 and page_by_slug(demo, "beauty") is None


def test_starting_without_the_csrf_token_is_refused(app, demo):
    client = console(app, demo)
    refused = client.post("/console/pages/templates/beauty-home", data={"title": "美妆", "slug": "beauty"})
    assert refused.status_code in (400, 422) and page_by_slug(demo, "beauty") is None


def test_a_home_template_can_become_the_home_pages_draft_and_goes_live_with_its_publish(app, demo, store_client):
    client = console(app, demo)
    token = csrf_from(client, "/console/pages/templates/beauty-home")
    with tenant_context(demo.id):
        pages_before = db.session.scalar(select(func.count()).select_from(Page))
    response = client.post("/console/pages/templates/beauty-home", headers=EN,
                           data={"csrf_token": token, "target": "home", "title": "", "slug": ""})
    home = page_by_slug(demo, "home")
    assert response.status_code == 302 and response.location.endswith(f"/console/pages/{home.id}/edit")
    assert home.draft_document["order"][0] == "banner" and home.published_version == 1
    assert count(demo, Page) == pages_before
    shop = store_client("demo")
    assert "人气爆款" not in shop.get("/").get_data(as_text=True)  # the live home is unchanged until published
    publish = client.post(f"/console/pages/{home.id}/publish", json={"revision": home.draft_revision},
                          headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert publish.status_code == 200
    assert "人气爆款" in shop.get("/").get_data(as_text=True)


def test_a_new_page_needs_its_title_and_address_but_the_home_page_does_not(app, demo):
    client = console(app, demo)
    token = csrf_from(client, "/console/pages/templates/member-day")
    refused = client.post("/console/pages/templates/member-day", headers=EN,
                          data={"csrf_token": token, "target": "new", "title": "", "slug": ""})
    assert refused.status_code == 422 and refused.get_data(as_text=True).count("This field is required.") == 2
    assert count(demo, LibraryImage) == 0


def test_a_full_media_storage_refuses_before_any_picture_is_stored(app, demo, monkeypatch):
    with tenant_context(demo.id):
        db.session.execute(update(Subscription).values(plan="basic"))
        db.session.commit()
    monkeypatch.setattr(entitlements, "storage_bytes", lambda tenant_id: 500 * 1024 * 1024 - 30 * 1024)
    saved = []
    storage = media_storage()
    monkeypatch.setattr(type(storage), "save", lambda self, *args: saved.append(args))
    refused = start(console(app, demo), "apparel-home", "服装首页", "apparel")
    assert refused.status_code == 403 and "media storage" in refused.get_data(as_text=True)
    assert saved == [] and page_by_slug(demo, "apparel") is None and count(demo, LibraryImage) == 0
