"""The answers the mini-program's page tests (miniprogram/test/pages.test.js) feed its fake
wx.request are real ones: captured from the API here (``MP_WRITE_FIXTURES=1 pytest
tests/miniprogram/test_fixtures.py`` rewrites them) and checked on every run against the
schemas of the served OpenAPI document, so they cannot drift from what the API answers."""
import json
import os
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import select

from commerce.members.consent import publish_policy
from core.extensions import db
from core.tenancy import tenant_context
from storefront.api.spec import openapi_document
from tenants.models import StaffUser
from tests.storefront.api.conftest import api, world  # noqa: F401 — the fixture
from tests.storefront.api.test_checkout import gold_with_coupons

FIXTURES = Path(__file__).resolve().parents[2] / "miniprogram" / "test" / "fixtures"

# fixture file → the schema of the answer it stands for
SCHEMAS = {
    "cart.json": "CartOut",
    "quote.json": "QuoteOut",
    "order.json": "OrderOut",
    "orders.json": "OrderPage",
    "privacy-policy.json": "PolicyOut",
    "consents.json": "ConsentsOut",
}


@pytest.fixture(scope="module")
def components(app):
    with app.app_context():
        return openapi_document()["components"]


def _validator(components, name):
    return Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": components})


def _read(name):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_each_fixture_is_an_answer_the_api_could_give(components, name):
    errors = [f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
              for error in _validator(components, SCHEMAS[name]).iter_errors(_read(name))]
    assert errors == [], name


def test_every_fixture_file_is_checked():
    assert sorted(path.name for path in FIXTURES.glob("*.json")) == sorted(SCHEMAS)


def _keys(body):
    """The shape of a body: its keys, recursively (the first item of each list)."""
    if isinstance(body, dict):
        return {key: _keys(value) for key, value in body.items()}
    if isinstance(body, list):
        return [_keys(body[0])] if body else []
    return None


def test_the_fixtures_are_what_the_api_answers_today(app, world, components):  # noqa: F811
    """A shopper fills the cart, previews and places the order; each answer has the fixture's shape
    (and, with MP_WRITE_FIXTURES=1, becomes it). Alice is 金卡 (95 %) with two coupons, so the
    quote and the order carry a level discount and coupons."""
    alice = world.alice
    gold_with_coupons(world.demo, alice.member_id)
    client = app.test_client()
    zh = {"headers": {"Accept-Language": "zh-CN"}}  # as the mini-program asks
    added = api(client, "POST", "/cart/items", alice, json={"sku_id": world.sku_id, "quantity": 3}, **zh)
    assert added.status_code == 201, added.get_json()
    answers = {"cart.json": api(client, "GET", "/cart", alice, **zh)}
    line_id = answers["cart.json"].get_json()["lines"][0]["id"]
    answers["quote.json"] = api(client, "POST", "/checkout/preview", alice, json={"line_ids": [line_id]}, **zh)
    placed = api(client, "POST", "/orders", alice,
                 json={"line_ids": [line_id], "request_id": "mp-fixture-0001", "remark": "请尽快发货"}, **zh)
    assert placed.status_code == 201, placed.get_json()
    answers["order.json"] = placed
    answers["orders.json"] = api(client, "GET", "/orders", alice, **zh)
    _check_and_write(answers, components)


def test_the_privacy_fixtures_are_what_the_api_answers_today(app, world, components):  # noqa: F811
    """The store's own policy (version 1) and a member who agreed to it with profiling on."""
    with tenant_context(world.demo.id):
        owner = db.session.scalar(select(StaffUser).where(StaffUser.email == world.demo.owner_email))
        publish_policy("隐私政策", "欢迎光临本店。本政策说明我们收集哪些信息、为什么收集、保存多久。\n\n"
                       "浏览记录保存 180 天；订单与支付记录保存 3 年。\n你可以随时导出或注销。", actor=owner)
        db.session.commit()
    client = app.test_client()
    zh = {"headers": {"Accept-Language": "zh-CN"}}
    alice = world.alice
    agreed = api(client, "PUT", "/me/consents", alice, json={"policy_version": 1, "account": True, "profiling": True},
                 **zh)
    assert agreed.status_code == 200, agreed.get_json()
    _check_and_write({"privacy-policy.json": api(client, "GET", "/privacy-policy", alice, **zh),
                      "consents.json": api(client, "GET", "/me/consents", alice, **zh)}, components)


def _check_and_write(answers, components):
    for name, answer in answers.items():
        assert answer.status_code in (200, 201), (name, answer.get_json())
        body = answer.get_json()
        assert list(_validator(components, SCHEMAS[name]).iter_errors(body)) == [], name
        if os.environ.get("MP_WRITE_FIXTURES") == "1":
            (FIXTURES / name).write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        assert _keys(body) == _keys(_read(name)), f"{name} no longer has the shape the API answers"
