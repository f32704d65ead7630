"""Catalog services: products with a spec matrix and SKUs, the category tree; two stores."""
import io
import json
import re

import pytest
from PIL import Image
from sqlalchemy import select

from commerce.catalog.categories import category_tree, create_category, move_category, rename_category, shift_category
from commerce.catalog.errors import InvalidCategory, InvalidProduct
from commerce.catalog.events import CATALOG
from commerce.catalog.images import add_product_image
from commerce.catalog.jobs import THUMBNAIL_SIDE, make_product_thumbnail
from commerce.catalog.library import delete_library_image
from commerce.catalog.models import SKU, LibraryImage, Product, ProductImage
from commerce.catalog.service import create_product, update_product
from core.audit import AuditLog
from core.cache import current_version
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tests.conftest import csrf_from
from tests.factories import create_product as create_factory_product
from tests.factories import create_staff, create_store, login_staff

SPECS = [("颜色", ["红", "蓝"]), ("尺码", ["S", "M"])]


def sku_rows(price=1000, **overrides):
    rows = []
    for i, (colour, size) in enumerate([("红", "S"), ("红", "M"), ("蓝", "S"), ("蓝", "M")]):
        rows.append({"spec_values": [colour, size], "price": price + i * 100, "stock": 5, "code": f"T-{i}"})
    for row in rows:
        row.update(overrides)
    return rows


@pytest.fixture
def stores(app_ctx):
    return create_store("demo"), create_store("tea")


def owner_of(store):
    return db.session.scalar(select(StaffUser).where(StaffUser.email == store.owner_email))


def test_create_product_makes_one_sku_per_combination_and_shows_the_lowest_price(stores):
    demo, _tea = stores
    with tenant_context(demo.id):
        product = create_product(actor=owner_of(demo), title="纯棉T恤", specs=SPECS, skus=sku_rows(price=2900))
        db.session.commit()
        assert [sku.spec_values for sku in product.skus] == [["红", "S"], ["红", "M"], ["蓝", "S"], ["蓝", "M"]]
        assert product.price == 2900
        assert product.stock == 20
        assert [spec.name for spec in product.specs] == ["颜色", "尺码"]
        audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "product.create"))
        assert audit.target_id == str(product.id) and audit.tenant_id == demo.id


def test_product_without_specs_has_one_sku(stores):
    demo, _tea = stores
    with tenant_context(demo.id):
        product = create_product(actor=None, title="茶杯", skus=[{"spec_values": [], "price": 500, "stock": 3}])
        assert len(product.skus) == 1 and product.price == 500 and product.stock == 3


@pytest.mark.parametrize("changes, field", [
    ({"title": "  "}, "title"),
    ({"title": "x" * 121}, "title"),
    ({"status": "sold"}, "status"),
    ({"category_id": 999999}, "category_id"),
    ({"skus": sku_rows()[:3]}, "skus"),
    ({"skus": sku_rows() + [{"spec_values": ["绿", "S"], "price": 1, "stock": 1}]}, "skus"),
    ({"skus": sku_rows(price=-1)}, "price"),
    ({"skus": sku_rows(market_price=1)}, "market_price"),
    ({"skus": sku_rows(stock=-2)}, "stock"),
    ({"skus": sku_rows(code="SAME")}, "code"),
    ({"specs": [("颜色", ["红", "红"])]}, "specs"),
    ({"video_url": "javascript:alert(1)"}, "video_url"),
    ({"video_url": "http://cdn.example.com/a.mp4"}, "video_url"),
    ({"tags": ["一个特别特别特别长的标签名字"]}, "tags"),
    ({"tags": [f"t{i}" for i in range(11)]}, "tags"),
    ({"description": "<p>x</p>" * 10_000}, "description"),
])
def test_create_product_refuses_broken_rules_naming_the_field(stores, changes, field):
    demo, _tea = stores
    arguments = {"title": "纯棉T恤", "specs": SPECS, "skus": sku_rows(), **changes}
    with tenant_context(demo.id):
        with pytest.raises(InvalidProduct) as refusal:
            create_product(actor=None, **arguments)
        assert refusal.value.field == field


