"""The page editor's endpoints: load, autosave, publish, history, rollback, preview, pickers,
and who may do what — through HTTP, as the editor's script calls them."""
import re

import pytest
from sqlalchemy import select

from core.extensions import db
from core.tenancy import tenant_context
from tests.conftest import PLATFORM_HOST, csrf_from
from tests.factories import create_product, create_staff, create_store, login_staff
from themes.models import Page

EN = {"Accept-Language": "en"}
BANNER_AND_GRID = {
    "blocks": {
        "hero": {"type": "banner", "settings": {"height": "large"},
                 "blocks": {"s1": {"type": "slide", "settings": {"alt": "Spring tea", "link": "/p/spring"}}},
                 "order": ["s1"]},
        "grid": {"type": "product_grid", "settings": {"title": "Fresh picks", "columns": 3}},
    },
    "order": ["hero", "grid"],
}


@pytest.fixture
def demo(app_ctx):
    store = create_store("demo", name="Demo Shop")
    create_product(store, "Jasmine Pearls", category_name="Tea")
    return store


@pytest.fixture
def tea(app_ctx):
    store = create_store("tea", name="Tea House")
    create_product(store, "Tea House Oolong", category_name="Oolong")
    return store


def page_id(store, kind=Page.HOME):
    with tenant_context(store.id):
        return db.session.scalar(select(Page.id).where(Page.kind == kind))


class Editor:
    """The editor's script, as a test helper: JSON in and out, CSRF header, Accept JSON."""

    def __init__(self, client, store, email=None):
        self.client = client
        login_staff(client, store, email=email)
        self.headers = {**EN, "Accept": "application/json", "X-CSRFToken": csrf_from(client, "/console/pages")}

    def get(self, path):
        return self.client.get(path, headers=self.headers)

    def put(self, path, body):
        return self.client.put(path, json=body, headers=self.headers)

    def post(self, path, body=None):
        return self.client.post(path, json=body or {}, headers=self.headers)

    def load(self, pid):
        return self.get(f"/console/pages/{pid}/document").get_json()

    def save(self, pid, document, revision):
        return self.put(f"/console/pages/{pid}/document", {"document": document, "revision": revision})


@pytest.fixture
def owner(demo, app):
    return Editor(app.test_client(host=PLATFORM_HOST), demo)


def block_types_in_order(html):
    return re.findall(r'data-block-type="([a-z_]+)"', html)


def test_editor_loads_the_draft_and_every_block_type_with_its_schema(owner, demo):
    loaded = owner.load(page_id(demo))
    assert loaded["document"] == {"blocks": {}, "order": []}
    assert (loaded["revision"], loaded["published_version"]) == (0, 1)
    banner = loaded["block_types"]["banner"]
    assert (banner["label"], banner["child_type"], banner["group"]) == ("Banner carousel", "slide", "basic")
    assert banner["defaults"] == {"height": "medium", "autoplay": True, "interval": 4}
    assert banner["default_children"] and loaded["block_types"]["slide"]["nested_only"] is True
    interval = banner["schema"]["properties"]["interval"]
    assert (interval["widget"], interval["minimum"], interval["maximum"], interval["title"]) == (
        "number", 2, 15, "Seconds per slide")
    height = banner["schema"]["properties"]["height"]
    assert height["enum"] == ["small", "medium", "large"] and height["option_labels"]["large"] == "Large"
    assert loaded["block_types"]["product_grid"]["schema"]["properties"]["product_ids"]["widget"] == "products"


def test_block_labels_and_setting_titles_come_in_the_staff_members_language(owner, demo):
    english = owner.load(page_id(demo))["block_types"]
    chinese = owner.client.get(f"/console/pages/{page_id(demo)}/document",
                               headers={**owner.headers, "Accept-Language": "zh-CN"}).get_json()["block_types"]
    assert english["banner"]["label"] == "Banner carousel"
    assert set(chinese) == set(english)  # the same registry, whatever the translations say


def test_saved_draft_reloads_and_publish_shows_it_on_the_storefront_only(owner, demo, tea, store_client):
    pid = page_id(demo)
    saved = owner.save(pid, BANNER_AND_GRID, 0)
    assert saved.status_code == 200 and saved.get_json() == {"revision": 1, "has_unpublished_changes": True}
    loaded = owner.load(pid)
    assert loaded["revision"] == 1 and loaded["document"]["order"] == ["hero", "grid"]
    assert loaded["document"]["blocks"]["grid"]["settings"]["columns"] == 3

    before = store_client("demo").get("/").get_data(as_text=True)
    assert block_types_in_order(before) == []  # saving a draft does not publish it

    published = owner.post(f"/console/pages/{pid}/publish", {"revision": 1})
    assert published.status_code == 200 and published.get_json()["published_version"] == 2
    storefront = store_client("demo").get("/").get_data(as_text=True)
    assert block_types_in_order(storefront) == ["banner", "product_grid"]
    assert "Fresh picks" in storefront and "Jasmine Pearls" in storefront

    other = store_client("tea").get("/").get_data(as_text=True)
    assert block_types_in_order(other) == [] and "Fresh picks" not in other and "Tea House Oolong" in other


