"""The API's /search is the storefront's search: words in any order, best match first,
你是不是要找 on no result, cached per store like any product list, never across stores."""
import pytest
from sqlalchemy import event, select

from commerce.catalog.models import Product
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import MiniProgram
from tests.factories import create_product, create_store

CUPS_APPID = "wx0123456789abcdef"
OTHER_APPID = "wxfedcba9876543210"


def _bind_appid(store, appid):
    with tenant_context(store.id):
        db.session.add(MiniProgram(appid=appid))
        db.session.commit()


def _set(store, current_title, **values):
    with tenant_context(store.id):
        product = db.session.scalar(select(Product).where(Product.title == current_title))
        for name, value in values.items():
            setattr(product, name, value)
        db.session.commit()


@pytest.fixture
def cups(app_ctx):
    cups, other = create_store("cups"), create_store("other")
    create_product(cups, "手作陶瓷马克杯")
    create_product(cups, "玻璃杯子")
    create_product(cups, "北欧陶瓷餐盘")
    _set(cups, "玻璃杯子", sold_count=9)
    create_product(other, "陶瓷杯套装")
    _bind_appid(cups, CUPS_APPID)
    _bind_appid(other, OTHER_APPID)
    return cups, other


def search(client, appid=CUPS_APPID, **params):
    return client.get("/api/v1/search", query_string=params, headers={"X-Duoshop-AppID": appid})


def titles(response):
    assert response.status_code == 200, response.get_json()
    return [item["title"] for item in response.get_json()["items"]]


def test_words_in_any_order_best_match_first(cups, platform_client):
    assert titles(search(platform_client, q="杯陶瓷")) == ["手作陶瓷马克杯"]
    assert titles(search(platform_client, q="杯子")) == ["玻璃杯子", "手作陶瓷马克杯"]
    assert titles(search(platform_client, q="陶瓷", sort="newest")) == ["北欧陶瓷餐盘", "手作陶瓷马克杯"]
    assert titles(platform_client.get("/api/v1/products", query_string={"q": "杯陶瓷"},
                                      headers={"X-Duoshop-AppID": CUPS_APPID})) == ["手作陶瓷马克杯"]


def test_relevance_is_a_sort_for_searches_only(cups, platform_client):
    response = platform_client.get("/api/v1/products", query_string={"sort": "relevance"},
                                   headers={"X-Duoshop-AppID": CUPS_APPID})
    assert response.status_code == 400 and response.get_json()["invalid_params"][0]["name"] == "sort"


def test_a_cursor_we_never_handed_out_is_refused_even_for_a_query_of_punctuation(cups, platform_client):
    """A query with nothing to search for has no pages, so no cursor belongs to it (schemathesis
    found the 200 for ``q={`` and a random cursor)."""
    for query in ("{", "陶瓷"):
        response = search(platform_client, q=query, cursor="not-a-cursor-of-ours")
        assert response.status_code == 400
        assert response.get_json()["invalid_params"][0]["name"] == "cursor"


def test_no_result_offers_did_you_mean(cups, platform_client):
    body = search(platform_client, q="陶磁杯子").get_json()
    assert body["items"] == [] and body["suggestions"] == ["玻璃杯子", "手作陶瓷马克杯"]
    assert search(platform_client, q="陶瓷杯").get_json()["suggestions"] == []


def test_another_store_never_shows_or_suggests(cups, platform_client):
    assert titles(search(platform_client, OTHER_APPID, q="杯陶瓷")) == ["陶瓷杯套装"]
    body = search(platform_client, OTHER_APPID, q="陶瓷马克杯").get_json()  # the other store has no 马克
    assert body["items"] == [] and body["suggestions"] == ["陶瓷杯套装"]
    assert "陶瓷杯套装" not in search(platform_client, q="陶瓷杯套装").get_data(as_text=True)


def test_a_repeat_search_comes_from_the_cache_and_an_edit_shows_at_once(cups, platform_client):
    assert titles(search(platform_client, q="陶瓷杯")) == ["手作陶瓷马克杯"]
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert titles(search(platform_client, q="陶瓷杯")) == ["手作陶瓷马克杯"]
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert not [s for s in statements if "search_terms" in s]
    cups_store, _other = cups
    _set(cups_store, "北欧陶瓷餐盘", title="北欧陶瓷咖啡杯")
    assert set(titles(search(platform_client, q="陶瓷杯"))) == {"手作陶瓷马克杯", "北欧陶瓷咖啡杯"}
