"""The mini-program's 「导出我的数据」 and 「注销账号」 through /api/v1: an export ready within a
minute and downloaded once from the store's host; erasure refused as problem details while an
order is open, else the token stops working and the same WeChat user comes back as a new member."""
import io
import json
import zipfile
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from commerce.members.models import Member
from core.extensions import db
from core.tenancy import tenant_context
from tests.storefront.api.conftest import DEMO_APPID, TEA_APPID
from tests.storefront.api.test_orders import place


@pytest.fixture(autouse=True)
def private_root(app, tmp_path):
    previous = app.config.get("PRIVATE_ROOT")
    app.config["PRIVATE_ROOT"] = str(tmp_path / "private")
    yield
    app.config["PRIVATE_ROOT"] = previous


def ready(shopper, jobs):
    answer = shopper.post("/me/data-exports")
    assert answer.status_code == 202, answer.get_json()
    export = answer.get_json()
    if export["status"] == "pending":  # rq: the worker builds it
        jobs.drain()
        export = shopper.get(f"/me/data-exports/{export['id']}").get_json()
    assert export["status"] == "ready" and export["download_url"].startswith("http://demo.")
    return export


def test_export_is_ready_and_downloads_once_from_the_stores_host(sign_in, jobs, store_client):
    shopper = sign_in(nickname="小明")
    export = ready(shopper, jobs)
    link = urlsplit(export["download_url"])
    browser = store_client("demo")  # another browser: the link needs no session
    first = browser.get(f"{link.path}?{link.query}")
    assert first.status_code == 200 and first.mimetype == "application/zip"
    data = json.loads(zipfile.ZipFile(io.BytesIO(first.data)).read("data.json"))
    assert data["sections"]["profile"][0]["member_id"] == shopper.member_id
    assert data["sections"]["addresses"][0]["detail"] == "文三路 100 号"
    assert browser.get(f"{link.path}?{link.query}").status_code == 410
    assert shopper.get(f"/me/data-exports/{export['id']}").get_json()["status"] == "downloaded"


def test_another_member_or_store_cannot_read_an_export(sign_in, jobs):
    ming = sign_in(nickname="小明")
    export = ready(ming, jobs)
    hong = sign_in(nickname="小红")
    assert hong.get(f"/me/data-exports/{export['id']}").status_code == 404
    assert ming.as_store(TEA_APPID).get(f"/me/data-exports/{export['id']}").status_code == 401


def test_erasure_needs_confirm_true(sign_in):
    shopper = sign_in()
    assert shopper.post("/me/erasure", {"confirm": False}).status_code == 400
    assert shopper.post("/me/erasure", {}).status_code == 400
    assert shopper.get("/me").status_code == 200


def test_erasure_is_refused_while_an_order_is_open_and_nothing_changes(sign_in, stores):
    demo, _tea, goods = stores
    shopper = sign_in(nickname="小明")
    order = place(shopper, goods["longjing"][1])
    refused = shopper.post("/me/erasure", {"confirm": True})
    assert refused.status_code == 409 and refused.mimetype == "application/problem+json"
    assert refused.get_json()["code"] == "open_orders" and order["order_no"] in refused.get_json()["detail"]
    me = shopper.get("/me")
    assert me.status_code == 200 and me.get_json()["id"] == shopper.member_id
    with tenant_context(demo.id):
        assert db.session.get(Member, shopper.member_id).erased_at is None


def test_after_erasure_the_token_is_refused_and_wechat_sign_in_makes_a_new_member(app, stores, wechat_login):
    demo, _tea, _goods = stores
    user = wechat_login.create_user("小明")
    client = app.test_client()

    def session():
        code = wechat_login.issue_code(DEMO_APPID, user.id, "snsapi_base")
        answer = client.post("/api/v1/session", json={"code": code}, headers={"X-Duoshop-AppID": DEMO_APPID})
        assert answer.status_code == 200
        return answer.get_json()

    first = session()
    headers = {"X-Duoshop-AppID": DEMO_APPID, "Authorization": f"Bearer {first['token']}"}
    erased = client.post("/api/v1/me/erasure", json={"confirm": True}, headers=headers)
    assert erased.status_code == 200 and erased.get_json()["erased"] is True
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    again = session()
    assert again["member"]["id"] != first["member"]["id"]
    with tenant_context(demo.id):
        old = db.session.get(Member, first["member"]["id"])
        assert (old.nickname, old.openid, old.phone) == ("已注销用户", None, None)
        assert db.session.scalar(select(Member.id).where(Member.openid == wechat_login.openid(DEMO_APPID, user.id))) \
            == again["member"]["id"]
