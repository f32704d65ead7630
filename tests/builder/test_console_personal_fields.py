"""Least privilege in the console: every GET page of the console blueprint (read from the
app's URL map, so a new screen is walked the day it is added; CSV and JSON included), as
each staff role, over a store with one shopper in every list a console shows — orders paid
and shipped, a packing list, an after-sales request, a distributor with an application and
a commission, an invite reward, a bargain, a group-buy team — shows a shopper's phone only
masked, and to operators and viewers their name and street only masked
(``tenants.field_access``). Another store's shopper never appears at all."""
from datetime import timedelta
from pathlib import Path

import pytest
from flask import url_for
from sqlalchemy import select

from billing.models import Invoice
from commerce.aftersales.service import request_after_sale
from commerce.analytics.collect import flush_events, track
from commerce.analytics.events import PRODUCT_VIEW, SEARCH
from commerce.analytics.rollup import roll_up_day
from commerce.catalog.models import SKU
from commerce.inventory.batches import receive_batch
from commerce.marketing.bargains.service import create_bargain_campaign, start_bargain
from commerce.marketing.coupons.models import Coupon
from commerce.marketing.coupons.service import create_coupon
from commerce.marketing.distribution.models import Commission, Distributor
from commerce.marketing.distribution.service import (
    apply_as_distributor,
    bind_referral,
    decide_application,
    record_commissions,
    save_distribution_settings,
)
from commerce.marketing.group_buys.service import create_group_buy
from commerce.marketing.invites.models import InviteReward
from commerce.members.models import Address, Member
from commerce.members.rights import request_data_export
from commerce.orders.models import Order
from commerce.orders.payments import record_payment
from commerce.orders.service import Wanted, place_order
from commerce.pricing import Campaign
from commerce.shipping.models import ShippingTemplate
from commerce.shipping.parcels import ship_order
from core.audit import AuditLog
from core.clock import china_today
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from tenants.field_access import FIELD_ACCESS, FULL, NAME, PHONE, STREET, markdown_table, mask, visible
from tenants.models import StaffUser
from tests.builder.test_console_orders import post
from tests.factories import create_product, create_staff, create_store, login_staff, sku_of
from themes.models import Page

ROLES = StaffUser.ROLES

# The shopper whose data each role must see only as the table allows.
PHONE_NUMBER, NAME_TEXT, STREET_TEXT = "13987654321", "欧阳娜娜", "秘密路 88 号 1 单元"
APPLICANT = "司马相如"  # a second shopper: applies to distribute, buys through 欧阳娜娜's link
# Another store's shopper: never on this store's pages, not even masked.
OTHER_PHONE, OTHER_NAME, OTHER_STREET = "13711112222", "东方不败", "绝密街 99 号"


def shopper(store, nickname, phone, street):
    """A member whose nickname, phone and address are the given ones; ``(member id, address id)``."""
    with tenant_context(store.id):
        member = Member(nickname=nickname, phone=phone, openid=f"o-{store.slug}-{phone}")
        db.session.add(member)
        db.session.flush()
        address = Address(member_id=member.id, name=nickname, phone=phone, province_code="330000", city="杭州市",
                          district="西湖区", detail=street, is_default=True)
        db.session.add(address)
        db.session.commit()
        return member.id, address.id


def paid_order(store, member, sku_id, *, campaign=None):
    """An order of one ``sku_id``, paid as WeChat's answer records it (packing lists included)."""
    member_id, address_id = member
    with tenant_context(store.id):
        order = place_order(member_id=member_id, wanted=[Wanted(sku_id, 1)],
                            address=db.session.get(Address, address_id), campaign=campaign)
        record_payment(order, f"T{store.id}-{order.id}", None, source="test")
        db.session.commit()
        return order.id


def shipped_with_after_sale(store, member, order_id):
    with tenant_context(store.id):
        order = db.session.get(Order, order_id)
        ship_order(order, [("shunfeng", f"SF{store.id}000{order_id}", [(line.id, line.quantity) for line in order.lines])],
                   actor=None)
        request_after_sale(order, member[0], kind="refund_only", reason="damaged", description="盒子压坏了",
                           amount=100, lines={})
        db.session.commit()
        return order.number


