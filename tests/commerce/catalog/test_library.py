"""The image library (图片空间): uploads filed per store, the console screen and picker list,
deleting refused while an image is in use, SKU images, and one store never reaching another's."""
import io
import json

import pytest
from PIL import Image
from sqlalchemy import select

from commerce.catalog.errors import InvalidLibraryImage, InvalidProduct
from commerce.catalog.images import add_product_image
from commerce.catalog.library import (
    delete_library_image,
    move_library_image,
    rename_library_image,
    upload_to_library,
    where_used,
)
from commerce.catalog.models import SKU, LibraryImage, Product
from commerce.catalog.service import create_product, update_product
from core.extensions import db
from core.tenancy import tenant_context
from tests.conftest import csrf_from
from tests.factories import create_product as create_factory_product
from tests.factories import create_staff, create_store, login_staff
from themes.pages import create_page, store_theme


@pytest.fixture
def stores(app_ctx):
    return create_store("demo"), create_store("tea")


@pytest.fixture
def console(stores, platform_client):
    login_staff(platform_client, stores[0])
    return platform_client


@pytest.fixture
def media_root(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_ROOT", str(tmp_path / "media"))
    return tmp_path / "media"


def png(size=(120, 80), colour=(20, 160, 60)):
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def library_image(store, name="banner.png", folder=""):
    with tenant_context(store.id):
        image = upload_to_library(png(), tenant_id=store.id, name=name, folder=folder, actor=None)
        db.session.commit()
        return image


def post_upload(console, content, *, name="秋季新品.png", folder="", path="/console/media/library"):
    token = csrf_from(console, "/console/media")
    return console.post(path, content_type="multipart/form-data", headers={"Accept-Language": "zh"},
                        data={"csrf_token": token, "file": (io.BytesIO(content), name), "folder": folder})


# --- filing uploads ---------------------------------------------------------------------

def test_an_upload_is_filed_under_its_file_name_and_folder_in_the_stores_own_media_path(console, stores, media_root):
    demo, tea = stores
    assert post_upload(console, png(), folder="  首页  横幅 ").status_code == 302
    with tenant_context(demo.id):
        image = db.session.scalar(select(LibraryImage))
        assert (image.name, image.folder, image.width, image.height) == ("秋季新品.png", "首页 横幅", 120, 80)
        assert image.url() == f"/media/{demo.id}/{image.filename}"
        assert (media_root / str(demo.id) / image.filename).exists()
    with tenant_context(tea.id):
        assert db.session.scalars(select(LibraryImage)).all() == []


def test_product_pictures_and_the_page_editors_uploads_land_in_the_library(console, stores, media_root):
    demo, _tea = stores
    product_id = create_factory_product(demo, "特级绿茶")
    with tenant_context(demo.id):
        add_product_image(db.session.get(Product, product_id), png(), actor=None, name="绿茶正面.png")
        db.session.commit()
    response = post_upload(console, png(), name="banner.png", folder="页面", path="/console/media")
    assert response.status_code == 201
    assert response.json["name"] == "banner.png" and response.json["url"].startswith(f"/media/{demo.id}/")
    with tenant_context(demo.id):
        assert sorted((i.name, i.folder) for i in db.session.scalars(select(LibraryImage))) == [
            ("banner.png", "页面"), ("绿茶正面.png", "")]


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_filed(console, stores, media_root):
    demo, _tea = stores
    response = post_upload(console, b"GIF89a not really")
    assert response.status_code == 302
    assert "不是" in console.get("/console/media").get_data(as_text=True)
    with tenant_context(demo.id):
        assert db.session.scalars(select(LibraryImage)).all() == []


def test_rename_and_move_check_their_input(stores, media_root):
    demo, _tea = stores
    image = library_image(demo)
    with tenant_context(demo.id):
        image = db.session.get(LibraryImage, image.id)
        rename_library_image(image, name="  主图  ", actor=None)
        move_library_image(image, folder="商品", actor=None)
        assert (image.name, image.folder) == ("主图", "商品")
        with pytest.raises(InvalidLibraryImage):
            rename_library_image(image, name="   ", actor=None)
        with pytest.raises(InvalidLibraryImage):
            move_library_image(image, folder="长" * 31, actor=None)


# --- the screen and the picker's list ---------------------------------------------------

def test_the_screen_searches_by_name_and_filters_by_folder(console, stores, media_root):
    demo, tea = stores
    library_image(demo, "春茶海报", folder="海报")
    library_image(demo, "秋季横幅", folder="横幅")
    library_image(tea, "别家的春茶")
    page = console.get("/console/media?q=春茶").get_data(as_text=True)
    assert "春茶海报" in page and "秋季横幅" not in page and "别家的春茶" not in page
    page = console.get("/console/media?folder=横幅").get_data(as_text=True)
    assert "秋季横幅" in page and "春茶海报" not in page
    picker = console.get("/console/media/library.json?q=春").json
    assert [image["name"] for image in picker["images"]] == ["春茶海报"]
    assert picker["folders"] == ["横幅", "海报"]


def test_a_viewer_sees_the_library_but_cannot_change_it(stores, platform_client, media_root):
    demo, _tea = stores
    image = library_image(demo)
    create_staff(demo, "viewer@demo.test", "viewer")
    login_staff(platform_client, demo, "viewer@demo.test")
    assert platform_client.get("/console/media").status_code == 200
    token = csrf_from(platform_client, "/console/media")
    for action in ("rename", "move", "delete"):
        assert platform_client.post(f"/console/media/{image.id}/{action}", data={"csrf_token": token}).status_code == 403


def test_another_stores_images_are_not_listed_picked_or_touched(console, stores, media_root):
    demo, tea = stores
    theirs = library_image(tea, "别家的图")
    product_id = create_factory_product(demo, "茶")
    assert "别家的图" not in console.get("/console/media").get_data(as_text=True)
    assert console.get("/console/media/library.json").json["images"] == []
    token = csrf_from(console, "/console/media")
    for action in ("rename", "move", "delete"):
        assert console.post(f"/console/media/{theirs.id}/{action}",
                            data={"csrf_token": token, "name": "x"}).status_code == 404
    assert console.post(f"/console/products/{product_id}/images/pick",
                        data={"csrf_token": token, "library_image_id": theirs.id}).status_code == 404
    with tenant_context(tea.id):
        assert db.session.get(LibraryImage, theirs.id).name == "别家的图"
    assert (media_root / str(tea.id) / theirs.filename).exists()


# --- where an image is used -------------------------------------------------------------

def test_deleting_an_image_in_use_is_refused_naming_every_place_that_uses_it(console, stores, media_root):
    demo, _tea = stores
    image = library_image(demo, "主图")
    with tenant_context(demo.id):
        product_id = create_product(actor=None, title="纯棉T恤", specs=[("颜色", ["红"])],
                                    skus=[{"spec_values": ["红"], "price": 100, "stock": 1}]).id
        db.session.commit()
    token = csrf_from(console, "/console/media")
    assert console.post(f"/console/products/{product_id}/images/pick",
                        data={"csrf_token": token, "library_image_id": image.id}).status_code == 302
    with tenant_context(demo.id):
        product = db.session.get(Product, product_id)
        assert [picture.filename for picture in product.images] == [image.filename]
        sku = db.session.scalar(select(SKU).where(SKU.product_id == product_id))
        sku.image = image.filename
        product.description = f'<p><img src="{image.url()}"></p>'
        page = create_page(actor=None, title="春季活动", slug="spring")
        page.draft_document = {"blocks": [{"type": "image", "props": {"src": image.url()}}]}
        store_theme().settings = {"logo": image.url()}
        db.session.commit()
    response = console.post(f"/console/media/{image.id}/delete", data={"csrf_token": token},
                            headers={"Accept-Language": "zh"})
    assert response.status_code == 302
    message = console.get("/console/media", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    for place in ("「主图」正在使用中", "商品「纯棉T恤」（商品图片）", "商品「纯棉T恤」规格", "商品「纯棉T恤」（商品详情）",
                  "页面「春季活动」", "店铺 Logo"):
        assert place in message
    with tenant_context(demo.id):
        assert db.session.get(LibraryImage, image.id) is not None
    assert (media_root / str(demo.id) / image.filename).exists()


def test_an_image_nothing_uses_is_deleted_with_its_file(console, stores, media_root):
    demo, _tea = stores
    image = library_image(demo)
    image_id, filename = image.id, image.filename
    token = csrf_from(console, "/console/media")
    assert console.post(f"/console/media/{image_id}/delete", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    with tenant_context(demo.id):
        assert db.session.scalar(select(LibraryImage).where(LibraryImage.id == image_id)) is None
    assert not (media_root / str(demo.id) / filename).exists()


def test_another_stores_use_of_the_same_name_does_not_count(stores, media_root):
    demo, tea = stores
    image = library_image(demo)
    with tenant_context(tea.id):
        create_product(actor=None, title="别家的", description=f"<p>{image.filename}</p>",
                       skus=[{"spec_values": [], "price": 100, "stock": 1}])
        db.session.commit()
    with tenant_context(demo.id):
        assert where_used(db.session.get(LibraryImage, image.id)) == []
        assert delete_library_image(db.session.get(LibraryImage, image.id), actor=None) == image.filename


# --- an image per SKU -------------------------------------------------------------------

SKU_FORM = {"title": "纯棉T恤", "subtitle": "", "category_id": "", "status": "on_sale", "action": "save", "tags": "",
            "description": "", "video_url": "", "spec_name_0": "颜色", "spec_values_0": "红，蓝", "sku_count": "2",
            "sku_0_key": '["红"]', "sku_0_price": "29.90", "sku_0_stock": "5",
            "sku_1_key": '["蓝"]', "sku_1_price": "19.5", "sku_1_stock": "3"}


def test_a_sku_image_picked_in_the_form_is_saved_and_shown_when_that_sku_is_chosen(console, stores, store_client,
                                                                                   media_root):
    demo, _tea = stores
    red = library_image(demo, "红色款")
    token = csrf_from(console, "/console/products/new")
    response = console.post("/console/products/new", data={**SKU_FORM, "csrf_token": token, "sku_0_image": red.url()})
    assert response.status_code == 302
    with tenant_context(demo.id):
        product = db.session.scalar(select(Product).where(Product.title == "纯棉T恤"))
        assert [(sku.spec_values, sku.image) for sku in product.skus] == [(["红"], red.filename), (["蓝"], None)]
        product_id = product.id
    form = console.get(f"/console/products/{product_id}").get_data(as_text=True)
    assert f'name="sku_0_image" value="{red.url()}"' in form
    page = store_client("demo").get(f"/products/{product_id}").get_data(as_text=True)
    picker = json.loads(page.split("data-skus>", 1)[1].split("</script>", 1)[0])
    assert [sku["image"] for sku in picker["skus"]] == [red.url(), None]
    assert "data-sku-image" in page
    api = store_client("demo").get(f"/api/v1/products/{product_id}").json
    assert [sku["image_url"] for sku in api["skus"]] == [f"http://demo.duoshop.test{red.url()}", None]


def test_a_sku_image_must_come_from_this_stores_library(console, stores, media_root):
    demo, tea = stores
    theirs = library_image(tea, "别家的").filename
    with tenant_context(demo.id):
        with pytest.raises(InvalidProduct) as refusal:
            create_product(actor=None, title="T恤", specs=[("颜色", ["红"])],
                           skus=[{"spec_values": ["红"], "price": 100, "stock": 1, "image": theirs}])
        assert refusal.value.field == "image"
        db.session.rollback()
    token = csrf_from(console, "/console/products/new")
    response = console.post("/console/products/new", data={**SKU_FORM, "csrf_token": token,
                                                            "sku_0_image": f"/media/{demo.id}/{theirs}"})
    assert response.status_code == 422
    with tenant_context(demo.id):
        assert db.session.scalar(select(Product)) is None


def test_saving_a_product_keeps_its_sku_images_unless_cleared(stores, media_root):
    demo, _tea = stores
    red = library_image(demo)
    with tenant_context(demo.id):
        product = create_product(actor=None, title="T恤", specs=[("颜色", ["红"])],
                                 skus=[{"spec_values": ["红"], "price": 100, "stock": 1, "image": red.filename}])
        db.session.commit()
        update_product(product, actor=None, title="T恤", specs=[("颜色", ["红"])],
                       skus=[{"spec_values": ["红"], "price": 100, "stock": 1, "image": None}])
        db.session.commit()
        assert db.session.scalar(select(SKU.image)) is None
