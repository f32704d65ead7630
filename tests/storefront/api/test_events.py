"""``POST /api/v1/events``: a mini-program's browsing, a batch of at most 20, checked by its
model (a bad batch is a problem+json and nothing is recorded), the channel from WeChat's
scene, the member from the token when there is one; cart, checkout, orders and coupons are
recorded by the server with the client's visitor id and scene headers."""
import pytest
from sqlalchemy import select

from commerce.analytics.collect import _take, flush_events, pending_events
from commerce.analytics.models import AnalyticsEvent
from core.extensions import db
from core.tenancy import tenant_context

VISITOR = "mpVisitor_0001"


@pytest.fixture(autouse=True)
def _empty_buffer():
    _take()
    yield
    _take()


def events_of(store):
    flush_events()
    with tenant_context(store.id):
        return db.session.scalars(select(AnalyticsEvent).order_by(AnalyticsEvent.id)).all()


def post_events(client, holder, body, token=True):
    headers = holder.headers() if token else {"X-Duoshop-AppID": holder.appid, "Accept-Language": "en"}
    return client.post("/api/v1/events", json=body, headers=headers)


def test_a_batch_is_recorded_in_the_scenes_channel_as_the_members(app, world):
    client = app.test_client()
    answer = post_events(client, world.alice, {"visitor_id": VISITOR, "scene": 1008, "events": [
        {"kind": "page_view", "page": "home"},
        {"kind": "product_view", "product_id": world.product_id},
        {"kind": "search", "words": " 龙井  Tea ", "result_count": 0},
        {"kind": "share", "page": "product", "product_id": world.product_id}]})
    assert answer.status_code == 204 and answer.get_data() == b""
    assert pending_events() == 4
    events = events_of(world.demo)
    assert [(e.kind, e.channel, e.visitor_id, e.member_id) for e in events] == [
        (kind, "group", VISITOR, world.alice.member_id) for kind in ("page_view", "product_view", "search", "share")]
    assert (events[2].words, events[2].result_count) == ("龙井 tea", 0)
    assert events_of(world.tea) == []


@pytest.mark.parametrize(("scene", "channel"), [(1154, "moments"), (1043, "mp_article"), (1001, "miniprogram"),
                                                (None, "miniprogram")])
def test_the_channel_comes_from_the_scene(app, world, scene, channel):
    post_events(app.test_client(), world.alice, {"visitor_id": VISITOR, "scene": scene,
                                                 "events": [{"kind": "page_view", "page": "home"}]}, token=False)
    [event] = events_of(world.demo)
    assert (event.channel, event.member_id) == (channel, None)


@pytest.mark.parametrize("body", [
    {"visitor_id": VISITOR, "events": [{"kind": "page_view", "page": "home"}] * 21},
    {"visitor_id": VISITOR, "events": []},
    {"visitor_id": "短", "events": [{"kind": "page_view", "page": "home"}]},
    {"visitor_id": VISITOR, "events": [{"kind": "order_paid"}]},
    {"visitor_id": VISITOR, "events": [{"kind": "page_view", "page": "home"}, {"kind": "product_view"}]},
    {"visitor_id": VISITOR, "events": [{"kind": "search", "words": "茶"}]},
    {"visitor_id": VISITOR, "events": [{"kind": "page_view", "page": "home", "amount": 100}]},
    {"visitor_id": VISITOR, "scene": "1007", "events": [{"kind": "page_view", "page": "home"}]},
])
def test_a_bad_batch_is_refused_whole_as_problem_json(app, world, body):
    answer = post_events(app.test_client(), world.alice, body)
    assert answer.status_code == 400 and answer.mimetype == "application/problem+json"
    assert answer.get_json()["invalid_params"]
    assert pending_events() == 0 and events_of(world.demo) == []


def test_cart_checkout_order_and_coupon_are_recorded_by_the_server(app, world):
    client = app.test_client()
    headers = world.alice.headers(**{"X-Duoshop-Visitor": VISITOR, "X-Duoshop-Scene": "1155"})
    added = client.post("/api/v1/cart/items", json={"sku_id": world.sku_id, "quantity": 1}, headers=headers)
    assert added.status_code == 201
    line_id = added.get_json()["lines"][0]["id"]
    assert client.post("/api/v1/checkout/preview", json={"line_ids": [line_id]}, headers=headers).status_code == 200
    placed = client.post("/api/v1/orders", json={"line_ids": [line_id], "request_id": "events-test-1"}, headers=headers)
    assert placed.status_code == 201, placed.get_json()
    events = events_of(world.demo)
    assert [(e.kind, e.channel, e.visitor_id, e.member_id) for e in events] == [
        (kind, "moments", VISITOR, world.alice.member_id) for kind in ("add_to_cart", "checkout_started", "order_placed")]
    assert events[0].product_id == world.product_id and events[2].amount == placed.get_json()["amounts"]["total"]


def test_a_share_links_utm_source_wins_over_the_scene_and_an_unknown_one_does_not(app, world):
    client = app.test_client()
    post_events(client, world.alice, {"visitor_id": VISITOR, "scene": 1008, "utm_source": "moments",
                                      "events": [{"kind": "page_view", "page": "home"}]}, token=False)
    post_events(client, world.alice, {"visitor_id": VISITOR, "scene": 1008, "utm_source": "spam",
                                      "events": [{"kind": "page_view", "page": "home"}]}, token=False)
    headers = world.alice.headers(**{"X-Duoshop-Visitor": VISITOR, "X-Duoshop-Scene": "1008",
                                     "X-Duoshop-Source": "mp_article"})
    assert client.post("/api/v1/cart/items", json={"sku_id": world.sku_id, "quantity": 1},
                       headers=headers).status_code == 201
    assert [(e.kind, e.channel) for e in events_of(world.demo)] == [
        ("page_view", "moments"), ("page_view", "group"), ("add_to_cart", "mp_article")]