def seed_store(store, *, name, phone, street, applicant):
    """A store with the shopper in every list: returns the URL arguments its pages need."""
    product = create_product(store, "龙井", price=5000, stock=50)
    sku = sku_of(store, product)
    member = shopper(store, name, phone, street)
    buyer = shopper(store, applicant, "13600000000", "普通路 1 号")
    with tenant_context(store.id):  # the shipped units' batch: its trace names the shopper
        batch_id = receive_batch(db.session.get(SKU, sku), batch_number="LJ-1", supplier="西湖茶厂", quantity=20).id
        db.session.commit()
    shipped = shipped_with_after_sale(store, member, paid_order(store, member, sku))
    paid_order(store, member, sku)  # waits on a packing list
    with tenant_context(store.id):
        now = utcnow()
        save_distribution_settings(enabled=True, level1_percent=10, level2_percent=5, settle_days=7, actor=None)
        decide_application(apply_as_distributor(db.session.get(Member, member[0])), approve=True, actor=None)
        bind_referral(buyer[0], member[0])
        apply_as_distributor(db.session.get(Member, buyer[0]))  # an application waiting
        db.session.add(InviteReward(inviter_id=member[0], tier=1, invitee_id=buyer[0], points=10, created_at=now))
        coupon = create_coupon({"name": "满199减20", "kind": Coupon.AMOUNT_OFF, "amount_off": 2000, "threshold": 19900,
                                "percent_off": None, "max_discount": None, "scope": Coupon.ALL, "target_ids": [],
                                "valid_from": None, "valid_until": None, "valid_days": 7, "total_quantity": 100,
                                "per_member_limit": 1, "stackable": False}, actor=None)
        bargain = create_bargain_campaign(actor=None, title="好友砍价", sku_id=sku, floor_price=1000, max_helps=5,
                                          hours=24, starts_at=now, ends_at=now + timedelta(days=7))
        start_bargain(bargain, db.session.get(Member, member[0]))
        group_buy = create_group_buy(actor=None, title="三人团", sku_id=sku, group_price=3000, size=3, hours=24,
                                     ends_at=now + timedelta(days=7))
        db.session.commit()
        # The data screens fed: the shopper searched (the words on the no-result list) and the
        # day is rolled up; a copy of their data was asked for (its file is a console page too).
        track(SEARCH, visitor_id=f"v-{phone}", member_id=member[0], words="金骏眉礼盒", result_count=0)
        track(PRODUCT_VIEW, visitor_id=f"v-{phone}", member_id=member[0], product_id=product)
        flush_events()
        roll_up_day(china_today())
        data_export = request_data_export(member[0])
        db.session.commit()
        arguments = {"coupon_id": coupon.id, "export_id": data_export.id, "campaign_id": bargain.id, "member_id": member[0],
                     "number": shipped, "product_id": product, "sku_id": sku, "batch_id": batch_id,
                     "page_id": db.session.scalar(select(Page.id).order_by(Page.id)),
                     "template_id": db.session.scalar(select(ShippingTemplate.id).order_by(ShippingTemplate.id)),
                     "invoice": db.session.scalar(select(Invoice.number).order_by(Invoice.id)) or "none"}
    paid_order(store, member, sku, campaign=Campaign("group_buy", group_buy.id))  # a team with 欧阳娜娜
    referred = paid_order(store, buyer, sku)
    with tenant_context(store.id):
        record_commissions(db.session.get(Order, referred))  # once: the order.paid subscriber may have already
        assert db.session.scalar(select(Commission.id).where(Commission.order_id == referred))  # 欧阳娜娜 earns
        assert db.session.scalar(select(Distributor.status).where(Distributor.member_id == buyer[0])) == "pending"
        db.session.commit()
    return arguments


@pytest.fixture
def stores(app_ctx):
    demo, tea = create_store("demo"), create_store("tea")
    arguments = seed_store(demo, name=NAME_TEXT, phone=PHONE_NUMBER, street=STREET_TEXT, applicant=APPLICANT)
    other = seed_store(tea, name=OTHER_NAME, phone=OTHER_PHONE, street=OTHER_STREET, applicant="诸葛孔明")
    return demo, tea, arguments, other


# URL arguments of console pages that are not records of the seeded store.
FIXED = {"theme": "default", "token": "not-a-token", "filename": "console.css", "name": "editor.js",
         "key": "apparel-home"}
BY_ENDPOINT = {("console.billing_invoice", "number"): "invoice"}


def console_pages(app, arguments):
    """Every GET route of the console, filled in: ``[(endpoint, path)]``.

    A route with an argument this walker cannot fill fails the test: add it to ``seed_store``.
    """
    pages = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] != "console" or "GET" not in rule.methods:
            continue
        fillings = [{}]
        for argument in rule.arguments:
            choices = getattr(rule._converters.get(argument), "items", None)  # <any(a, b):x>: each of them
            if choices:
                fillings = [{**filling, argument: choice} for filling in fillings for choice in sorted(choices)]
                continue
            key = BY_ENDPOINT.get((rule.endpoint, argument), argument)
            assert key in arguments or key in FIXED, f"{rule.rule}: no value for <{argument}>; seed one"
            fillings = [{**filling, argument: arguments.get(key, FIXED.get(key))} for filling in fillings]
        with app.test_request_context():
            pages.extend((rule.endpoint, url_for(rule.endpoint, **values)) for values in fillings)
    return sorted(pages)


def sign_in(client, store, role):
    if role == StaffUser.OWNER:
        login_staff(client, store)
    else:
        create_staff(store, f"{role}@{store.slug}.example.com", role)
        login_staff(client, store, email=f"{role}@{store.slug}.example.com")


