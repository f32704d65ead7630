"""The whole-response cache of storefront pages: an anonymous shopper's repeat visit costs no
SQL and starts no session, and every change a merchant makes shows at once, in that store
only — the other store's cached page stays byte for byte what it was."""
import pytest
from sqlalchemy import event, select

from commerce.catalog.models import Product
from commerce.members.models import Address
from commerce.orders.service import Wanted, place_order, release_stock
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import StaffUser, Tenant
from tests.factories import create_member, create_product, create_store, sku_of
from themes.models import Page
from themes.pages import change_theme, create_page, publish_page, rollback_page, save_draft

LOGO = "https://img.example.com/new-logo.png"


def grid(title):
    return {"type": "product_grid", "settings": {"title": title}}


def header():
    return {"type": "header", "settings": {"show_store_name": True}}


def document(*blocks):
    return {"blocks": {f"b{i}": block for i, block in enumerate(blocks)}, "order": [f"b{i}" for i in range(len(blocks))]}


def owner():
    return db.session.scalar(select(StaffUser).where(StaffUser.role == StaffUser.OWNER))


def page_of(kind=Page.HOME):
    return db.session.scalar(select(Page).where(Page.kind == kind))


def publish(store, doc, page=None):
    with tenant_context(store.id):
        page = page or page_of()
        save_draft(page, doc, expected_revision=page.draft_revision, actor=owner())
        publish_page(page, actor=owner())
        db.session.commit()


@pytest.fixture
def stores(app_ctx):
    demo, tea = create_store("demo", name="Demo Shop"), create_store("tea", name="Tea House")
    create_product(demo, "纯棉短袖T恤", price=7900)
    create_product(tea, "特级绿茶礼盒", price=29800)
    publish(demo, document(header(), grid("演示新品")))
    publish(tea, document(header(), grid("茶叶新品")))
    return demo, tea


def count_statements(app, request):
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = request()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return response, statements


def test_a_cached_home_page_and_its_304_cost_no_sql(app, stores, store_client):
    client = store_client("demo")
    first = client.get("/")
    assert first.status_code == 200
    again, statements = count_statements(app, lambda: client.get("/"))
    assert again.status_code == 200 and statements == []
    assert again.get_data() == first.get_data() and again.headers["ETag"] == first.headers["ETag"]
    revalidated, statements = count_statements(app, lambda: client.get("/", headers={"If-None-Match": first.headers["ETag"]}))
    assert revalidated.status_code == 304 and statements == []


def test_anonymous_store_home_sets_no_cookie(stores, store_client):
    for _ in range(2):  # the first visit renders, the second comes from the cache
        response = store_client("demo").get("/")
        assert response.status_code == 200
        assert response.headers.getlist("Set-Cookie") == []
        assert "csrf_token" not in response.get_data(as_text=True)


def test_the_language_link_switches_language_without_a_session(stores, store_client):
    client = store_client("demo")
    assert "/lang/en?next=/" in client.get("/").get_data(as_text=True)
    switched = client.get("/lang/en?next=/")
    assert switched.status_code == 302 and switched.location.endswith("/")
    assert [c.split("=")[0] for c in switched.headers.getlist("Set-Cookie")] == ["lang"]
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/", "/\\evil.example"])
def test_the_language_link_never_leaves_the_site(stores, store_client, target):
    response = store_client("demo").get("/lang/en", query_string={"next": target})
    assert response.status_code == 302 and response.location in ("/", "http://demo.duoshop.test/")


def edit_product_title(store):
    with tenant_context(store.id):
        db.session.scalar(select(Product)).title = "限量款T恤"
        db.session.commit()
    return "限量款T恤"


def publish_new_home(store):
    publish(store, document(header(), grid("双十一主会场")))
    return "双十一主会场"


def roll_back_home(store):
    publish(store, document(header(), grid("临时改版")))
    with tenant_context(store.id):
        rollback_page(page_of(), 1, actor=owner())  # version 1: the empty page of a new store
        db.session.commit()
    return None  # checked below: neither later version shows


def switch_theme(store):
    with tenant_context(store.id):
        change_theme(actor=owner(), theme_name="boutique", settings={})
        db.session.commit()
    return "theme-boutique"


