"""Distribution and invites over /api/v1: applying (only when the store runs a program), the
distributor's standing, team and commissions in keyset pages, the share code whose link and
QR image load on the store's host, and who a member invited; another store sees none of it."""
from commerce.marketing.distribution.queries import distributor_of
from commerce.marketing.distribution.service import bind_referral, decide_application, save_distribution_settings
from core.extensions import db
from core.tenancy import tenant_context
from tests.commerce.orders.test_balance_payments import give_balance
from tests.storefront.api.conftest import api
from tests.storefront.api_links import answer_schema, fetch_status, uri_values


def _run_program(store):
    with tenant_context(store.id):
        save_distribution_settings(enabled=True, level1_percent=10, level2_percent=5, settle_days=7, actor=None)
        db.session.commit()


def _approve(store, member_id):
    with tenant_context(store.id):
        decide_application(distributor_of(member_id), approve=True, actor=None)
        db.session.commit()


def test_applying_needs_a_program_and_then_waits_for_the_store(world, platform_client):
    off = api(platform_client, "POST", "/distribution/application", world.alice)
    assert off.status_code == 409 and off.get_json()["code"] == "distribution_problem"
    _run_program(world.demo)
    applied = api(platform_client, "POST", "/distribution/application", world.alice)
    assert applied.status_code == 201, applied.get_json()
    assert applied.get_json()["status"] == "pending" and applied.get_json()["level1_percent"] == 10
    assert applied.get_json()["status_label"] == "Waiting for review"
    assert api(platform_client, "POST", "/distribution/application", world.alice).status_code == 409
    assert api(platform_client, "GET", "/distribution/me", world.bob).get_json()["status"] == "none"
    tea = api(platform_client, "GET", "/distribution/me", world.tina).get_json()
    assert (tea["enabled"], tea["status"]) == (False, "none")
    assert api(platform_client, "GET", "/distribution/share-code", world.alice).status_code == 409


def test_an_approved_distributor_shares_a_code_whose_link_and_qr_load(app, world, platform_client):
    _run_program(world.demo)
    assert api(platform_client, "POST", "/distribution/application", world.alice).status_code == 201
    _approve(world.demo, world.alice.member_id)
    shared = api(platform_client, "GET", "/distribution/share-code", world.alice)
    assert shared.status_code == 200, shared.get_json()
    body = shared.get_json()
    assert body["url"].startswith("http://demo.") and body["code"] in body["url"]
    document = platform_client.get("/api/v1/openapi.json").get_json()
    links = uri_values(document, answer_schema(document, "/api/v1/distribution/share-code", "get", 200), body)
    assert sorted(links) == sorted([body["url"], body["qr_url"]])
    for link in links:
        assert fetch_status(app, link) == 200, link
    qr = app.test_client().get(body["qr_url"].split("demo.duoshop.test", 1)[1], base_url="http://demo.duoshop.test")
    assert qr.mimetype == "image/svg+xml" and b"<svg" in qr.data
    # a code the store never issued, or demo's code on tea's host, draws nothing
    assert fetch_status(app, body["qr_url"].replace(body["code"], body["code"][:-2] + "xx")) == 404
    assert fetch_status(app, body["qr_url"].replace("demo.", "tea.")) == 404


def test_team_and_commissions_page_with_cursors(world, platform_client):
    _run_program(world.demo)
    with tenant_context(world.demo.id):
        bind_referral(world.bob.member_id, world.alice.member_id)
        bind_referral(world.carol.member_id, world.alice.member_id)
        db.session.commit()
    first = api(platform_client, "GET", "/distribution/team", world.alice, query_string={"limit": 1}).get_json()
    second = api(platform_client, "GET", "/distribution/team", world.alice,
                 query_string={"limit": 1, "cursor": first["next_cursor"]}).get_json()
    assert [m["nickname"] for m in first["items"] + second["items"]] == ["小卡", "阿博"]
    assert second["next_cursor"] is None
    me = api(platform_client, "GET", "/distribution/me", world.alice).get_json()
    assert me["team"] == {"level1": 2, "level2": 0}
    assert api(platform_client, "GET", "/distribution/team", world.tina).get_json()["items"] == []
    assert api(platform_client, "GET", "/distribution/commissions", world.alice).get_json() == {
        "items": [], "next_cursor": None}
    forged = api(platform_client, "GET", "/distribution/commissions", world.alice, query_string={"cursor": "x"})
    assert forged.status_code == 400


def test_invites_list_who_the_member_brought_with_a_link_that_loads(app, world, platform_client):
    with tenant_context(world.demo.id):
        bind_referral(world.bob.member_id, world.alice.member_id)
        db.session.commit()
    invites = api(platform_client, "GET", "/me/invites", world.alice)
    assert invites.status_code == 200, invites.get_json()
    body = invites.get_json()
    assert [(i["nickname"], i["counted"]) for i in body["invited"]] == [("阿博", False)]
    assert fetch_status(app, body["url"]) == 200 and fetch_status(app, body["qr_url"]) == 200
    assert api(platform_client, "GET", "/me/invites", world.bob).get_json()["invited_by_someone"] is True
    assert api(platform_client, "GET", "/me/invites", world.tina).get_json()["invited"] == []


def test_a_referred_members_paid_order_shows_in_the_distributors_commissions(world, platform_client, jobs):
    _run_program(world.demo)
    assert api(platform_client, "POST", "/distribution/application", world.alice).status_code == 201
    _approve(world.demo, world.alice.member_id)
    with tenant_context(world.demo.id):
        bind_referral(world.bob.member_id, world.alice.member_id)
        db.session.commit()
    give_balance(world.demo, world.bob.member_id, 10_000)
    placed = api(platform_client, "POST", "/orders", world.bob, json={
        "items": [{"sku_id": world.sku_id, "quantity": 1}], "request_id": "commission-test-1"}).get_json()
    paid = api(platform_client, "POST", f"/orders/{placed['order_no']}/payment", world.bob, json={"method": "balance"})
    assert paid.status_code == 200, paid.get_json()
    jobs.drain()

    (commission,) = api(platform_client, "GET", "/distribution/commissions", world.alice).get_json()["items"]
    assert (commission["order_no"], commission["level"], commission["percent"]) == (placed["order_no"], 1, 10)
    assert (commission["status"], commission["status_label"]) == ("frozen", "Frozen")
    assert commission["amount"] == commission["base"] // 10
    assert api(platform_client, "GET", "/distribution/commissions", world.bob).get_json()["items"] == []
    assert api(platform_client, "GET", "/distribution/commissions", world.tina).get_json()["items"] == []