def forbidden_for(role):
    """The exact texts ``role`` must never see: the phone always; name and street unless the table says full."""
    texts = {PHONE: [PHONE_NUMBER, "139 8765 4321", "139-8765-4321"], NAME: [NAME_TEXT, APPLICANT],
             STREET: [STREET_TEXT, "88 号"]}
    return [text for field, field_texts in texts.items() if FIELD_ACCESS[field][role] != FULL
            for text in field_texts]


def walk(client, app, arguments, role):
    """GET every console page; ``{path: (status, text)}``."""
    seen = {}
    for _endpoint, path in console_pages(app, arguments):
        response = client.get(path, headers={"Accept-Language": "zh"})
        assert response.status_code < 500, f"{role} {path}: {response.status_code}"
        kind = response.mimetype or ""
        text = response.get_data(as_text=True) if kind.startswith(("text/", "application/json", "image/svg")) else ""
        seen[path] = (response.status_code, text)
    return seen


@pytest.mark.parametrize("role", ROLES)
def test_every_console_page_shows_a_shopper_only_as_the_role_may_see_them(platform_client, app, stores, role):
    demo, _tea, arguments, other = stores
    sign_in(platform_client, demo, role)
    seen = walk(platform_client, app, arguments, role)
    forbidden = forbidden_for(role) + [OTHER_PHONE, OTHER_NAME, OTHER_STREET, other["number"], "诸葛孔明"]
    leaks = [f"{path} shows {text}" for path, (_status, body) in seen.items() for text in forbidden if text in body]
    assert not leaks, "\n".join(leaks)
    walked = {path for path, (status, _body) in seen.items() if status == 200}
    for must in (f"/console/orders/{arguments['number']}", f"/console/members/{arguments['member_id']}",
                 "/console/orders", "/console/orders/export.csv", "/console/members", "/console/packing",
                 "/console/after-sales", "/console/distribution", "/console/invites",
                 f"/console/bargains/{arguments['campaign_id']}"):
        assert must in walked, f"{role} did not get {must}: {seen.get(must, ('not walked',))[0]}"
    # The pages that name the shopper do name them, masked: the walk reads real lists, not empty ones.
    masked_phone = "139****4321"
    for path in (f"/console/orders/{arguments['number']}", f"/console/members/{arguments['member_id']}",
                 "/console/members", "/console/orders", "/console/packing"):
        assert masked_phone in seen[path][1], f"{path} does not show the shopper's phone, even masked"
    shown_name = NAME_TEXT if FIELD_ACCESS[NAME][role] == FULL else "欧***"
    for path in ("/console/distribution", "/console/invites", f"/console/bargains/{arguments['campaign_id']}",
                 "/console/members", "/console/packing", f"/console/orders/{arguments['number']}"):
        assert shown_name in seen[path][1], f"{path} does not name the shopper as {shown_name}"


@pytest.mark.parametrize(("role", "may"), [(StaffUser.OWNER, True), (StaffUser.ADMIN, True),
                                           (StaffUser.OPERATOR, False), (StaffUser.VIEWER, False)])
def test_owners_and_admins_reveal_a_members_phone_once_and_it_is_audited(platform_client, stores, role, may):
    demo, tea, arguments, other = stores
    sign_in(platform_client, demo, role)
    path = f"/console/members/{arguments['member_id']}"
    assert ("显示完整手机号" in platform_client.get(path).get_data(as_text=True)) == may
    revealed = post(platform_client, f"{path}/phone", path)
    assert revealed.status_code == (200 if may else 403)
    assert (PHONE_NUMBER in revealed.get_data(as_text=True)) == may
    with tenant_context(demo.id):
        entries = db.session.scalars(select(AuditLog).where(AuditLog.action == "personal_data.reveal")).all()
        assert [(entry.target_type, entry.target_id, entry.details) for entry in entries] == (
            [("Member", str(arguments["member_id"]), {"fields": ["phone"]})] if may else [])
    # Another store's member id finds nothing to reveal.
    assert post(platform_client, f"/console/members/{other['member_id']}/phone", path).status_code in (403, 404)
    if may:
        assert post(platform_client, f"/console/members/{other['member_id']}/phone", path).status_code == 404
    assert PHONE_NUMBER not in platform_client.get(path).get_data(as_text=True)  # one reveal, one page


def test_the_field_table_in_docs_security_md_is_the_one_the_console_reads():
    assert markdown_table() in (Path(__file__).parents[2] / "docs" / "security.md").read_text(encoding="utf-8")


def test_a_role_the_table_does_not_know_sees_everything_masked():
    assert visible(NAME, "intern") == visible(STREET, "intern") == visible(PHONE, "intern") == "masked"
    assert mask(NAME, NAME_TEXT, "intern") == "欧***" and mask(PHONE, PHONE_NUMBER, "intern") == "139****4321"
    assert mask(STREET, STREET_TEXT, "intern") == "秘密路****"
    assert mask(PHONE, PHONE_NUMBER, StaffUser.OPERATOR, revealed=True) == "139****4321"  # no reveal for operators
