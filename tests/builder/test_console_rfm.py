"""The console's RFM and portrait screens: the 8 segments in Chinese with the members left
out for want of consent, computing again (once a minute), a coupon to a segment from its
form (owners and admins only; operators and viewers look), past campaigns with their used
counts, the portrait's hidden small buckets, and another store that sees none of it."""
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from commerce.analytics.rfm import compute_rfm
from commerce.analytics.rfm_models import MemberRfm, RfmRun, SegmentCampaign
from commerce.marketing.coupons.models import MemberCoupon
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tests.builder.test_console_orders import audits
from tests.commerce.analytics.rfm_data import add_orders, new_members, order_row
from tests.commerce.analytics.test_segment_coupons import new_coupon
from tests.conftest import csrf_from
from tests.factories import create_staff, create_store, login_staff

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
NOW = utcnow()


@pytest.fixture
def shop(app_ctx):
    """demo: six loyal consenting members (one segment), one without consent, scored; tea: its own."""
    demo, tea = create_store("demo"), create_store("tea")
    loyal = new_members(demo, 6)
    refused, = new_members(demo, 1, consenting=False)
    add_orders(demo, [order_row(demo, member, paid_at=NOW - timedelta(days=2 + day, hours=1), amount=30_000)
                      for member in loyal + [refused] for day in range(2)])
    with tenant_context(demo.id):
        compute_rfm(now=NOW - timedelta(minutes=5))
        db.session.commit()
        segment = db.session.scalar(select(MemberRfm.segment).limit(1))
    return demo, tea, loyal, segment


def console_as(platform_client, store, role=None):
    if role is not None:
        create_staff(store, f"{role}@{store.slug}.example.com", role)
        login_staff(platform_client, store, email=f"{role}@{store.slug}.example.com")
    else:
        login_staff(platform_client, store)
    return platform_client


def text_of(client, path):
    response = client.get(path, headers=ZH)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def post(client, path, **data):
    return client.post(path, data={"csrf_token": csrf_from(client, "/console/data/rfm"), **data}, headers=ZH)


def campaigns(store):
    with tenant_context(store.id):
        return db.session.scalars(select(SegmentCampaign)).all()


def test_the_rfm_screen_shows_the_eight_segments_in_chinese_and_who_is_left_out(platform_client, shop):
    demo, _tea, _loyal, _segment = shop
    new_coupon(demo)
    body = text_of(console_as(platform_client, demo), "/console/data/rfm")
    for label in ("重要价值客户", "重要发展客户", "重要保持客户", "重要挽留客户",
                  "一般价值客户", "一般发展客户", "一般保持客户", "一般挽留客户"):
        assert label in body
    assert "1 位会员未授权用户画像，未参与分群。" in body
    assert "¥3,600.00" in body  # the segment's six members spent ¥600 each
    assert "100.0%" in body
    assert body.count('class="send-coupon"') == 1  # a form for the one segment that has members
    assert "立即计算" in body and "最近计算于" in body
    assert 'src="/console/vendor/chart.js"' in body and "<script>" not in body


@pytest.mark.parametrize("role", [StaffUser.OPERATOR, StaffUser.VIEWER])
def test_operators_and_viewers_look_but_cannot_compute_or_send(platform_client, shop, role):
    demo, _tea, _loyal, segment = shop
    coupon_id = new_coupon(demo)
    client = console_as(platform_client, demo, role)
    body = text_of(client, "/console/data/rfm")
    assert "重要" in body and 'class="send-coupon"' not in body and "立即计算" not in body
    assert post(client, f"/console/data/rfm/{segment}/coupon", **{f"{segment}-coupon_id": coupon_id}).status_code == 403
    assert post(client, "/console/data/rfm/compute").status_code == 403
    assert campaigns(demo) == []
    with tenant_context(demo.id):
        assert db.session.scalar(select(func.count(RfmRun.id))) == 1
    assert text_of(client, "/console/data/portrait")


