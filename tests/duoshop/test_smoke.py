from tests.factories import create_product, create_store


def test_storefront_home_lists_only_its_own_products(app_ctx, store_client):
    demo = create_store("demo")
    tea = create_store("tea")
    create_product(demo, "纯棉短袖T恤")
    create_product(tea, "特级绿茶礼盒")
    page = store_client("demo").get("/").get_data(as_text=True)
    assert "纯棉短袖T恤" in page
    assert "特级绿茶礼盒" not in page