def test_reordered_draft_is_published_in_the_new_order(owner, demo, store_client):
    pid = page_id(demo)
    owner.save(pid, BANNER_AND_GRID, 0)
    owner.save(pid, {**BANNER_AND_GRID, "order": ["grid", "hero"]}, 1)
    owner.post(f"/console/pages/{pid}/publish")
    assert block_types_in_order(store_client("demo").get("/").get_data(as_text=True)) == ["product_grid", "banner"]


def test_history_lists_versions_and_rollback_publishes_an_old_one_again(owner, demo, store_client):
    pid = page_id(demo)
    owner.save(pid, BANNER_AND_GRID, 0)
    owner.post(f"/console/pages/{pid}/publish")  # version 2: banner + grid
    only_grid = {"blocks": {"grid": BANNER_AND_GRID["blocks"]["grid"]}, "order": ["grid"]}
    owner.save(pid, only_grid, 1)
    owner.post(f"/console/pages/{pid}/publish")  # version 3: grid only

    rolled = owner.post(f"/console/pages/{pid}/rollback", {"version": 2})
    assert rolled.status_code == 200
    body = rolled.get_json()
    assert body["published_version"] == 4 and body["document"]["order"] == ["hero", "grid"]
    assert body["revision"] == 3 and body["has_unpublished_changes"] is False
    assert block_types_in_order(store_client("demo").get("/").get_data(as_text=True)) == ["banner", "product_grid"]

    history = owner.get(f"/console/pages/{pid}/versions").get_json()
    assert [item["version"] for item in history["items"]] == [4, 3, 2, 1]
    assert history["items"][0]["live"] is True and history["items"][0]["author"] == demo.owner_email
    assert "2" in history["items"][0]["note"] and history["items"][0]["created_at_text"]

    missing = owner.post(f"/console/pages/{pid}/rollback", {"version": 99})
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"


def test_two_staff_saving_the_same_draft_get_a_conflict_not_an_overwrite(owner, demo, app):
    create_staff(demo, "li@demo-shop.com", "operator")
    colleague = Editor(app.test_client(host=PLATFORM_HOST), demo, email="li@demo-shop.com")
    pid = page_id(demo)
    both_saw = owner.load(pid)["revision"]
    assert colleague.load(pid)["revision"] == both_saw

    assert owner.save(pid, BANNER_AND_GRID, both_saw).status_code == 200
    stale = colleague.save(pid, {"blocks": {}, "order": []}, both_saw)

    assert stale.status_code == 409 and stale.mimetype == "application/problem+json"
    problem = stale.get_json()
    assert problem["current_revision"] == both_saw + 1 and "Reload" in problem["detail"]
    assert owner.load(pid)["document"]["order"] == ["hero", "grid"]
    # Publishing a draft that changed since the colleague last loaded it is a conflict too.
    assert colleague.post(f"/console/pages/{pid}/publish", {"revision": both_saw}).status_code == 409


@pytest.mark.parametrize("block, field, words", [
    ({"type": "countdown_wheel", "settings": {}}, "type", "Unknown block type"),
    ({"type": "image", "settings": {"link": "javascript:alert(1)"}}, "link", "https://"),
    ({"type": "product_grid", "settings": {"title": "x" * 500}}, "title", "at most 80 characters"),
    ({"type": "banner", "settings": {"interval": 99}}, "interval", "at most 15"),
], ids=["unknown-type", "javascript-link", "too-long-text", "number-over-limit"])
def test_invalid_document_is_refused_naming_block_and_field_and_nothing_is_saved(owner, demo, block, field, words):
    pid = page_id(demo)
    owner.save(pid, BANNER_AND_GRID, 0)
    bad = {"blocks": {**BANNER_AND_GRID["blocks"], "bad1": block}, "order": [*BANNER_AND_GRID["order"], "bad1"]}

    response = owner.save(pid, bad, 1)

    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    problems = response.get_json()["problems"]
    assert any(p["block"] == "bad1" and p["field"] == field and words in p["text"] and "bad1" in p["text"]
               for p in problems), problems
    after = owner.load(pid)
    assert after["revision"] == 1 and "bad1" not in after["document"]["blocks"]


