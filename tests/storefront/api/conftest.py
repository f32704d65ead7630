"""Shoppers of the mini-program API.

Two ways in: ``sign_in`` signs a new WeChat user in exactly as the client does (wx.login's
code → POST /api/v1/session, against the WeChat sandbox) on the ``stores`` fixture; ``world``
makes members directly and hands each the same bearer token ``/session`` issues (faster, for
the member and campaign tests)."""

from dataclasses import dataclass

import pytest

from commerce.members.models import Member
from commerce.members.wechat_login import issue_api_token
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import MiniProgram
from tests.commerce.members.test_wechat_login import wechat_login  # noqa: F401 — the fixture
from tests.factories import create_member, create_product, create_store, sku_of

DEMO_APPID, DEMO_SECRET = "wx00000000000000a1", "mini-program-secret-a1"
TEA_APPID, TEA_SECRET = "wx00000000000000b2", "mini-program-secret-b2"
ADDRESS = {"name": "张三", "phone": "13812345678", "province": "浙江省", "city": "杭州市", "district": "西湖区",
           "street": "文三路 100 号"}


class Shopper:
    """One mini-program user of one store, calling /api/v1 as the client would."""

    def __init__(self, client, appid, token=None, member_id=None, openid=None):
        self.client, self.appid, self.token, self.member_id, self.openid = client, appid, token, member_id, openid

    def headers(self, extra=None):
        headers = {"X-Duoshop-AppID": self.appid, "Accept-Language": "en"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return {**headers, **(extra or {})}

    def call(self, method, path, json=None, headers=None, **params):
        return self.client.open(f"/api/v1{path}", method=method, json=json, query_string=params or None,
                                headers=self.headers(headers))

    def get(self, path, **params):
        return self.call("GET", path, **params)

    def post(self, path, json=None, **kwargs):
        return self.call("POST", path, json=json if json is not None else {}, **kwargs)

    def patch(self, path, json):
        return self.call("PATCH", path, json=json)

    def put(self, path, json):
        return self.call("PUT", path, json=json)

    def delete(self, path):
        return self.call("DELETE", path)

    def as_store(self, appid):
        """The same token sent to another store's mini-program."""
        return Shopper(self.client, appid, self.token, self.member_id, self.openid)


@pytest.fixture
def stores(shop, wechat_login):  # noqa: F811
    """demo (龙井 ¥50 ×5, 碧螺春 ¥30 ×10) and tea, each with its mini-program:
    ``(demo, tea, {"longjing": (product, sku), "biluochun": …, "tea_only": …})``."""
    demo, tea, product_id, sku_id = shop
    other = create_product(demo, "碧螺春", price=3000, stock=10)
    tea_product = create_product(tea, "普洱", price=8800, stock=10)
    for store, appid, secret in ((demo, DEMO_APPID, DEMO_SECRET), (tea, TEA_APPID, TEA_SECRET)):
        with tenant_context(store.id):
            db.session.add(MiniProgram(appid=appid, secret=secret))
            db.session.commit()
        wechat_login.register_app(appid, secret)
    return demo, tea, {"longjing": (product_id, sku_id), "biluochun": (other, sku_of(demo, other)),
                       "tea_only": (tea_product, sku_of(tea, tea_product))}


@pytest.fixture
def sign_in(app, stores, wechat_login):  # noqa: F811
    """``sign_in(appid=DEMO_APPID, nickname=…)`` → a signed-in ``Shopper`` (a new WeChat user)."""

    def sign(appid=DEMO_APPID, nickname="小明", address=True):
        user = wechat_login.create_user(nickname)
        code = wechat_login.issue_code(appid, user.id, "snsapi_base")
        client = app.test_client()
        answer = client.post("/api/v1/session", json={"code": code}, headers={"X-Duoshop-AppID": appid})
        assert answer.status_code == 200, answer.get_data(as_text=True)
        body = answer.get_json()
        shopper = Shopper(client, appid, body["token"], body["member"]["id"], wechat_login.openid(appid, user.id))
        if address:
            added = shopper.post("/addresses", ADDRESS)
            assert added.status_code == 201, added.get_json()
        return shopper

    return sign


APPIDS = {"demo": "wx0123456789abcdef", "tea": "wxfedcba9876543210"}


@dataclass
class TokenHolder:
    store: object
    member_id: int
    address_id: int
    token: str
    appid: str

    def headers(self, **more):
        return {"X-Duoshop-AppID": self.appid, "Authorization": f"Bearer {self.token}", "Accept-Language": "en",
                **more}


def shopper(store, nickname):
    member_id, address_id = create_member(store, nickname=nickname, openid=f"openid-{store.slug}-{nickname}")
    with tenant_context(store.id):
        token = issue_api_token(db.session.get(Member, member_id))
    return TokenHolder(store, member_id, address_id, token, APPIDS[store.slug])


@dataclass
class World:
    demo: object
    tea: object
    product_id: int
    sku_id: int
    alice: TokenHolder  # demo
    bob: TokenHolder  # demo
    carol: TokenHolder  # demo
    tina: TokenHolder  # tea


@pytest.fixture
def world(app_ctx):
    demo, tea = create_store("demo"), create_store("tea")
    for store in (demo, tea):
        with tenant_context(store.id):
            db.session.add(MiniProgram(appid=APPIDS[store.slug]))
            db.session.commit()
    product_id = create_product(demo, "龙井", price=5000, stock=20)
    return World(demo, tea, product_id, sku_of(demo, product_id), shopper(demo, "阿丽"), shopper(demo, "阿博"),
                 shopper(demo, "小卡"), shopper(tea, "蒂娜"))


def api(client, method, path, who, **kwargs):
    return client.open(f"/api/v1{path}", method=method, headers=who.headers(**kwargs.pop("headers", {})), **kwargs)