def test_details_are_sanitized_and_tags_deduplicated(stores):
    demo, _tea = stores
    with tenant_context(demo.id):
        product = create_product(
            actor=None, title="茶杯", skus=[{"spec_values": [], "price": 500, "stock": 3}],
            description='<h2>产地</h2><p onclick="x()">云南<script>alert(1)</script></p><a href="javascript:x">链接</a>',
            video_url=" https://cdn.example.com/cup.mp4 ", tags="新品，包邮, 新品")
        db.session.commit()
        assert product.description == "<h2>产地</h2><p>云南</p><a rel=\"noopener noreferrer nofollow\">链接</a>"
        assert product.video_url == "https://cdn.example.com/cup.mp4"
        assert product.tags == ["新品", "包邮"]


def test_sku_code_is_unique_per_store_not_across_stores(stores):
    demo, tea = stores
    for store in (demo, tea):
        with tenant_context(store.id):
            create_product(actor=None, title="T恤", specs=SPECS, skus=sku_rows())
            db.session.commit()
    with tenant_context(demo.id), pytest.raises(InvalidProduct, match="T-0"):
        create_product(actor=None, title="另一件", specs=SPECS, skus=sku_rows())


def test_update_keeps_sku_ids_of_unchanged_combinations(stores):
    demo, _tea = stores
    with tenant_context(demo.id):
        product = create_product(actor=None, title="T恤", specs=SPECS, skus=sku_rows())
        db.session.commit()
        red_s = next(sku.id for sku in product.skus if sku.spec_values == ["红", "S"])
        new_specs = [("颜色", ["红"]), ("尺码", ["S", "M", "L"])]
        rows = [{"spec_values": ["红", size], "price": 800, "stock": 1} for size in ("S", "M", "L")]
        update_product(product, actor=None, title="T恤 新款", specs=new_specs, skus=rows)
        db.session.commit()
        assert [sku.spec_values for sku in product.skus] == [["红", "S"], ["红", "M"], ["红", "L"]]
        assert next(sku.id for sku in product.skus if sku.spec_values == ["红", "S"]) == red_s
        assert product.price == 800 and product.title == "T恤 新款"
        assert db.session.scalar(select(db.func.count(SKU.id))) == 3


def test_second_store_cannot_see_first_stores_skus(stores):
    demo, tea = stores
    with tenant_context(demo.id):
        create_product(actor=None, title="T恤", specs=SPECS, skus=sku_rows())
        db.session.commit()
    with tenant_context(tea.id):
        assert db.session.scalars(select(SKU)).all() == []
        assert db.session.scalars(select(Product).where(Product.title == "T恤")).all() == []


def names(tree):
    return [(category.name, depth) for category, depth in tree]


def test_category_tree_lists_children_under_their_parent(stores):
    demo, _tea = stores
    with tenant_context(demo.id):
        tea = create_category(actor=None, name="茶叶")
        green = create_category(actor=None, name="绿茶", parent_id=tea.id)
        create_category(actor=None, name="龙井", parent_id=green.id)
        db.session.commit()
        assert names(category_tree())[-3:] == [("茶叶", 1), ("绿茶", 2), ("龙井", 3)]


def test_a_fourth_level_is_refused(stores):
    demo, _tea = stores
    with tenant_context(demo.id):
        a = create_category(actor=None, name="a")
        b = create_category(actor=None, name="b", parent_id=a.id)
        c = create_category(actor=None, name="c", parent_id=b.id)
        with pytest.raises(InvalidCategory, match="3 levels") as refusal:
            create_category(actor=None, name="d", parent_id=c.id)
        assert refusal.value.field == "parent_id"


def test_moving_a_subtree_counts_its_height(stores):
    demo, _tea = stores
    with tenant_context(demo.id):
        a = create_category(actor=None, name="a")
        b = create_category(actor=None, name="b", parent_id=a.id)
        x = create_category(actor=None, name="x")
        create_category(actor=None, name="y", parent_id=x.id)
        with pytest.raises(InvalidCategory, match="3 levels"):
            move_category(x, actor=None, parent_id=b.id)
        move_category(x, actor=None, parent_id=a.id)
        assert x.parent_id == a.id