def test_a_problem_in_a_nested_slide_names_the_banner_and_the_slide(owner, demo):
    bad = {"blocks": {"hero": {"type": "banner", "settings": {}, "order": ["s1"],
                               "blocks": {"s1": {"type": "slide", "settings": {"link": "javascript:x"}}}}},
           "order": ["hero"]}
    problems = owner.save(page_id(demo), bad, 0).get_json()["problems"]
    assert [(p["block"], p["field"]) for p in problems] == [("hero/s1", "link")]


def test_a_body_that_is_not_a_document_request_is_a_bad_request(owner, demo):
    pid = page_id(demo)
    assert owner.put(f"/console/pages/{pid}/document", {"document": BANNER_AND_GRID}).status_code == 400
    assert owner.put(f"/console/pages/{pid}/document", {"document": BANNER_AND_GRID, "revision": "0"}).status_code == 400
    assert owner.post(f"/console/pages/{pid}/rollback", {"version": "two"}).status_code == 400


def test_saving_without_the_csrf_header_is_refused(owner, demo):
    response = owner.client.put(f"/console/pages/{page_id(demo)}/document", json={"document": BANNER_AND_GRID,
                                "revision": 0}, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert owner.load(page_id(demo))["revision"] == 0


def test_viewer_may_look_but_not_save_publish_roll_back_or_create(demo, app):
    create_staff(demo, "viewer@demo-shop.com", "viewer")
    viewer = Editor(app.test_client(host=PLATFORM_HOST), demo, email="viewer@demo-shop.com")
    pid = page_id(demo)
    assert viewer.get(f"/console/pages/{pid}/document").status_code == 200
    assert viewer.get(f"/console/pages/{pid}/edit").status_code == 200
    assert viewer.save(pid, BANNER_AND_GRID, 0).status_code == 403
    assert viewer.post(f"/console/pages/{pid}/publish").status_code == 403
    assert viewer.post(f"/console/pages/{pid}/rollback", {"version": 1}).status_code == 403
    created = viewer.client.post("/console/pages", data={"csrf_token": viewer.headers["X-CSRFToken"],
                                                          "title": "Sale", "slug": "sale"}, headers=EN)
    assert created.status_code == 403
    listing = viewer.get("/console/pages").get_data(as_text=True)
    assert "New custom page" not in listing and "can look at pages but not change them" in listing
    editor = viewer.get(f"/console/pages/{pid}/edit").get_data(as_text=True)
    assert 'data-can-edit="false"' in editor and 'id="pe-publish"' not in editor
    assert owner_revision(demo) == 0


def owner_revision(store):
    with tenant_context(store.id):
        return db.session.scalar(select(Page.draft_revision).where(Page.kind == Page.HOME))


@pytest.mark.parametrize("method, path, body", [
    ("GET", "/console/pages/{id}/edit", None),
    ("GET", "/console/pages/{id}/document", None),
    ("PUT", "/console/pages/{id}/document", {"document": {"blocks": {}, "order": []}, "revision": 0}),
    ("POST", "/console/pages/{id}/publish", {}),
    ("GET", "/console/pages/{id}/versions", None),
    ("POST", "/console/pages/{id}/rollback", {"version": 1}),
    ("GET", "/console/pages/{id}/preview", None),
])
def test_another_stores_page_is_not_found_on_every_endpoint(owner, tea, method, path, body):
    response = owner.client.open(path.format(id=page_id(tea)), method=method, json=body, headers=owner.headers)
    assert response.status_code == 404
    with tenant_context(tea.id):
        page = db.session.scalar(select(Page).where(Page.kind == Page.HOME))
        assert (page.draft_revision, page.published_version) == (0, 1)


def test_preview_renders_the_draft_in_the_store_theme_and_may_be_framed_by_the_console(owner, demo, app,
                                                                                       store_client):
    pid = page_id(demo)
    owner.save(pid, BANNER_AND_GRID, 0)
    owner.post(f"/console/pages/{pid}/publish")
    owner.save(pid, {"blocks": {"grid": BANNER_AND_GRID["blocks"]["grid"]}, "order": ["grid"]}, 1)

    response = owner.client.get(f"/console/pages/{pid}/preview", headers=EN)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert block_types_in_order(html) == ["product_grid"]  # the draft ...
    live = store_client("demo").get("/").get_data(as_text=True)
    assert block_types_in_order(live) == ["banner", "product_grid"]  # ... while shoppers still see the published page
    assert "Fresh picks" in html and "/console/theme.css" in html and "theme-default" in html
    csp = response.headers["Content-Security-Policy"]
    assert f"frame-ancestors {app.config['PREFERRED_URL_SCHEME']}://{PLATFORM_HOST}" in csp
    assert "X-Frame-Options" not in response.headers
    # Every other console page still refuses to be framed.
    assert owner.client.get(f"/console/pages/{pid}/edit").headers["X-Frame-Options"] == "DENY"


def test_console_theme_stylesheet_carries_the_store_colours(owner):
    response = owner.client.get("/console/theme.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert "--primary" in response.get_data(as_text=True)


def test_pages_list_and_creating_a_custom_page(owner, demo):
    listing = owner.client.get("/console/pages", headers=EN).get_data(as_text=True)
    assert "Home page" in listing and "Product detail layout" in listing and "Version 1 live" in listing
    token = csrf_from(owner.client, "/console/pages")
    created = owner.client.post("/console/pages", data={"csrf_token": token, "title": "Spring sale",
                                                        "slug": "spring-sale"}, headers=EN)
    assert created.status_code == 302 and created.location.endswith("/edit")
    listing = owner.client.get("/console/pages", headers=EN).get_data(as_text=True)
    assert "Spring sale" in listing and "/p/spring-sale" in listing and "Not published" in listing

    taken = owner.client.post("/console/pages", data={"csrf_token": token, "title": "Again", "slug": "spring-sale"},
                              headers=EN)
    assert taken.status_code == 409 and "Another page already uses this address." in taken.get_data(as_text=True)
    bad = owner.client.post("/console/pages", data={"csrf_token": token, "title": "", "slug": "Bad Slug!"}, headers=EN)
    assert bad.status_code == 422


def test_a_published_custom_page_opens_at_its_own_address(owner, demo, store_client):
    token = csrf_from(owner.client, "/console/pages")
    owner.client.post("/console/pages", data={"csrf_token": token, "title": "Spring", "slug": "spring"})
    with tenant_context(demo.id):
        pid = db.session.scalar(select(Page.id).where(Page.slug == "spring"))
    assert store_client("demo").get("/p/spring").status_code == 404
    owner.save(pid, BANNER_AND_GRID, 0)
    owner.post(f"/console/pages/{pid}/publish")
    page = store_client("demo").get("/p/spring")
    assert page.status_code == 200 and block_types_in_order(page.get_data(as_text=True)) == ["banner", "product_grid"]


def test_editor_screen_hands_its_script_the_urls_and_translated_strings(owner, demo):
    html = owner.client.get(f"/console/pages/{page_id(demo)}/edit", headers=EN).get_data(as_text=True)
    assert 'id="page-editor"' in html and f'data-document-url="/console/pages/{page_id(demo)}/document"' in html
    assert "data-messages='" in html and "Someone else saved this page" in html
    assert 'data-type="product_grid"' in html and 'data-type="slide"' not in html  # slides live inside banners
    assert "<script>" not in html and " style=" not in html  # the CSP forbids inline code and styles
    assert owner.client.get("/console/editor/editor.js").mimetype in ("text/javascript", "application/javascript")
    assert owner.client.get("/console/editor/editor.css").mimetype == "text/css"
    assert owner.client.get("/console/editor/../views/pages.py").status_code == 404


def test_sortablejs_is_served_from_node_modules(owner):
    response = owner.client.get("/console/editor/sortable.js")
    assert response.status_code == 200, "run `make assets` (npm ci) to install SortableJS"
    assert b"Sortable" in response.data


def test_pickers_list_only_this_stores_products_and_categories(owner, demo, tea):
    create_product(demo, "Black Tea Tin")
    products = owner.get("/console/pickers/products?q=tea").get_json()["items"]
    assert [p["title"] for p in products] == ["Black Tea Tin"]  # not the tea store's "Tea House Oolong"
    everything = owner.get("/console/pickers/products").get_json()["items"]
    assert {p["title"] for p in everything} == {"Black Tea Tin", "Jasmine Pearls"}
    named = owner.get(f"/console/pickers/products?ids={everything[0]['id']}").get_json()["items"]
    assert [p["id"] for p in named] == [everything[0]["id"]]
    categories = {c["name"] for c in owner.get("/console/pickers/categories").get_json()["items"]}
    assert "Tea" in categories and "Oolong" not in categories
    links = owner.get("/console/pickers/links").get_json()["items"]
    assert {"url": "/", "label": "Home page"} in links
    assert any(link["url"].startswith("/products/") and link["label"] == "Jasmine Pearls" for link in links)
    assert not any(link["label"] == "Tea House Oolong" for link in links)
