"""The member card block on cached pages: the page is the same for everyone, and
``/me/card.json`` tells the signed-in shopper's own name, level, points and balance —
never anyone else's, never cached, and not on another store's host."""
from commerce.members.levels import save_level
from commerce.members.models import Member
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import Tenant
from tests.factories import create_member, create_store


def signed_in(client, member_id):
    with client.session_transaction(base_url=f"http://{client.host}") as session:
        session["member_id"] = member_id
    return client


def test_a_guest_is_told_to_join_and_nothing_is_cached(app_ctx, store_client):
    create_store("demo")
    response = store_client("demo").get("/me/card.json")
    assert response.get_json() == {"signed_in": False, "url": "/me"}
    assert "no-store" in response.headers["Cache-Control"] and "private" in response.headers["Cache-Control"]
    assert "Set-Cookie" not in response.headers


def test_a_member_sees_their_own_level_points_and_balance(app_ctx, store_client):
    demo = create_store("demo")
    member_id, _address = create_member(demo, nickname="小王")
    with tenant_context(demo.id):
        save_level(name="金卡", growth_threshold=0, discount_percent=95)
        db.session.get(Member, member_id).points = 120  # set directly: the ledgers are tested elsewhere
        db.session.get(Member, member_id).balance = 5000
        db.session.commit()
    card = signed_in(store_client("demo"), member_id).get("/me/card.json").get_json()
    assert card == {"signed_in": True, "url": "/me", "name": "小王", "level": "金卡", "points": 120,
                    "balance": "¥50.00"}


def test_a_member_id_carried_to_another_store_finds_nobody(app_ctx, store_client):
    demo, tea = create_store("demo"), create_store("tea")
    member_id, _address = create_member(demo, nickname="小王")
    create_member(tea, nickname="别家顾客")  # tea has members too; the id must not find one of them by chance
    card = signed_in(store_client("tea"), member_id).get("/me/card.json").get_json()
    assert card == {"signed_in": False, "url": "/me"}


def test_the_cached_home_page_carries_no_member_data_only_where_to_ask(app_ctx, store_client):
    from duoshop.demo import seed_demo

    seed_demo()
    with tenant_context(db.session.scalar(db.select(Tenant).where(Tenant.slug == "demo"))):
        member = db.session.scalar(db.select(Member).limit(1))  # the demo shopper, who has orders
        member_id, name = member.id, member.display_name()
    home = signed_in(store_client("demo"), member_id).get("/").get_data(as_text=True)
    assert 'data-member-card="/me/card.json"' in home
    assert name not in home
