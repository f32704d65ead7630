"""Themes: every theme renders a decorated home page with its own stylesheet and block
overrides; /theme.css carries the merchant's colours; switching theme keeps every page's
content; the design screen refuses bad values without writing, leaves other stores
alone, and is read-only for viewers."""
import io

import pytest
from PIL import Image
from sqlalchemy import select

from commerce.catalog.images import add_product_image
from commerce.catalog.models import Product
from core.audit import AuditLog
from core.extensions import db
from core.tenancy import tenant_context, unscoped
from tenants.models import StaffUser
from tests.conftest import csrf_from
from tests.factories import create_product, create_staff, create_store, login_staff
from themes.models import Page
from themes.pages import change_theme, create_page, publish_page, save_draft, store_theme
from themes.theme import themes

EN = {"Accept-Language": "en"}
# Theme → a class only its own product-grid template (an override) writes; None: the base template.
OVERRIDE_MARKERS = {"default": None, "promo": "blk-promo-card", "boutique": "blk-boutique-item"}
ALL_MARKERS = {marker for marker in OVERRIDE_MARKERS.values() if marker}


def home_document():
    blocks = [
        {"type": "announcement_bar", "settings": {"text": "全场满99包邮"}},
        {"type": "product_grid", "settings": {"title": "本周新品", "source": "newest", "columns": 2, "count": 4}},
        {"type": "rich_text", "settings": {"html": "<p>我们的<strong>故事</strong></p>"}},
        {"type": "footer", "settings": {"text": "客服电话 400-000-0000"},
         "blocks": {"l1": {"type": "footer_link", "settings": {"label": "关于我们", "link": "/p/about"}}},
         "order": ["l1"]},
    ]
    return {"blocks": {f"b{i}": block for i, block in enumerate(blocks)}, "order": [f"b{i}" for i in range(len(blocks))]}


def owner_of_current_store():
    return db.session.scalar(select(StaffUser).where(StaffUser.role == StaffUser.OWNER))


def publish(page, document):
    owner = owner_of_current_store()
    save_draft(page, document, expected_revision=page.draft_revision, actor=owner)
    publish_page(page, actor=owner)


def decorate_home(store):
    with tenant_context(store.id):
        publish(db.session.scalar(select(Page).where(Page.kind == Page.HOME)), home_document())
        db.session.commit()


def use_theme(store, name, **settings):
    with tenant_context(store.id):
        change_theme(actor=owner_of_current_store(), theme_name=name, settings=settings)
        db.session.commit()


def theme_row(store):
    with tenant_context(store.id):
        row = store_theme()
        db.session.commit()
        return row.theme, dict(row.settings), row.version


def theme_audits(store):
    with unscoped():
        return db.session.scalars(select(AuditLog).where(AuditLog.tenant_id == store.id,
                                                         AuditLog.action == "theme.changed")).all()


@pytest.fixture
def shop(app_ctx):
    store = create_store("demo", name="Demo Shop")
    create_product(store, "纯棉短袖T恤", price=7900)
    create_product(store, "北欧陶瓷马克杯", price=3900)
    decorate_home(store)
    return store


@pytest.fixture
def owner_client(shop, platform_client):
    login_staff(platform_client, shop)
    return platform_client


def design_form(client, **values):
    form = {"csrf_token": csrf_from(client, "/console/design"), "primary_color": "#07c160",
            "accent_color": "#ee0a24", "background_color": "#f5f5f5", "font": "system", "radius": "10", "logo": ""}
    form.update(values)
    return form


@pytest.mark.parametrize("name", sorted(themes()))
def test_every_theme_renders_the_decorated_home_page_with_its_stylesheet(shop, store_client, name):
    use_theme(shop, name)
    client = store_client("demo")
    response = client.get("/")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'class="store theme-{name} has-tab-bar"' in body
    assert f'href="/theme-assets/themes/{name}/theme.css"' in body and 'href="/theme.css"' in body
    for content in ("全场满99包邮", "本周新品", "纯棉短袖T恤", "¥79.00", "<strong>故事</strong>", "关于我们"):
        assert content in body
    stylesheet = client.get(f"/theme-assets/themes/{name}/theme.css")
    assert stylesheet.status_code == 200 and stylesheet.mimetype == "text/css"
    assert f"body.theme-{name}" in stylesheet.get_data(as_text=True)


def give_every_product_a_picture(store):
    with tenant_context(store.id):
        for product in db.session.scalars(select(Product)):
            out = io.BytesIO()
            Image.new("RGB", (60, 60), (200, 120, 40)).save(out, format="PNG")
            add_product_image(product, out.getvalue(), actor=None)
        db.session.commit()