def test_a_category_cannot_move_inside_itself(stores):
    demo, _tea = stores
    with tenant_context(demo.id):
        a = create_category(actor=None, name="a")
        b = create_category(actor=None, name="b", parent_id=a.id)
        for parent in (a, b):
            with pytest.raises(InvalidCategory, match="inside itself"):
                move_category(a, actor=None, parent_id=parent.id)


def test_shift_swaps_neighbours_and_stops_at_the_ends(stores):
    demo, _tea = stores
    with tenant_context(demo.id):
        top = create_category(actor=None, name="top")
        first, second, third = (create_category(actor=None, name=n, parent_id=top.id) for n in ("1", "2", "3"))
        shift_category(third, actor=None, offset=-1)
        shift_category(first, actor=None, offset=-1)
        db.session.commit()
        assert [name for name, depth in names(category_tree()) if depth == 2] == ["1", "3", "2"]
        rename_category(second, actor=None, name="二")
        with pytest.raises(InvalidCategory) as refusal:
            rename_category(second, actor=None, name=" ")
        assert refusal.value.field == "name"


def test_another_stores_category_is_no_parent(stores):
    demo, tea = stores
    with tenant_context(tea.id):
        tea_category = create_category(actor=None, name="茶")
        db.session.commit()
    with tenant_context(demo.id):
        with pytest.raises(InvalidCategory, match="No such category"):
            create_category(actor=None, name="x", parent_id=tea_category.id)
        mine = create_category(actor=None, name="mine")
        with pytest.raises(InvalidCategory, match="No such category"):
            move_category(mine, actor=None, parent_id=tea_category.id)
        with pytest.raises(InvalidProduct):
            create_product(actor=None, title="t", category_id=tea_category.id,
                           skus=[{"spec_values": [], "price": 1, "stock": 1}])
    with tenant_context(tea.id):
        assert names(category_tree())[-1] == ("茶", 1)


# --- console screens ---------------------------------------------------------------------

@pytest.fixture
def console(stores, platform_client):
    demo, _tea = stores
    login_staff(platform_client, demo)
    return platform_client


def product_form(**overrides):
    form = {"title": "纯棉T恤", "subtitle": "", "category_id": "", "status": "on_sale", "action": "save",
            "tags": "新品", "description": "<p>好穿</p><script>x</script>", "video_url": "",
            "spec_name_0": "颜色", "spec_values_0": "红，蓝", "sku_count": "2",
            "sku_0_key": '["红"]', "sku_0_price": "29.90", "sku_0_stock": "5", "sku_0_code": "R",
            "sku_1_key": '["蓝"]', "sku_1_price": "19.5", "sku_1_market_price": "25", "sku_1_stock": "0"}
    form.update(overrides)
    return form


def test_console_creates_a_product_from_the_sku_table(console, stores):
    demo, _tea = stores
    token = csrf_from(console, "/console/products/new")
    response = console.post("/console/products/new", data=product_form(csrf_token=token))
    assert response.status_code == 302
    with tenant_context(demo.id):
        product = db.session.scalar(select(Product).where(Product.title == "纯棉T恤"))
        assert [(s.spec_values, s.price, s.market_price, s.stock) for s in product.skus] == [
            (["红"], 2990, None, 5), (["蓝"], 1950, 2500, 0)]
        assert product.price == 1950
        assert product.tags == ["新品"] and product.description == "<p>好穿</p>"
    listing = console.get("/console/products?q=T恤").get_data(as_text=True)
    assert "纯棉T恤" in listing and "¥19.50" in listing


def test_update_sku_table_renders_one_row_per_combination_and_saves_nothing(console, stores):
    demo, _tea = stores
    token = csrf_from(console, "/console/products/new")
    body = console.post("/console/products/new", data=product_form(
        csrf_token=token, action="matrix", spec_name_1="尺码", spec_values_1="S, M")).get_data(as_text=True)
    assert body.count('name="sku_') and "红 / S" in body and "蓝 / M" in body
    assert 'value="29.90"' not in body  # rows are keyed by their spec values; 红 alone is gone
    with tenant_context(demo.id):
        assert db.session.scalar(select(Product).where(Product.title == "纯棉T恤")) is None


