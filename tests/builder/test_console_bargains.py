"""The bargain screens in /console: scheduling a campaign from the form (yuan → fen, China
time), refusals that write nothing, pause/resume (audited; a paused campaign leaves the
product page), the results page from real helps and paid orders, viewers who only look,
and another store that can neither see nor pause the campaign."""
import re

import pytest
from sqlalchemy import select

from commerce.marketing.bargains.models import BargainCampaign
from core.extensions import db
from core.money import format_money
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tests.builder.test_console_orders import EN, audits, page, post
from tests.commerce.marketing.bargains.test_bargains import buy, help_, new_campaign, start, wechat_member
from tests.commerce.marketing.group_buys.test_group_buys import pay
from tests.commerce.orders.test_checkout_and_pay import DESKTOP
from tests.factories import create_staff, login_staff

FORM = {"title": "好友砍价", "floor_price": "9.90", "max_helps": "8", "hours": "24",
        "starts_at": "2031-12-01T10:00", "ends_at": "2031-12-12T20:00"}


@pytest.fixture
def console(platform_client, shop):
    login_staff(platform_client, shop[0])
    return platform_client


def campaigns_of(store):
    with tenant_context(store.id):
        db.session.expire_all()
        return db.session.scalars(select(BargainCampaign).order_by(BargainCampaign.id)).all()


def test_a_bargain_is_scheduled_from_the_form_in_fen_and_china_time(console, shop):
    demo, _tea, _product, sku_id = shop
    response = post(console, "/console/bargains", "/console/bargains", sku_id=str(sku_id), **FORM)
    assert response.status_code == 302 and response.location.endswith("/console/bargains")
    made = campaigns_of(demo)[0]
    assert (made.floor_price, made.max_helps, made.hours, made.status) == (990, 8, 24, BargainCampaign.ACTIVE)
    assert (made.starts_at.hour, made.ends_at.hour) == (2, 12)  # China time 10:00 and 20:00 in UTC
    listed = page(console, "/console/bargains")
    assert "Schedule a bargain" in listed and "好友砍价" in listed and "Coming" in listed and "down to ¥9.90 in at most 8 helps" in listed
    assert len(audits(demo, "bargain_campaign.create")) == 1


@pytest.mark.parametrize(("changes", "message"), [
    ({"title": ""}, "Give the bargain a title"),
    ({"floor_price": "abc"}, "Enter the floor price in yuan"),
    ({"floor_price": "49.99"}, "The floor price must be below the SKU&#39;s price (¥50.00)"),
    ({"max_helps": "1"}, "Friends needed must be 2 to 50"),
    ({"max_helps": "51"}, "Friends needed must be 2 to 50"),
    ({"hours": "0"}, "A bargain lasts 1 to 72 hours"),
    ({"ends_at": "2031-11-30T10:00"}, "The campaign must end after it starts"),
    ({"starts_at": "2020-01-01T00:00", "ends_at": "2020-01-02T00:00"}, "The campaign must end in the future"),
    ({"starts_at": "soon"}, "Enter the start and end as date and time"),
    ({"sku_id": "999999"}, "No such SKU in this store"),
])
def test_a_refused_form_says_why_and_writes_nothing(console, shop, changes, message):
    demo, _tea, _product, sku_id = shop
    response = post(console, "/console/bargains", "/console/bargains", **{"sku_id": str(sku_id), **FORM, **changes})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert campaigns_of(demo) == [] and audits(demo, "bargain_campaign.create") == []


def test_pausing_takes_the_bargain_off_the_product_page_until_resumed(console, shop, store_client):
    demo, _tea, product_id, sku_id = shop
    campaign_id = new_campaign(demo, sku_id)
    offered = lambda: f"/bargain-campaigns/{campaign_id}/start" in store_client("demo").get(  # noqa: E731
        f"/products/{product_id}", headers=DESKTOP).get_data(as_text=True)
    assert offered()
    assert post(console, f"/console/bargains/{campaign_id}/pause", "/console/bargains").status_code == 302
    assert campaigns_of(demo)[0].status == BargainCampaign.PAUSED and not offered()
    assert "Resume" in page(console, "/console/bargains")
    assert post(console, f"/console/bargains/{campaign_id}/resume", "/console/bargains").status_code == 302
    assert campaigns_of(demo)[0].status == BargainCampaign.ACTIVE and offered()
    assert len(audits(demo, "bargain_campaign.paused")) == len(audits(demo, "bargain_campaign.active")) == 1


def test_the_results_page_counts_bargains_helpers_orders_and_paid_gmv(console, shop, wechat, platform_client):
    demo, _tea, _product, sku_id = shop
    campaign_id = new_campaign(demo, sku_id)
    paying, browsing = wechat_member(demo, "小红"), wechat_member(demo, "小兰")
    first, second = start(demo, campaign_id, paying), start(demo, campaign_id, browsing)
    friends = [wechat_member(demo, name) for name in ("甲", "乙")]
    cuts = [help_(demo, first, friend) for friend in friends] + [help_(demo, second, friends[0])]
    order = buy(demo, first, paying)
    pay(demo, order, wechat, platform_client)
    buy(demo, second, browsing)  # placed, never paid
    shown = page(console, f"/console/bargains/{campaign_id}")
    results = dict(re.findall(r'data-result="(\w+)">([^<]+)<', shown))
    assert results == {"started": "2", "helpers": "2", "orders": "2", "paid_orders": "1",
                       "gmv": format_money(5000 - cuts[0] - cuts[1] + order.shipping_fee)}
    assert "小红" in shown and "小兰" in shown and "Ordered" in shown
    listed = page(console, "/console/bargains")
    assert f"/console/bargains/{campaign_id}" in listed


def test_a_viewer_sees_the_results_but_cannot_schedule_or_pause(app, shop):
    demo, _tea, _product, sku_id = shop
    campaign_id = new_campaign(demo, sku_id)
    create_staff(demo, "viewer@demo.example.com", StaffUser.VIEWER)
    viewer = app.test_client()
    login_staff(viewer, demo, email="viewer@demo.example.com")
    assert "Schedule a bargain" not in page(viewer, "/console/bargains")
    assert page(viewer, f"/console/bargains/{campaign_id}")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page(viewer, "/console/")).group(1)
    for path in ("/console/bargains", f"/console/bargains/{campaign_id}/pause"):
        assert viewer.post(path, data={"csrf_token": token, **FORM}, headers=EN).status_code == 403
    assert campaigns_of(demo)[0].status == BargainCampaign.ACTIVE


def test_another_store_can_neither_see_nor_pause_the_campaign(app, shop):
    demo, tea, _product, sku_id = shop
    campaign_id = new_campaign(demo, sku_id)
    other = app.test_client()
    login_staff(other, tea)
    assert "好友砍价" not in page(other, "/console/bargains")
    assert other.get(f"/console/bargains/{campaign_id}", headers=EN).status_code == 404
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page(other, "/console/bargains")).group(1)
    paused = other.post(f"/console/bargains/{campaign_id}/pause", data={"csrf_token": token}, headers=EN)
    assert paused.status_code == 404 and campaigns_of(demo)[0].status == BargainCampaign.ACTIVE
