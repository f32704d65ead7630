"""The group-buy screen in /console and the marketing hub: starting a campaign from the
form (yuan → fen, China time), refusals that write nothing, pause/resume (audited; a paused
campaign takes no new teams), the results columns from real paid orders, and another store
that can neither see nor pause the campaign."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from commerce.marketing.group_buys.errors import GroupBuyProblem
from commerce.marketing.group_buys.models import GroupBuy
from commerce.marketing.group_buys.queries import group_buy_orders, store_group_buys
from commerce.marketing.group_buys.service import create_group_buy
from commerce.marketing.results import campaign_results
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from tests.builder.test_console_orders import audits, page, post
from tests.commerce.marketing.group_buys.test_group_buys import pay, team_order
from tests.conftest import csrf_from
from tests.factories import create_member, create_product, login_staff, sku_of

FORM = {"title": "三人团", "group_price": "29.90", "size": "3", "hours": "24", "ends_at": "2031-12-12T20:00"}


@pytest.fixture
def console(platform_client, shop):
    login_staff(platform_client, shop[0])
    return platform_client


def campaigns_of(store):
    with tenant_context(store.id):
        db.session.expire_all()
        return db.session.scalars(select(GroupBuy).order_by(GroupBuy.id)).all()


def test_a_group_buy_is_started_from_the_form_in_fen_and_china_time(console, shop):
    demo, _tea, _product, sku_id = shop
    assert post(console, "/console/group-buys", "/console/group-buys", sku_id=str(sku_id), **FORM).status_code == 302
    made = campaigns_of(demo)[0]
    assert (made.group_price, made.size, made.hours, made.virtual_success) == (2990, 3, 24, False)
    assert made.ends_at.astimezone().utcoffset() is not None
    assert (made.ends_at.hour, made.ends_at.minute) == (12, 0)  # 20:00 in China is 12:00 UTC
    assert "三人团" in page(console, "/console/group-buys")
    assert len(audits(demo, "group_buy.create")) == 1


@pytest.mark.parametrize(("changes", "message"), [
    ({"group_price": "abc"}, "Enter the group price in yuan"),
    ({"group_price": "50.00"}, "The group price must be below the SKU"),
    ({"size": "1"}, "A team has 2 to 50 members"),
    ({"hours": "100"}, "A team has 2 to 50 members and 1 to 72 hours"),
    ({"ends_at": "2020-01-01T00:00"}, "The campaign must end in the future"),
    ({"ends_at": "soon"}, "Enter the start and end as date and time"),
    ({"sku_id": "999999"}, "No such SKU in this store"),
])
def test_a_refused_form_says_why_and_writes_nothing(console, shop, changes, message):
    demo, _tea, _product, sku_id = shop
    response = post(console, "/console/group-buys", "/console/group-buys", **{"sku_id": str(sku_id), **FORM, **changes})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert campaigns_of(demo) == []


def test_a_paused_campaign_takes_no_new_team_until_resumed(console, shop):
    demo, _tea, _product, sku_id = shop
    post(console, "/console/group-buys", "/console/group-buys", sku_id=str(sku_id), **FORM)
    campaign_id = campaigns_of(demo)[0].id
    assert post(console, f"/console/group-buys/{campaign_id}/pause", "/console/group-buys").status_code == 302
    assert campaigns_of(demo)[0].status == GroupBuy.PAUSED
    shopper = create_member(demo)
    with tenant_context(demo.id), pytest.raises(GroupBuyProblem, match="This group buy has ended"):
        try:
            team_order(demo, shopper, campaign_id)
        finally:
            db.session.rollback()
    assert post(console, f"/console/group-buys/{campaign_id}/resume", "/console/group-buys").status_code == 302
    _order, team_id = team_order(demo, shopper, campaign_id)
    assert team_id
    assert [len(audits(demo, f"group_buy.{s}")) for s in ("paused", "active")] == [1, 1]


def test_results_count_shoppers_orders_and_the_gmv_of_paid_orders(console, shop, wechat, platform_client):
    demo, _tea, _product, sku_id = shop
    with tenant_context(demo.id):
        campaign_id = create_group_buy(actor=None, title="二人团", sku_id=sku_id, group_price=3000, size=2, hours=24,
                                       ends_at=utcnow() + timedelta(days=3)).id
        db.session.commit()
    leader, friend = create_member(demo), create_member(demo)
    opened, team_id = team_order(demo, leader, campaign_id)
    team_order(demo, friend, campaign_id, team_id)  # placed, never paid
    pay(demo, opened, wechat, platform_client)
    with tenant_context(demo.id):
        result = campaign_results(group_buy_orders([campaign_id]))[campaign_id]
    assert (result.participants, result.orders, result.paid_orders, result.gmv) == (2, 2, 1, opened.total)
    html = page(console, "/console/group-buys")
    assert "1 / 0 / 0" in html  # one team open, none succeeded or failed
    assert f"¥{opened.total / 100:,.2f}" in html


def test_another_store_neither_sees_nor_pauses_the_campaign(platform_client, shop):
    demo, tea, _product, sku_id = shop
    with tenant_context(demo.id):
        campaign_id = create_group_buy(actor=None, title="只属于demo", sku_id=sku_id, group_price=3000, size=2,
                                       hours=24, ends_at=utcnow() + timedelta(days=3)).id
        db.session.commit()
    login_staff(platform_client, tea)
    assert "只属于demo" not in page(platform_client, "/console/group-buys")
    assert post(platform_client, f"/console/group-buys/{campaign_id}/pause", "/console/group-buys").status_code == 404
    assert campaigns_of(demo)[0].status == GroupBuy.ACTIVE


def test_the_marketing_hub_links_every_campaign_type_with_what_runs(console, shop):
    demo, _tea, _product, sku_id = shop
    post(console, "/console/group-buys", "/console/group-buys", sku_id=str(sku_id), **FORM)
    html = page(console, "/console/marketing")
    for path in ("/console/coupons", "/console/flash-sales", "/console/group-buys", "/console/bargains",
                 "/console/distribution", "/console/invites"):
        assert f'href="{path}"' in html
    assert "1 running" in html


def test_the_list_pages_newest_first_with_a_count_and_never_another_stores_campaigns(console, shop):
    demo, tea, _product, sku_id = shop
    tea_sku = sku_of(tea, create_product(tea, "红茶", price=3000))
    ends = utcnow() + timedelta(days=3)
    with tenant_context(tea.id):
        create_group_buy(actor=None, title="茶店团", sku_id=tea_sku, group_price=100, size=2, hours=1, ends_at=ends)
        db.session.commit()
    with tenant_context(demo.id):
        for title in ("一团", "二团", "三团"):
            create_group_buy(actor=None, title=title, sku_id=sku_id, group_price=100, size=2, hours=1, ends_at=ends)
        db.session.commit()
        first = store_group_buys(per_page=2)
        second = store_group_buys(per_page=2, cursor=first.next_cursor)
    assert [c.title for c in first.items] == ["三团", "二团"] and first.total == 3 and not first.has_previous
    assert [c.title for c in second.items] == ["一团"] and second.has_previous and not second.has_next
    listed = page(console, "/console/group-buys")
    assert "3 in all" in listed and "三团" in listed and "茶店团" not in listed


def test_a_group_price_with_three_decimals_is_refused_in_chinese(console, shop):
    demo, _tea, _product, sku_id = shop
    token = csrf_from(console, "/console/group-buys")
    response = console.post("/console/group-buys", headers={"Accept-Language": "zh"},
                            data={"csrf_token": token, "sku_id": str(sku_id), **FORM, "group_price": "29.905"})
    assert response.status_code == 422 and "请以元为单位填写拼团价，例如 39.90。" in response.get_data(as_text=True)
    assert campaigns_of(demo) == []


@pytest.mark.parametrize("path", ("/console/marketing", "/console/flash-sales", "/console/group-buys",
                                  "/console/bargains", "/console/coupons", "/console/distribution",
                                  "/console/invites"))
@pytest.mark.parametrize(("language", "word"), [("zh", "营销"), ("en", "Marketing")])
def test_the_campaign_screens_render_in_chinese_and_english(console, path, language, word):
    response = console.get(path, headers={"Accept-Language": language})
    assert response.status_code == 200 and word in response.get_data(as_text=True)
