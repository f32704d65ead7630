"""Pages: drafts with revision checks, atomic publish, history and rollback, rendering in a
fixed number of queries, caching with invalidation and ETags, and tenant isolation."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event, select

from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import StaffUser, Tenant
from tests.factories import create_product, create_store
from themes.models import Page
from themes.pages import DraftConflict, page_versions, publish_page, rollback_page, save_draft
from themes.published import render_draft_or_published


def grid(title, **settings):
    return {"type": "product_grid", "settings": {"title": title, **settings}}


def document(*blocks):
    return {"blocks": {f"b{i}": block for i, block in enumerate(blocks)}, "order": [f"b{i}" for i in range(len(blocks))]}


def owner_of(store):
    return db.session.scalar(select(StaffUser).where(StaffUser.role == StaffUser.OWNER))


def home_page():
    return db.session.scalar(select(Page).where(Page.kind == Page.HOME))


def publish_home(store, doc):
    with tenant_context(store.id):
        page, owner = home_page(), owner_of(store)
        save_draft(page, doc, expected_revision=page.draft_revision, actor=owner)
        publish_page(page, actor=owner)
        db.session.commit()
        return page.id


@pytest.fixture
def stores(app_ctx):
    demo, tea = create_store("demo", name="Demo Shop"), create_store("tea", name="Tea House")
    create_product(demo, "纯棉短袖T恤", price=7900)
    create_product(tea, "特级绿茶礼盒", price=29800)
    return demo, tea


def test_publish_shows_the_draft_on_the_storefront_and_keeps_history(stores, store_client):
    demo, _tea = stores
    publish_home(demo, document(grid("本周新品")))
    body = store_client("demo").get("/").get_data(as_text=True)
    assert "本周新品" in body and "纯棉短袖T恤" in body
    with tenant_context(demo.id):
        versions = page_versions(home_page())
        assert [v.version for v in versions] == [2, 1] and versions[0].author_label == demo.owner_email


def test_saving_a_draft_does_not_change_what_shoppers_see(stores, store_client):
    demo, _tea = stores
    publish_home(demo, document(grid("已发布")))
    with tenant_context(demo.id):
        page = home_page()
        save_draft(page, document(grid("草稿中")), expected_revision=page.draft_revision, actor=owner_of(demo))
        db.session.commit()
    body = store_client("demo").get("/").get_data(as_text=True)
    assert "已发布" in body and "草稿中" not in body


def test_stale_revision_is_a_conflict_not_an_overwrite(stores):
    demo, _tea = stores
    with tenant_context(demo.id):
        page, owner = home_page(), owner_of(demo)
        seen = page.draft_revision
        save_draft(page, document(grid("甲的修改")), expected_revision=seen, actor=owner)
        with pytest.raises(DraftConflict):
            save_draft(page, document(grid("乙的修改")), expected_revision=seen, actor=owner)
        db.session.commit()
        assert page.draft_document["blocks"]["b0"]["settings"]["title"] == "甲的修改"


@pytest.mark.postgres
def test_two_staff_saving_the_same_revision_at_once_one_wins(app, stores):
    demo, _tea = stores
    with tenant_context(demo.id):
        page_id, revision = home_page().id, home_page().draft_revision
    barrier = threading.Barrier(2, timeout=60)

    def save(title):
        with app.app_context(), tenant_context(demo.id):
            page = db.session.get(Page, page_id)
            barrier.wait()
            try:
                save_draft(page, document(grid(title)), expected_revision=revision, actor=owner_of(demo))
                db.session.commit()
                return "saved"
            except DraftConflict:
                db.session.rollback()
                return "conflict"

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert sorted(pool.map(save, ["甲", "乙"])) == ["conflict", "saved"]


def test_rollback_publishes_an_old_version_as_a_new_one(stores, store_client):
    demo, _tea = stores
    publish_home(demo, document(grid("第一版")))
    publish_home(demo, document(grid("第二版")))
    with tenant_context(demo.id):
        rollback_page(home_page(), 2, actor=owner_of(demo))
        db.session.commit()
        assert [v.version for v in page_versions(home_page())] == [4, 3, 2, 1]
    body = store_client("demo").get("/").get_data(as_text=True)
    assert "第一版" in body and "第二版" not in body


def test_rendering_twenty_blocks_costs_the_same_queries_as_two(app, stores):
    demo, _tea = stores
    with tenant_context(demo.id):
        category_id = create_category_with_product(demo)
        kinds = [lambda i: grid(f"n{i}"), lambda i: grid(f"p{i}", source="picked", product_ids=[1, 2]),
                 lambda i: grid(f"s{i}", source="best_selling"),
                 lambda i: grid(f"c{i}", source="category", category_id=category_id),
                 lambda i: {"type": "rich_text", "settings": {"html": f"<p>{i}</p>"}}]
        two = document(*(kind(0) for kind in kinds[:2]))
        ten = document(*(kind(i) for i in range(5) for kind in kinds[:2]))
        five = document(*(kind(0) for kind in kinds))
        twenty = document(*(kind(i) for i in range(4) for kind in kinds))
        assert len(twenty["order"]) == 20
        with app.test_request_context("/", base_url="http://demo.duoshop.test"):
            counts = {name: count_queries(lambda d=d: render_draft_or_published(d, store=demo_tenant(demo)))
                      for name, d in (("two", two), ("ten", ten), ("five", five), ("twenty", twenty))}
    assert counts["two"] == counts["ten"]
    # theme, one query per product source (4), the category tree, and all the pictures at once
    assert counts["five"] == counts["twenty"] <= 7, counts


def create_category_with_product(store):
    from commerce.catalog.models import Category, Product

    category = Category(name="茶叶")
    db.session.add(category)
    db.session.flush()
    db.session.add(Product(title="分类商品", price=100, status=Product.ON_SALE, category_id=category.id))
    db.session.commit()
    return category.id


def demo_tenant(store):
    return db.session.get(Tenant, store.id)


def count_queries(render):
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SELECT SET_CONFIG", "PRAGMA")):
            statements.append(statement)

    db.session.expire_all()
    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        render()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements)


def test_repeat_visit_gets_304_and_a_product_change_shows_at_once(stores, store_client):
    demo, _tea = stores
    publish_home(demo, document(grid("新品")))
    client = store_client("demo")
    first = client.get("/")
    etag = first.headers["ETag"]
    assert client.get("/", headers={"If-None-Match": etag}).status_code == 304
    with tenant_context(demo.id):
        from commerce.catalog.models import Product

        product = db.session.scalar(select(Product))
        product.title = "限量款T恤"
        db.session.commit()
    after = client.get("/", headers={"If-None-Match": etag})
    assert after.status_code == 200 and "限量款T恤" in after.get_data(as_text=True)
    assert after.headers["ETag"] != etag


def test_publishing_changes_the_etag(stores, store_client):
    demo, _tea = stores
    publish_home(demo, document(grid("一")))
    etag = store_client("demo").get("/").headers["ETag"]
    publish_home(demo, document(grid("二")))
    response = store_client("demo").get("/", headers={"If-None-Match": etag})
    assert response.status_code == 200 and "二" in response.get_data(as_text=True)


def test_one_stores_publish_leaves_the_other_storefront_unchanged(stores, store_client):
    demo, tea = stores
    before = store_client("tea").get("/").get_data(as_text=True)
    publish_home(demo, document(grid("演示店专属")))
    after = store_client("tea").get("/").get_data(as_text=True)
    assert "演示店专属" not in after and "纯棉短袖T恤" not in after
    assert without_csrf(before) == without_csrf(after)


def without_csrf(html):
    import re

    return re.sub(r'name="csrf_token" value="[^"]+"', "", html)


def test_custom_page_of_one_store_is_404_on_the_other(stores, store_client):
    demo, _tea = stores
    from themes.pages import create_page

    with tenant_context(demo.id):
        page = create_page(actor=owner_of(demo), title="双十一", slug="double-11")
        save_draft(page, document(grid("双十一特惠")), expected_revision=page.draft_revision, actor=owner_of(demo))
        publish_page(page, actor=owner_of(demo))
        db.session.commit()
    assert "双十一特惠" in store_client("demo").get("/p/double-11").get_data(as_text=True)
    assert store_client("tea").get("/p/double-11").status_code == 404


def test_hostile_text_in_settings_is_rendered_inert(stores, store_client):
    demo, _tea = stores
    publish_home(demo, document(grid("{{ 7*7 }}<script>alert(1)</script>{{ config }}")))
    body = store_client("demo").get("/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body
    assert "{{ 7*7 }}" in body and ">49<" not in body and "SECRET_KEY" not in body


def test_product_detail_layout_blocks_show_under_every_product(stores, store_client):
    demo, _tea = stores
    with tenant_context(demo.id):
        layout = db.session.scalar(select(Page).where(Page.kind == Page.PRODUCT_DETAIL))
        save_draft(layout, document(grid("猜你喜欢")), expected_revision=layout.draft_revision, actor=owner_of(demo))
        publish_page(layout, actor=owner_of(demo))
        db.session.commit()
        from commerce.catalog.models import Product

        product_id = db.session.scalar(select(Product.id))
    body = store_client("demo").get(f"/products/{product_id}").get_data(as_text=True)
    assert "纯棉短袖T恤" in body and "猜你喜欢" in body
