"""The merchant's coupon screens in /console: creating and editing with messages by field,
amounts that cannot be fen refused in Chinese, pausing, issuing to members (audited), the
results columns a page at a time, viewers who only look, and another store's coupon that
finds nothing."""
import pytest
from sqlalchemy import select

from builder.views import coupons as coupon_views
from commerce.marketing.coupons.models import Coupon, MemberCoupon
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tests.builder.test_console_list_pages import next_page
from tests.builder.test_console_orders import audits, page, post
from tests.commerce.marketing.coupons.test_coupons import new_coupon
from tests.conftest import csrf_from
from tests.factories import create_member, create_staff, create_store, login_staff

FORM = {"name": "满100减10", "kind": "amount_off", "amount_off": "10", "threshold": "100", "scope": "all",
        "validity": "days", "valid_days": "7", "per_member_limit": "1"}


@pytest.fixture
def shop(app_ctx):
    return create_store("demo"), create_store("tea")


@pytest.fixture
def console(platform_client, shop):
    login_staff(platform_client, shop[0])
    return platform_client


def coupons_of(store):
    with tenant_context(store.id):
        db.session.expire_all()
        return db.session.scalars(select(Coupon).order_by(Coupon.id)).all()


def test_a_coupon_is_created_from_the_form_in_fen(console, shop):
    demo, _tea = shop
    assert post(console, "/console/coupons/new", **FORM).status_code == 302
    made = coupons_of(demo)[0]
    assert (made.amount_off, made.threshold, made.valid_days, made.status) == (1000, 10000, 7, Coupon.ACTIVE)
    assert "满100减10" in page(console, "/console/coupons")
    assert len(audits(demo, "coupon.create")) == 1


@pytest.mark.parametrize(("changes", "message"), [
    ({"amount_off": "ten"}, "ten is not an amount in yuan."),
    ({"name": ""}, "Give the coupon a name."),
    ({"kind": "percent_off", "percent_off": "120"}, "a whole number from 1 to 99"),
    ({"validity": "fixed", "valid_from": "2026-12-10", "valid_until": "2026-12-01"}, "The end must be after"),
    ({"validity": "fixed", "valid_from": "tomorrow"}, "Enter a date like 2026-12-01."),
])
def test_a_refused_form_says_which_field_and_writes_nothing(console, shop, changes, message):
    demo, _tea = shop
    response = post(console, "/console/coupons/new", **{**FORM, **changes})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert coupons_of(demo) == []


@pytest.mark.parametrize(("changes", "message"), [
    ({"amount_off": "10.005"}, "最多两位小数。"),
    ({"amount_off": "１０.１２５"}, "最多两位小数。"),  # typed full-width on a Chinese keyboard
    ({"threshold": "-100"}, "不能低于 ¥0.00。"),
    ({"max_discount": "-1", "kind": "percent_off", "percent_off": "20"}, "不能低于 ¥0.00。"),
])
def test_an_amount_with_three_decimals_or_below_zero_is_refused_in_chinese_and_nothing_is_written(
        console, shop, changes, message):
    demo, _tea = shop
    token = csrf_from(console, "/console/coupons/new")
    response = console.post("/console/coupons/new", data={"csrf_token": token, **FORM, **changes},
                            headers={"Accept-Language": "zh"})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert coupons_of(demo) == []


def test_unread_fields_of_the_other_choice_are_not_refused(console, shop):
    demo, _tea = shop
    response = post(console, "/console/coupons/new", **{**FORM, "valid_from": "garbage", "valid_until": "x"})
    assert response.status_code == 302 and coupons_of(demo)[0].valid_days == 7  # "days": the dates are not read


def test_products_are_chosen_by_number_and_a_bad_number_is_named(console, shop):
    demo, _tea = shop
    refused = post(console, "/console/coupons/new", **{**FORM, "scope": "products", "product_ids": "12, abc"})
    assert refused.status_code == 422 and "abc is not a whole number." in refused.get_data(as_text=True)
    assert 'value="12, abc"' in refused.get_data(as_text=True)  # shown back as typed
    assert coupons_of(demo) == []


def test_the_list_pages_with_a_count_and_never_shows_another_stores_coupons(console, shop, monkeypatch):
    demo, tea = shop
    monkeypatch.setattr(coupon_views, "PAGE_SIZE", 2)
    for number in range(3):
        new_coupon(demo, name=f"本店券{number}")
    new_coupon(tea, name="茶店的券")
    first = page(console, "/console/coupons")
    assert "本店券2" in first and "本店券1" in first and "本店券0" not in first and "3 in all" in first
    second = page(console, next_page(first))
    assert "本店券0" in second and "本店券1" not in second and "茶店的券" not in second
    assert next_page(second) is None and 'rel="prev"' in second