@pytest.mark.parametrize("name", sorted(themes()))
def test_every_themes_product_grid_shows_each_products_picture(shop, store_client, name):
    give_every_product_a_picture(shop)
    use_theme(shop, name)
    body = store_client("demo").get("/").get_data(as_text=True)
    grid = body[body.index("本周新品"):]
    assert grid.count('<span class="blk-product__thumb" aria-hidden="true"><img src="/media/') == 2


@pytest.mark.parametrize("name", sorted(themes()))
def test_a_theme_uses_its_own_block_overrides_and_no_other_themes(shop, store_client, name):
    use_theme(shop, name)
    body = store_client("demo").get("/").get_data(as_text=True)
    own = OVERRIDE_MARKERS[name]
    if own:
        assert own in body
    assert not any(marker in body for marker in ALL_MARKERS - {own})


def test_every_theme_has_a_label_a_description_valid_defaults_and_a_stylesheet():
    assert set(themes()) == set(OVERRIDE_MARKERS)
    for theme in themes().values():
        assert theme.label and theme.description
        assert theme.settings_from({}).model_dump() == {**theme.settings_from({}).model_dump(), **theme.defaults}
        css = (theme.folder / "theme.css").read_text(encoding="utf-8")
        assert f"body.theme-{theme.name}" in css and "style=" not in css


def test_theme_css_serves_the_merchants_colours_font_and_radius(shop, store_client):
    use_theme(shop, "boutique", primary_color="#123456", accent_color="#ABCDEF", radius=4)
    response = store_client("demo").get("/theme.css")
    css = response.get_data(as_text=True)
    assert response.mimetype == "text/css"
    assert "--primary:#123456;" in css and "--accent:#abcdef;" in css and "--radius:4px;" in css
    assert "--page-bg:#f5f0e6;" in css  # boutique's own default for what the merchant left alone
    assert "serif" in css.split("--font:")[1]


def test_switching_theme_keeps_every_pages_content(shop, owner_client, store_client):
    with tenant_context(shop.id):
        about = create_page(actor=owner_of_current_store(), title="关于我们", slug="about")
        publish(about, {"blocks": {"t": {"type": "rich_text", "settings": {"html": "<p>一家小店</p>"}}}, "order": ["t"]})
        db.session.commit()
        before = {page.slug: (page.draft_document, page.published_document, page.published_version)
                  for page in db.session.scalars(select(Page))}
    for name in ("promo", "boutique", "default"):
        response = owner_client.post("/console/design/theme", headers=EN,
                                     data={"csrf_token": csrf_from(owner_client, "/console/design"), "theme": name})
        assert response.status_code == 302
        assert theme_row(shop)[0] == name
        client = store_client("demo")
        assert "纯棉短袖T恤" in client.get("/").get_data(as_text=True)
        assert "一家小店" in client.get("/p/about").get_data(as_text=True)
    with tenant_context(shop.id):
        after = {page.slug: (page.draft_document, page.published_document, page.published_version)
                 for page in db.session.scalars(select(Page))}
    assert after == before


def test_switching_theme_takes_the_new_themes_colours_and_keeps_the_logo(shop, owner_client):
    use_theme(shop, "default", primary_color="#000000", logo="https://cdn.example.com/logo.png")
    owner_client.post("/console/design/theme", data={"csrf_token": csrf_from(owner_client, "/console/design"),
                                                     "theme": "promo"})
    _name, settings, _version = theme_row(shop)
    assert settings["primary_color"] == "#e1251b" and settings["logo"] == "https://cdn.example.com/logo.png"


def test_owner_saves_settings_and_the_change_is_audited(shop, owner_client, store_client):
    response = owner_client.post("/console/design", headers=EN, data=design_form(
        owner_client, primary_color="#AA3300", font="serif", radius="0", logo="https://cdn.example.com/l.png"))
    assert response.status_code == 302
    _name, settings, _version = theme_row(shop)
    assert settings == {"primary_color": "#aa3300", "accent_color": "#ee0a24", "background_color": "#f5f5f5",
                        "font": "serif", "radius": 0, "logo": "https://cdn.example.com/l.png"}
    assert "--primary:#aa3300;" in store_client("demo").get("/theme.css").get_data(as_text=True)
    assert [entry.actor_label for entry in theme_audits(shop)] == [shop.owner_email]
    assert "Design saved" in owner_client.get("/console/design", headers=EN).get_data(as_text=True)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("primary_color", "red", "use a colour like #07c160"),
    ("accent_color", "#12345g", "use a colour like #07c160"),
    ("background_color", "", "use a colour like #07c160"),
    ("radius", "99", "must be at most 24"),
    ("radius", "round", "must be a whole number"),
    ("font", "comic-sans", "choose one of"),
    ("logo", "javascript:alert(1)", "images must be uploaded here"),
])
def test_an_invalid_value_is_refused_with_a_message_and_nothing_written(shop, owner_client, field, value, message):
    before = theme_row(shop)
    response = owner_client.post("/console/design", headers=EN, data=design_form(owner_client, **{field: value}))
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body and f'id="{field}"' in body
    assert theme_row(shop) == before
    assert theme_audits(shop) == []