def test_a_refused_product_form_names_the_problem(console):
    token = csrf_from(console, "/console/products/new")
    response = console.post("/console/products/new", data=product_form(csrf_token=token, sku_1_market_price="1"),
                            headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert "Market price of 蓝" in response.get_data(as_text=True)


def test_bulk_status_change_takes_products_off_the_shelf(console, stores):
    demo, _tea = stores
    ids = [create_factory_product(demo, f"P{i}") for i in range(3)]
    token = csrf_from(console, "/console/products")
    response = console.post("/console/products/status", data={
        "csrf_token": token, "status": "off_shelf", "product_id": [str(i) for i in ids[:2]]})
    assert response.status_code == 302
    with tenant_context(demo.id):
        statuses = [db.session.get(Product, i).status for i in ids]
    assert statuses == ["off_shelf", "off_shelf", "on_sale"]
    assert console.post("/console/products/status", data={"status": "on_sale"}).status_code == 400  # no CSRF


def test_console_cannot_open_another_stores_product(console, stores):
    _demo, tea = stores
    tea_product = create_factory_product(tea, "特级绿茶礼盒")
    assert console.get(f"/console/products/{tea_product}").status_code == 404
    token = csrf_from(console, "/console/products")
    console.post("/console/products/status", data={"csrf_token": token, "status": "off_shelf",
                                                   "product_id": [str(tea_product)]})
    with tenant_context(tea.id):
        assert db.session.get(Product, tea_product).status == "on_sale"


def test_console_category_screen_adds_renames_and_moves(console, stores):
    demo, _tea = stores
    token = csrf_from(console, "/console/categories")
    assert console.post("/console/categories", data={"csrf_token": token, "name": "茶叶"}).status_code == 302
    with tenant_context(demo.id):
        tea_id = next(c.id for c, _depth in category_tree() if c.name == "茶叶")
    response = console.post(f"/console/categories/{tea_id}/rename", data={"csrf_token": token, "name": "好茶"})
    assert response.status_code == 302, response.get_data(as_text=True)
    console.post(f"/console/categories/{tea_id}/move", data={"csrf_token": token, "direction": "up"})
    db.session.expire_all()  # the requests changed rows this session had loaded
    with tenant_context(demo.id):
        tree = names(category_tree())
    assert tree.index(("好茶", 1)) == len(tree) - 2


@pytest.mark.parametrize("method, path", [
    ("post", "/console/products/new"),
    ("post", "/console/products/status"),
    ("post", "/console/categories"),
])
def test_viewer_may_look_but_not_change(stores, platform_client, method, path):
    demo, _tea = stores
    create_staff(demo, "viewer@demo.test", StaffUser.VIEWER)
    login_staff(platform_client, demo, email="viewer@demo.test")
    assert platform_client.get("/console/products").status_code == 200
    assert platform_client.get("/console/categories").status_code == 200
    token = csrf_from(platform_client, "/console/products")
    assert platform_client.post(path, data={"csrf_token": token, "name": "x", "status": "off_shelf"}).status_code == 403


# --- product images ----------------------------------------------------------------------

@pytest.fixture
def media_root(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(tmp_path / "media"))
    return tmp_path / "media"


def png(size=(900, 600)):
    out = io.BytesIO()
    Image.new("RGB", size, (20, 160, 60)).save(out, "PNG")
    return out.getvalue()


def upload(console, product_id, content):
    token = csrf_from(console, "/console/products/new")
    return console.post(f"/console/products/{product_id}/images", content_type="multipart/form-data",
                        data={"csrf_token": token, "file": (io.BytesIO(content), "tea.png")},
                        headers={"Accept-Language": "en"})


def test_uploaded_images_are_ordered_and_get_a_thumbnail_once(console, stores, media_root, jobs):
    demo, _tea = stores
    product_id = create_factory_product(demo, "特级绿茶礼盒")
    assert upload(console, product_id, png()).status_code == 302
    assert upload(console, product_id, png((300, 300))).status_code == 302
    jobs.drain()
    with tenant_context(demo.id):
        first, second = db.session.get(Product, product_id).images
        assert first.thumbnail and first.thumbnail != first.filename
        with Image.open(media_root / str(demo.id) / first.thumbnail) as thumbnail:
            assert max(thumbnail.size) == THUMBNAIL_SIDE
        files = sorted(p.name for p in media_root.rglob("*") if p.is_file())
        assert make_product_thumbnail(first.id) == first.thumbnail  # again: same file, nothing new
        assert sorted(p.name for p in media_root.rglob("*") if p.is_file()) == files
        first_id, second_id = first.id, second.id
    token = csrf_from(console, f"/console/products/{product_id}")
    console.post(f"/console/products/images/{second_id}/move", data={"csrf_token": token, "direction": "up"})
    db.session.expire_all()
    with tenant_context(demo.id):
        assert [image.id for image in db.session.get(Product, product_id).images] == [second_id, first_id]


def test_a_file_that_is_not_an_image_is_refused(console, stores, media_root):
    demo, _tea = stores
    product_id = create_factory_product(demo, "茶")
    response = upload(console, product_id, b"not an image at all")
    assert response.status_code == 422
    assert "not an image" in response.get_data(as_text=True)
    with tenant_context(demo.id):
        assert db.session.scalars(select(ProductImage)).all() == []


def test_images_of_another_store_cannot_be_touched(console, stores, media_root):
    _demo, tea = stores
    product_id = create_factory_product(tea, "茶")
    with tenant_context(tea.id):
        image = add_product_image(db.session.get(Product, product_id), png(), actor=None)
        db.session.commit()
        image_id = image.id
    token = csrf_from(console, "/console/products")
    assert upload(console, product_id, png()).status_code == 404
    for action in ("move", "delete"):
        assert console.post(f"/console/products/images/{image_id}/{action}",
                            data={"csrf_token": token}).status_code == 404


# --- storefront -------------------------------------------------------------------------

def test_product_page_shows_images_and_per_sku_price_and_stock(stores, store_client, media_root):
    demo, _tea = stores
    with tenant_context(demo.id):
        product = create_product(actor=None, title="纯棉T恤", status=Product.ON_SALE, specs=SPECS,
                                 skus=sku_rows(price=2900, market_price=9900))
        add_product_image(product, png(), actor=None)
        db.session.commit()
        product_id, image = product.id, product.images[0]
        red_s = product.skus[0]
        image_url, sku_id, sku_price = image.url(), red_s.id, red_s.price
    body = store_client("demo").get(f"/products/{product_id}").get_data(as_text=True)
    assert f'src="{image_url}"' in body
    picker = json.loads(re.search(r'<script type="application/json" data-skus>(.*?)</script>', body, re.S).group(1))
    assert picker["specs"] == [{"name": "颜色", "values": ["红", "蓝"]}, {"name": "尺码", "values": ["S", "M"]}]
    assert picker["skus"][0] == {"id": sku_id, "values": ["红", "S"], "price": sku_price, "market_price": 9900,
                                 "stock": 5, "image": None}
    assert store_client("tea").get(f"/products/{product_id}").status_code == 404


def test_category_page_lists_only_that_categorys_products(stores, store_client):
    demo, tea = stores
    create_factory_product(demo, "龙井", category_name="茶叶")
    create_factory_product(demo, "T恤", category_name="服饰")
    create_factory_product(tea, "碧螺春", category_name="茶叶")
    with tenant_context(demo.id):
        tea_category = next(c.id for c, _depth in category_tree() if c.name == "茶叶")
    body = store_client("demo").get(f"/c/{tea_category}").get_data(as_text=True)
    assert "龙井" in body and "T恤" not in body and "碧螺春" not in body
    assert store_client("tea").get(f"/c/{tea_category}").status_code == 404


def test_changing_only_a_sku_bumps_the_catalog_version(stores):
    demo, _tea = stores
    with tenant_context(demo.id):
        product = create_product(actor=None, title="T恤", specs=SPECS, skus=sku_rows())
        db.session.commit()
        before = current_version(demo.id, CATALOG)
        product.skus[0].stock = 99
        db.session.commit()
        assert current_version(demo.id, CATALOG) != before


# --- deleting ----------------------------------------------------------------------------

def test_a_never_ordered_product_is_deleted_its_pictures_staying_in_the_image_library(console, stores, media_root):
    demo, tea = stores
    product_id = create_factory_product(demo, "试用装")
    with tenant_context(demo.id):
        image = add_product_image(db.session.get(Product, product_id), png(), actor=None)
        db.session.commit()
        stored = media_root / str(demo.id) / image.filename
    assert stored.exists()
    theirs = create_factory_product(tea, "别家的")
    token = csrf_from(console, "/console/products/new")
    assert console.post(f"/console/products/{theirs}/delete", data={"csrf_token": token}).status_code == 404
    assert console.post(f"/console/products/{product_id}/delete", data={"csrf_token": token}).status_code == 302
    with tenant_context(demo.id):
        assert db.session.get(Product, product_id) is None
    with tenant_context(tea.id):
        assert db.session.get(Product, theirs) is not None
    assert stored.exists()  # the image library keeps the upload; deleting it there removes the file
    with tenant_context(demo.id):
        kept = db.session.scalar(select(LibraryImage).where(LibraryImage.filename == image.filename))
        assert kept is not None and delete_library_image(kept, actor=None) == image.filename


def test_an_ordered_product_cannot_be_deleted(console, stores):
    from commerce.members.models import Address
    from commerce.orders.service import Wanted, place_order
    from tests.factories import create_member, sku_of

    demo, _tea = stores
    product_id = create_factory_product(demo, "畅销茶")
    sku_id, (member_id, address_id) = sku_of(demo, product_id), create_member(demo)
    with tenant_context(demo.id):
        place_order(member_id=member_id, wanted=[Wanted(sku_id, 1)], address=db.session.get(Address, address_id))
        db.session.commit()
    token = csrf_from(console, "/console/products/new")
    response = console.post(f"/console/products/{product_id}/delete", data={"csrf_token": token},
                            headers={"Accept-Language": "en"}, follow_redirects=True)
    assert "has orders and cannot be deleted" in response.get_data(as_text=True)
    with tenant_context(demo.id):
        assert db.session.get(Product, product_id) is not None


def test_a_category_with_children_is_kept_and_an_empty_one_leaves_its_products(console, stores):
    demo, _tea = stores
    with tenant_context(demo.id):
        parent = create_category(actor=None, name="茶")
        child = create_category(actor=None, name="绿茶", parent_id=parent.id)
        db.session.commit()
        parent_id, child_id = parent.id, child.id
    product_id = create_factory_product(demo, "龙井")
    with tenant_context(demo.id):
        db.session.get(Product, product_id).category_id = child_id
        db.session.commit()
    token = csrf_from(console, "/console/categories")
    refused = console.post(f"/console/categories/{parent_id}/delete", data={"csrf_token": token},
                           headers={"Accept-Language": "en"})
    assert refused.status_code == 422 and "has sub-categories" in refused.get_data(as_text=True)
    assert console.post(f"/console/categories/{child_id}/delete", data={"csrf_token": token}).status_code == 302
    with tenant_context(demo.id):
        db.session.expire_all()
        assert db.session.get(Product, product_id).category_id is None
        assert [c.name for c, _depth in category_tree()][-1] == "茶"


@pytest.mark.parametrize("changes, message", [
    ({"sku_0_price": "29.999"}, "红: At most 2 decimal places."),
    ({"sku_0_price": ""}, "红: Enter a price."),
    ({"sku_1_stock": "many"}, "蓝: Enter a whole number"),
])
def test_a_typed_value_that_cannot_be_read_names_its_sku_and_saves_nothing(console, stores, changes, message):
    demo, _tea = stores
    token = csrf_from(console, "/console/products/new")
    response = console.post("/console/products/new", data=product_form(csrf_token=token, **changes),
                            headers={"Accept-Language": "en"})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    with tenant_context(demo.id):
        assert db.session.scalar(select(Product).where(Product.title == "纯棉T恤")) is None


def test_prices_typed_on_a_chinese_keyboard_are_read(console, stores):
    demo, _tea = stores
    token = csrf_from(console, "/console/products/new")
    response = console.post("/console/products/new", data=product_form(csrf_token=token, sku_0_price="２９．９",
                                                                       sku_0_stock="５"))
    assert response.status_code == 302
    with tenant_context(demo.id):
        product = db.session.scalar(select(Product).where(Product.title == "纯棉T恤"))
        assert [(s.price, s.stock) for s in product.skus][0] == (2990, 5)