def change_theme_logo(store):
    with tenant_context(store.id):
        change_theme(actor=owner(), theme_name="default", settings={"logo": LOGO})
        db.session.commit()
    return LOGO


def rename_store(store):
    tenant = db.session.get(Tenant, store.id)
    tenant.name = "Demo Shop 2.0"
    db.session.commit()
    return "Demo Shop 2.0"


@pytest.mark.parametrize("change", [edit_product_title, publish_new_home, roll_back_home, switch_theme,
                                    change_theme_logo, rename_store])
def test_a_change_shows_at_once_in_its_store_only(stores, store_client, change):
    demo, tea = stores
    demo_client, tea_client = store_client("demo"), store_client("tea")
    before = demo_client.get("/")
    tea_before = tea_client.get("/")
    assert demo_client.get("/").get_data() == before.get_data()  # now served from the cache

    shown = change(demo)

    after = demo_client.get("/", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    body = after.get_data(as_text=True)
    if shown is None:  # the rollback: back to the empty page of version 1
        assert "演示新品" not in body and "临时改版" not in body
    else:
        assert shown in body and shown not in before.get_data(as_text=True)
    tea_after = tea_client.get("/", headers={"If-None-Match": tea_before.headers["ETag"]})
    assert tea_after.status_code == 304
    tea_body = tea_client.get("/")
    assert tea_body.get_data() == tea_before.get_data()
    assert "纯棉短袖T恤" not in tea_body.get_data(as_text=True)


def test_a_custom_page_is_cached_per_store_and_follows_its_publish(stores, store_client):
    demo, tea = stores
    for store, title in ((demo, "演示活动"), (tea, "茶叶活动")):
        with tenant_context(store.id):
            page = create_page(actor=owner(), title=title, slug="sale")
            db.session.commit()
        publish(store, document(grid(title)), page=page)
    assert "演示活动" in store_client("demo").get("/p/sale").get_data(as_text=True)
    tea_page = store_client("tea").get("/p/sale").get_data(as_text=True)
    assert "茶叶活动" in tea_page and "演示活动" not in tea_page

    with tenant_context(demo.id):
        page = db.session.scalar(select(Page).where(Page.slug == "sale"))
    publish(demo, document(grid("演示活动第二波")), page=page)
    assert "演示活动第二波" in store_client("demo").get("/p/sale").get_data(as_text=True)
    assert store_client("tea").get("/p/sale").get_data(as_text=True) == tea_page


def test_a_visitor_with_a_session_gets_a_fresh_render(stores, store_client):
    client = store_client("demo")
    client.get("/")  # fills the cache
    client.set_cookie("session", "not-a-valid-session", domain="demo.duoshop.test")
    response = client.get("/")
    assert response.status_code == 200 and "演示新品" in response.get_data(as_text=True)


def test_a_checkout_taking_the_last_unit_shows_sold_out_on_the_cached_product_page(stores, store_client):
    """Stock moves by a bulk UPDATE (no ORM object is flushed): the page cache must still hear of it,
    when an order takes the last unit and when its cancellation gives it back."""
    demo, tea = stores
    last_one = create_product(demo, "限量茶宠", stock=1)
    theirs = create_product(tea, "限量茶宠", stock=1)
    member_id, address_id = create_member(demo)
    demo_client, tea_client = store_client("demo"), store_client("tea")
    sku_id, _ = sku_of(demo, last_one), sku_of(tea, theirs)
    assert "In stock: 1" in demo_client.get(f"/products/{last_one}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    tea_page = tea_client.get(f"/products/{theirs}", headers={"Accept-Language": "en"}).get_data()
    with tenant_context(demo.id):
        order = place_order(member_id=member_id, wanted=[Wanted(sku_id, 1)],
                            address=db.session.get(Address, address_id))
        db.session.commit()
    page = demo_client.get(f"/products/{last_one}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "In stock: 1" not in page and "Sold out" in page
    assert tea_client.get(f"/products/{theirs}", headers={"Accept-Language": "en"}).get_data() == tea_page
    with tenant_context(demo.id):
        release_stock(db.session.merge(order))
        db.session.commit()
    assert "In stock: 1" in demo_client.get(f"/products/{last_one}", headers={"Accept-Language": "en"}).get_data(as_text=True)