def test_an_unknown_theme_is_refused_and_nothing_written(shop, owner_client):
    before = theme_row(shop)
    response = owner_client.post("/console/design/theme", headers=EN,
                                 data={"csrf_token": csrf_from(owner_client, "/console/design"), "theme": "../default"})
    assert response.status_code == 422 and "Unknown theme." in response.get_data(as_text=True)
    assert theme_row(shop) == before


def test_a_design_form_without_csrf_token_is_refused(shop, owner_client):
    before = theme_row(shop)
    form = design_form(owner_client, primary_color="#000000")
    del form["csrf_token"]
    assert owner_client.post("/console/design", data=form).status_code == 400
    assert theme_row(shop) == before


def test_a_second_stores_theme_is_unaffected(shop, owner_client, store_client):
    tea = create_store("tea", name="Tea House")
    create_product(tea, "特级绿茶礼盒", price=29800)
    decorate_home(tea)
    before = theme_row(tea)
    owner_client.post("/console/design/theme", data={"csrf_token": csrf_from(owner_client, "/console/design"),
                                                     "theme": "promo"})
    owner_client.post("/console/design", data=design_form(owner_client, primary_color="#101010"))
    assert theme_row(shop)[0] == "promo" and theme_row(tea) == before
    tea_client = store_client("tea")
    assert 'class="store theme-default has-tab-bar"' in tea_client.get("/").get_data(as_text=True)
    css = tea_client.get("/theme.css").get_data(as_text=True)
    assert "--primary:#07c160;" in css and "#101010" not in css


def test_the_design_screen_shows_every_theme_to_the_owner(shop, owner_client):
    body = owner_client.get("/console/design", headers=EN).get_data(as_text=True)
    for theme in themes().values():
        assert f'data-theme="{theme.name}"' in body and theme.label in body and theme.description in body
        assert f'/console/design/swatch/{theme.name}.svg' in body
    assert 'type="color"' in body and 'name="csrf_token"' in body and "Use this theme" in body


def test_a_swatch_shows_the_themes_colours(shop, owner_client):
    response = owner_client.get("/console/design/swatch/promo.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "#e1251b" in response.get_data(as_text=True)
    assert owner_client.get("/console/design/swatch/nope.svg").status_code == 404


@pytest.fixture
def viewer_client(shop, app, platform_client):
    create_staff(shop, "viewer@demo.example.com", StaffUser.VIEWER)
    login_staff(platform_client, shop, email="viewer@demo.example.com")
    return platform_client


def test_a_viewer_sees_the_design_read_only(viewer_client):
    response = viewer_client.get("/console/design", headers=EN)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "can look at the design but not change it" in body
    assert "Use this theme" not in body and 'type="submit"' not in body.split('class="content"')[1].split("</main>")[0]
    assert 'id="primary_color" name="primary_color" value="#07c160" disabled' in body


@pytest.mark.parametrize(("path", "data"), [
    ("/console/design", {"primary_color": "#000000"}),
    ("/console/design/theme", {"theme": "promo"}),
])
def test_a_viewer_cannot_change_the_design(shop, viewer_client, path, data):
    before = theme_row(shop)
    response = viewer_client.post(path, data={"csrf_token": csrf_from(viewer_client, "/console/design"), **data})
    assert response.status_code == 403
    assert theme_row(shop) == before


def test_the_design_screen_needs_a_signed_in_staff_member(shop, platform_client):
    response = platform_client.get("/console/design")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


def test_every_theme_name_and_description_is_translatable():
    from themes.theme import themes
    from themes.theme_texts import THEME_TEXTS

    for theme in themes().values():
        assert theme.label in THEME_TEXTS and theme.description in THEME_TEXTS, theme.name