def test_a_forged_page_link_is_a_bad_request(console, shop):
    assert console.get("/console/coupons?cursor=forged").status_code == 400


def test_issuing_without_member_numbers_is_refused_and_issues_nothing(console, shop):
    demo, _tea = shop
    coupon_id = new_coupon(demo)
    create_member(demo, nickname="甲")
    response = post(console, f"/console/coupons/{coupon_id}/issue", form_path=f"/console/coupons/{coupon_id}",
                    audience="ids", member_ids="none")
    assert response.status_code == 302 and response.location.endswith(f"/console/coupons/{coupon_id}")
    assert "Enter from 1 to 1000 member numbers" in page(console, f"/console/coupons/{coupon_id}")
    with tenant_context(demo.id):
        assert db.session.scalars(select(MemberCoupon)).all() == []


def test_a_fixed_window_covers_whole_days_in_china(console, shop):
    demo, _tea = shop
    post(console, "/console/coupons/new", **{**FORM, "validity": "fixed", "valid_from": "2026-12-01",
                                              "valid_until": "2026-12-12"})
    made = coupons_of(demo)[0]
    assert (made.valid_from.isoformat(), made.valid_until.isoformat()) == (
        "2026-11-30T16:00:00+00:00", "2026-12-12T16:00:00+00:00")
    form = page(console, f"/console/coupons/{made.id}")
    assert 'value="2026-12-01"' in form and 'value="2026-12-12"' in form  # the same days come back


def test_editing_pausing_and_resuming(console, shop):
    demo, _tea = shop
    coupon_id = new_coupon(demo)
    assert post(console, f"/console/coupons/{coupon_id}", **{**FORM, "name": "满100减20", "amount_off": "20"}
                ).status_code == 302
    assert (coupons_of(demo)[0].name, coupons_of(demo)[0].amount_off) == ("满100减20", 2000)
    post(console, f"/console/coupons/{coupon_id}/pause", form_path="/console/coupons")
    assert coupons_of(demo)[0].status == Coupon.PAUSED
    post(console, f"/console/coupons/{coupon_id}/resume", form_path="/console/coupons")
    assert coupons_of(demo)[0].status == Coupon.ACTIVE
    assert [len(audits(demo, f"coupon.{verb}")) for verb in ("update", "pause", "resume")] == [1, 1, 1]


def test_issuing_to_chosen_members_and_to_everyone(console, shop):
    demo, _tea = shop
    first, _ = create_member(demo, nickname="甲")
    second, _ = create_member(demo, nickname="乙")
    coupon_id = new_coupon(demo)
    response = post(console, f"/console/coupons/{coupon_id}/issue", form_path=f"/console/coupons/{coupon_id}",
                    audience="ids", member_ids=f"{first}")
    assert response.status_code == 302
    post(console, f"/console/coupons/{coupon_id}/issue", form_path=f"/console/coupons/{coupon_id}", audience="all")
    with tenant_context(demo.id):
        held = sorted(copy.member_id for copy in db.session.scalars(select(MemberCoupon)))
    assert held == [first, second]
    assert [entry.details["issued"] for entry in audits(demo, "coupon.issue")] == [1, 1]
    listing = page(console, "/console/coupons")
    assert "<td>2</td>" in listing  # claimed


def test_viewers_only_look(platform_client, shop):
    demo, _tea = shop
    coupon_id = new_coupon(demo)
    create_staff(demo, "viewer@demo.test", StaffUser.VIEWER)
    login_staff(platform_client, demo, email="viewer@demo.test")
    assert "满100减10" in page(platform_client, "/console/coupons")
    assert post(platform_client, "/console/coupons/new", form_path="/console/coupons/new", **FORM).status_code == 403
    assert post(platform_client, f"/console/coupons/{coupon_id}/pause",
                form_path=f"/console/coupons/{coupon_id}").status_code == 403
    assert coupons_of(demo)[0].status == Coupon.ACTIVE


def test_another_stores_coupon_finds_nothing(console, shop):
    _demo, tea = shop
    theirs = new_coupon(tea, name="茶店的券")
    assert console.get(f"/console/coupons/{theirs}").status_code == 404
    assert post(console, f"/console/coupons/{theirs}/pause", form_path="/console/coupons").status_code == 404
    assert "茶店的券" not in page(console, "/console/coupons")
    assert coupons_of(tea)[0].status == Coupon.ACTIVE