@pytest.mark.parametrize("role", [None, StaffUser.ADMIN])
def test_owners_and_admins_send_a_coupon_to_a_segment_and_see_the_campaign(platform_client, shop, role):
    demo, _tea, loyal, segment = shop
    coupon_id = new_coupon(demo, name="老客回馈券")
    client = console_as(platform_client, demo, role)

    response = post(client, f"/console/data/rfm/{segment}/coupon", **{f"{segment}-coupon_id": coupon_id})

    assert response.status_code == 302
    [campaign] = campaigns(demo)
    assert (campaign.segment, campaign.coupon_id, campaign.members_issued) == (segment, coupon_id, 6)
    with tenant_context(demo.id):
        assert sorted(db.session.scalars(select(MemberCoupon.member_id))) == loyal
    assert len(audits(demo, "rfm.segment_coupon")) == 1
    body = text_of(client, "/console/data/rfm")
    assert "的 6 位会员发放「老客回馈券」" in body
    assert f'data-campaign="{campaign.id}"' in body and "data-issued>6</td>" in body and "data-used>0</td>" in body

    again = post(client, f"/console/data/rfm/{segment}/coupon", **{f"{segment}-coupon_id": coupon_id})
    assert again.status_code == 302
    assert "都已通过分群发券收到过这张优惠券" in text_of(client, "/console/data/rfm")
    assert len(campaigns(demo)) == 1


def test_a_paused_coupon_or_another_stores_coupon_is_refused_with_nothing_written(platform_client, shop):
    demo, tea, _loyal, segment = shop
    paused = new_coupon(demo)
    tea_coupon = new_coupon(tea, name="茶友券")
    client = console_as(platform_client, demo)
    post(client, f"/console/coupons/{paused}/pause")
    post(client, f"/console/data/rfm/{segment}/coupon", **{f"{segment}-coupon_id": paused})
    assert "该优惠券已暂停，请先恢复再发放。" in text_of(client, "/console/data/rfm")
    post(client, f"/console/data/rfm/{segment}/coupon", **{f"{segment}-coupon_id": tea_coupon})
    post(client, f"/console/data/rfm/{segment}/coupon", **{f"{segment}-coupon_id": "many"})
    assert campaigns(demo) == [] and campaigns(tea) == []
    with tenant_context(demo.id):
        assert db.session.scalar(select(func.count(MemberCoupon.id))) == 0
    assert post(client, "/console/data/rfm/vip/coupon", **{"vip-coupon_id": paused}).status_code == 404


def test_computing_again_from_the_console_waits_a_minute(platform_client, shop):
    demo, _tea, _loyal, _segment = shop
    client = console_as(platform_client, demo)
    assert post(client, "/console/data/rfm/compute").status_code == 302
    assert "客户分群已重新计算：6 位会员参与评分。" in text_of(client, "/console/data/rfm")
    post(client, "/console/data/rfm/compute")
    assert "客户分群 1 分钟内刚计算过，请稍后再试。" in text_of(client, "/console/data/rfm")
    with tenant_context(demo.id):
        assert db.session.scalar(select(func.count(RfmRun.id))) == 2
    [audit] = audits(demo, "rfm.compute")
    assert audit.details == {"scored": 6} and audit.actor_label == demo.owner_email


def test_the_portrait_screen_hides_small_groups(platform_client, shop):
    demo, _tea, _loyal, _segment = shop
    body = text_of(console_as(platform_client, demo), "/console/data/portrait")
    assert "已授权 6 人，另有 1 人未授权" in body
    assert "浙江省" in body and "&lt;5" in body and "暂无等级" in body
    assert 'data-portrait="hours"' in body and "<script>" not in body


def test_another_store_sees_none_of_it(platform_client, shop):
    demo, tea, _loyal, segment = shop
    new_members(tea, 2)
    client = console_as(platform_client, tea)
    body = text_of(client, "/console/data/rfm")
    assert "¥3,600.00" not in body and "尚未计算" in body and "2 位会员未授权" not in body
    assert "授权用户画像的会员不足 5 人" in text_of(client, "/console/data/portrait")
    demo_coupon = new_coupon(demo)
    post(client, f"/console/data/rfm/{segment}/coupon", **{f"{segment}-coupon_id": demo_coupon})
    assert campaigns(demo) == [] and campaigns(tea) == []


def test_chart_js_is_served_to_the_console(platform_client, shop, app):
    demo, *_ = shop
    client = console_as(platform_client, demo)
    response = client.get("/console/vendor/chart.js")
    installed = (Path(app.root_path) / "node_modules" / "chart.js" / "dist" / "chart.umd.min.js").exists()
    assert response.status_code == (200 if installed else 404)
