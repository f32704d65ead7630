"""The merchant's order screens in /console: the list (tabs, search, dates, pages), the CSV
export (masked unless an owner or admin asks, audited), and one order's page with its
remark, cancel, ship and refund actions, refused actions writing nothing."""
import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from commerce.catalog.models import SKU
from commerce.members.models import Address
from commerce.orders import states
from commerce.orders.models import Order, OrderLine
from commerce.orders.service import Wanted, place_order
from core.audit import AuditLog
from core.crypto import mask_name, mask_street
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tests.commerce.orders.test_checkout_and_pay import (
    paid_order,
    settle_at_wechat,
    the_order,
)
from tests.commerce.orders.test_fulfillment import paid
from tests.conftest import csrf_from
from tests.factories import create_member, create_product, create_staff, create_store, login_staff, sku_of

EN = {"Accept-Language": "en"}


@pytest.fixture
def shop(app_ctx):
    demo, tea = create_store("demo"), create_store("tea")
    tea_leaves = create_product(demo, "龙井", price=5000, stock=5)
    cup = create_product(demo, "茶杯", price=1000, stock=20)
    return demo, tea, [sku_of(demo, tea_leaves), sku_of(demo, cup)], create_member(demo)


@pytest.fixture
def console(platform_client, shop):
    login_staff(platform_client, shop[0])
    return platform_client


def place(store, member, wanted, *, paid=False, created=None):
    """An order of ``wanted`` = ``[(sku id, quantity)]``, paid (without WeChat) if asked; its number."""
    member_id, address_id = member
    with tenant_context(store.id):
        order = place_order(member_id=member_id, address=db.session.get(Address, address_id),
                            wanted=[Wanted(sku_id, quantity) for sku_id, quantity in wanted])
        if paid:
            assert states.transition(order, "pay", transaction_id=f"T{order.id}", paid_amount=order.total)
        if created:
            db.session.execute(update(Order).where(Order.id == order.id).values(created_at=created))
        db.session.commit()
        return order.number


def stock(store, sku_id):
    with tenant_context(store.id):
        db.session.expire_all()
        return db.session.get(SKU, sku_id).stock


def audits(store, action):
    with tenant_context(store.id):
        return db.session.scalars(select(AuditLog).where(AuditLog.tenant_id == store.id,
                                                         AuditLog.action == action)).all()


def page(client, path):
    response = client.get(path, headers=EN)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def post(client, path, form_path=None, **data):
    token = csrf_from(client, form_path or path.rsplit("/", 1)[0])
    return client.post(path, data={"csrf_token": token, **data}, headers=EN)


# --- the list ----------------------------------------------------------------------------

def test_the_list_shows_newest_first_with_the_first_item_and_a_masked_buyer(console, shop):
    demo, _tea, (leaves, cup), member = shop
    older = place(demo, member, [(leaves, 1)])
    newer = place(demo, member, [(cup, 2), (leaves, 1)], paid=True)
    html = page(console, "/console/orders")
    assert html.index(newer) < html.index(older)
    assert "茶杯 and 1 more" in html and "¥70.00" in html
    assert "138****5678" in html and "13812345678" not in html


@pytest.mark.parametrize("status, shown, hidden", [
    ("pending_payment", "unpaid", "paid"),
    ("paid", "paid", "unpaid"),
    ("cancelled", None, "paid"),
])
def test_status_tabs_show_only_their_orders(console, shop, status, shown, hidden):
    demo, _tea, (leaves, cup), member = shop
    numbers = {"unpaid": place(demo, member, [(cup, 1)]), "paid": place(demo, member, [(leaves, 1)], paid=True)}
    html = page(console, f"/console/orders?status={status}")
    assert numbers[hidden] not in html
    if shown:
        assert numbers[shown] in html
    else:
        assert "No orders found." in html


def test_search_by_order_number_or_product_title_and_by_date(console, shop):
    demo, _tea, (leaves, cup), member = shop
    cups = place(demo, member, [(cup, 1)], created=utcnow() - timedelta(days=10))
    leaves_order = place(demo, member, [(leaves, 1)])
    html = page(console, "/console/orders?q=龙井")
    assert leaves_order in html and cups not in html
    html = page(console, f"/console/orders?q={cups}")  # the full number: two orders of one second share a prefix
    assert cups in html and leaves_order not in html
    assert "No orders found." in page(console, "/console/orders?q=100%25")  # a LIKE wildcard is only text
    since = (utcnow() - timedelta(days=2)).date().isoformat()
    html = page(console, f"/console/orders?from={since}")
    assert leaves_order in html and cups not in html
    html = page(console, f"/console/orders?to={since}")
    assert cups in html and leaves_order not in html


def test_the_list_pages_by_fifty_without_a_query_per_order(console, shop, app):
    demo, _tea, _skus, member = shop
    kettle = sku_of(demo, create_product(demo, "水壶", stock=100))
    numbers = [place(demo, member, [(kettle, 1)]) for _ in range(51)]
    from sqlalchemy import event

    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        first = page(console, "/console/orders")
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert numbers[-1] in first and numbers[1] in first and numbers[0] not in first
    assert sum("order_lines" in sql for sql in statements) == 1  # selectinload: one query for all lines
    older = first.split('cursor=')[1].split('"')[0].split("&")[0]
    second = page(console, f"/console/orders?cursor={older}")
    assert numbers[0] in second and numbers[1] not in second


# --- the export ---------------------------------------------------------------------------

def rows_of(response):
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_export_has_one_row_per_line_with_phones_masked(console, shop):
    demo, _tea, (leaves, cup), member = shop
    place(demo, member, [(leaves, 1), (cup, 2)])
    with tenant_context(demo.id):
        db.session.execute(update(OrderLine).where(OrderLine.title == "茶杯").values(title="=HYPERLINK(\"x\")"))
        db.session.commit()
    response = console.get("/console/orders/export.csv", headers=EN)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    header, *rows = rows_of(response)
    assert len(rows) == 2 and "Receiver's address" not in header
    assert {row[3] for row in rows} == {"龙井", "'=HYPERLINK(\"x\")"}  # a formula stays text
    assert all(row[10] == "138****5678" for row in rows)
    assert "13812345678" not in response.get_data(as_text=True) and "文三路" not in response.get_data(as_text=True)
    assert audits(demo, "order.export_full") == []


def test_the_export_follows_the_filters(console, shop):
    demo, _tea, (leaves, cup), member = shop
    place(demo, member, [(leaves, 1)], paid=True)
    place(demo, member, [(cup, 1)])
    _header, *rows = rows_of(console.get("/console/orders/export.csv?status=paid", headers=EN))
    assert [row[3] for row in rows] == ["龙井"]


def test_an_owner_may_export_full_addresses_and_it_is_audited(console, shop):
    demo, _tea, (leaves, _cup), member = shop
    place(demo, member, [(leaves, 1)])
    response = post(console, "/console/orders/export.csv", form_path="/console/orders", full="1")
    header, row = rows_of(response)
    assert header[-1] == "Receiver's address" and row[10] == "13812345678" and row[-1] == "文三路 100 号"
    [entry] = audits(demo, "order.export_full")
    assert entry.actor_label == demo.owner_email


@pytest.mark.parametrize("role", [StaffUser.OPERATOR, StaffUser.VIEWER])
def test_operators_and_viewers_only_get_masked_exports(platform_client, shop, role):
    demo, _tea, (leaves, _cup), member = shop
    place(demo, member, [(leaves, 1)])
    create_staff(demo, "staff@demo.test", role)
    login_staff(platform_client, demo, email="staff@demo.test")
    assert "Include full address" not in page(platform_client, "/console/orders")
    response = post(platform_client, "/console/orders/export.csv", form_path="/console/orders", full="1")
    assert response.status_code == 403
    assert "138****5678" in platform_client.get("/console/orders/export.csv").get_data(as_text=True)
    assert audits(demo, "order.export_full") == []


# --- one order ----------------------------------------------------------------------------

def test_another_stores_order_number_finds_nothing(console, shop, platform_client):
    demo, tea, (leaves, _cup), member = shop
    number = place(demo, member, [(leaves, 1)])
    assert page(console, f"/console/orders/{number}")
    other = create_store("third")
    login_staff(platform_client, other)
    assert platform_client.get(f"/console/orders/{number}").status_code == 404
    assert number not in page(platform_client, "/console/orders")


def test_the_detail_shows_lines_payment_and_a_masked_phone_an_owner_may_reveal(console, shop):
    demo, _tea, (leaves, _cup), member = shop
    number = place(demo, member, [(leaves, 2)], paid=True)
    html = page(console, f"/console/orders/{number}")
    assert "龙井" in html and "¥100.00" in html and "138****5678" in html and "13812345678" not in html
    assert "Ordered" in html and "Paid ¥100.00" in html
    with tenant_context(demo.id):
        assert f"T{db.session.scalar(select(Order.id))}" in html  # the transaction id
    revealed = post(console, f"/console/orders/{number}/address")
    assert revealed.status_code == 200 and "13812345678" in revealed.get_data(as_text=True)
    assert len(audits(demo, "personal_data.reveal")) == 1


def test_an_operator_cannot_reveal_the_phone(platform_client, shop):
    demo, _tea, (leaves, _cup), member = shop
    number = place(demo, member, [(leaves, 1)])
    create_staff(demo, "operator@demo.test", StaffUser.OPERATOR)
    login_staff(platform_client, demo, email="operator@demo.test")
    assert "Show full phone" not in page(platform_client, f"/console/orders/{number}")
    assert post(platform_client, f"/console/orders/{number}/address").status_code == 403
    assert audits(demo, "personal_data.reveal") == []


@pytest.mark.parametrize(("role", "sees_name_and_street", "may_reveal"), [
    (StaffUser.OWNER, True, True), (StaffUser.ADMIN, True, True),
    (StaffUser.OPERATOR, False, False), (StaffUser.VIEWER, False, False)])
def test_each_role_sees_the_receiver_only_as_far_as_it_may(platform_client, shop, role, sees_name_and_street,
                                                           may_reveal):
    demo, tea, (leaves, _cup), member = shop
    number = place(demo, member, [(leaves, 1)], paid=True)
    email = f"{role}@demo.test"
    if role == StaffUser.OWNER:
        login_staff(platform_client, demo)
    else:
        create_staff(demo, email, role)
        login_staff(platform_client, demo, email=email)
    html = page(platform_client, f"/console/orders/{number}")
    assert "138****5678" in html and "13812345678" not in html  # the phone: masked for everyone
    if sees_name_and_street:
        assert "张三" in html and "文三路 100 号" in html
    else:
        assert "张*" in html and "文三路****" in html
        assert "张三" not in html and "100 号" not in html
    assert "西湖区" in html  # the region stays: it is what a parcel's price and carrier depend on
    revealed = post(platform_client, f"/console/orders/{number}/address")
    assert revealed.status_code == (200 if may_reveal else 403)
    if may_reveal:
        body = revealed.get_data(as_text=True)
        assert "张三" in body and "13812345678" in body and "文三路 100 号" in body
    assert len(audits(demo, "personal_data.reveal")) == (1 if may_reveal else 0)
    login_staff(platform_client, tea)  # another store's staff finds nothing to reveal
    assert post(platform_client, f"/console/orders/{number}/address", "/console/orders").status_code == 404


@pytest.mark.parametrize(("role", "sees_name"), [
    (StaffUser.OWNER, True), (StaffUser.ADMIN, True), (StaffUser.OPERATOR, False), (StaffUser.VIEWER, False)])
def test_the_packing_list_names_the_receiver_as_the_order_page_does(platform_client, shop, role, sees_name):
    demo, _tea, (leaves, _cup), member = shop
    paid(demo, member, (leaves, 1))  # paid as WeChat's answer records it: a packing list waits
    if role == StaffUser.OWNER:
        login_staff(platform_client, demo)
    else:
        create_staff(demo, f"{role}@demo.test", role)
        login_staff(platform_client, demo, email=f"{role}@demo.test")
    html = page(platform_client, "/console/packing")
    assert "138****5678" in html and "13812345678" not in html
    assert ("张三" in html) is sees_name and ("张*" in html) is not sees_name


def test_masking_keeps_the_family_name_and_the_street_name_only():
    assert (mask_name("张三"), mask_name("欧阳娜娜"), mask_name("")) == ("张*", "欧***", "")
    assert mask_street("文三路 100 号") == "文三路****"
    assert mask_street("5号楼") == "****" and mask_street("") == ""
    assert "8" not in mask_street("88号创业大厦 8 楼")


def test_the_remark_is_saved_and_audited_and_a_long_one_refused(console, shop):
    demo, _tea, (leaves, _cup), member = shop
    number = place(demo, member, [(leaves, 1)])
    assert post(console, f"/console/orders/{number}/remark", remark="  周五前发顺丰 ").status_code == 302
    assert "周五前发顺丰" in page(console, f"/console/orders/{number}")
    refused = post(console, f"/console/orders/{number}/remark", remark="长" * 501)
    assert refused.status_code == 422 and "at most 500 characters" in refused.get_data(as_text=True)
    with tenant_context(demo.id):
        assert db.session.scalar(select(Order.merchant_remark)) == "周五前发顺丰"
    [entry] = audits(demo, "order.remark")
    assert entry.details == {"before": None, "after": "周五前发顺丰"}


def test_cancelling_an_unpaid_order_puts_its_stock_back(console, shop):
    demo, _tea, (leaves, _cup), member = shop
    number = place(demo, member, [(leaves, 2)])
    assert stock(demo, leaves) == 3
    assert post(console, f"/console/orders/{number}/cancel").status_code == 302
    assert stock(demo, leaves) == 5 and the_order(demo).status == "cancelled"
    again = post(console, f"/console/orders/{number}/cancel")
    assert again.status_code == 409 and "Only an unpaid order can be cancelled." in again.get_data(as_text=True)
    assert len(audits(demo, "order.cancel")) == 1


def test_a_paid_order_is_shipped_in_two_parcels(console, shop):
    demo, _tea, (leaves, cup), member = shop
    number = place(demo, member, [(leaves, 1), (cup, 3)], paid=True)
    with tenant_context(demo.id):
        leaves_line, cup_line = db.session.scalars(select(OrderLine.id).order_by(OrderLine.id)).all()
    first = post(console, f"/console/orders/{number}/ship", carrier="shunfeng", tracking_number="SF1234567890",
                 **{f"ship_{leaves_line}": "1", f"ship_{cup_line}": "1"})
    assert first.status_code == 302, first.get_data(as_text=True)
    assert the_order(demo).status == "partially_shipped"
    too_many = post(console, f"/console/orders/{number}/ship", carrier="yuantong", tracking_number="YT0000000001",
                    **{f"ship_{cup_line}": "3"})
    assert too_many.status_code == 422 and "Only 2 of 茶杯 are left to send." in too_many.get_data(as_text=True)
    assert the_order(demo).status == "partially_shipped"
    rest = post(console, f"/console/orders/{number}/ship", carrier="yuantong", tracking_number="YT0000000001",
                **{f"ship_{cup_line}": "2"})
    assert rest.status_code == 302
    assert the_order(demo).status == "shipped"
    html = page(console, f"/console/orders/{number}")
    assert "SF1234567890" in html and "YT0000000001" in html and "Ship a parcel" not in html


def test_a_refund_goes_through_wechat_pay_and_more_than_is_left_is_refused(console, shop, store_client,
                                                                           platform_client, wechat):  # noqa: F811
    demo, _tea, (leaves, _cup), _member = shop
    with tenant_context(demo.id):
        product_id = db.session.get(SKU, leaves).product_id
    order, trade = paid_order(store_client("demo"), demo, product_id, leaves, wechat, platform_client, quantity=2)
    with tenant_context(demo.id):
        number, line_id = db.session.get(Order, order.id).number, db.session.scalar(select(OrderLine.id))
    assert stock(demo, leaves) == 3
    path = f"/console/orders/{number}/refund"
    assert post(console, path, amount="50", reason="少发一件", **{f"restock_{line_id}": "1"}).status_code == 302
    assert stock(demo, leaves) == 4
    html = page(console, f"/console/orders/{number}")
    assert "¥50.00 can still be refunded." in html and "Refund of ¥50.00" in html
    refused = post(console, path, amount="50.01", reason="")
    assert refused.status_code == 422 and "At most ¥50.00 can still be refunded." in refused.get_data(as_text=True)
    assert trade.refunded == 5000
    settle_at_wechat(wechat, platform_client, demo, trade)
    assert (the_order(demo).status, the_order(demo).refunded_amount) == ("paid", 5000)
    assert "Refund of ¥50.00: Refunded" in page(console, f"/console/orders/{number}")


@pytest.mark.parametrize("action", ["remark", "cancel", "ship", "refund", "address"])
def test_a_viewer_may_look_but_every_action_is_refused(platform_client, shop, action):
    demo, _tea, (leaves, _cup), member = shop
    number = place(demo, member, [(leaves, 1)])
    create_staff(demo, "viewer@demo.test", StaffUser.VIEWER)
    login_staff(platform_client, demo, email="viewer@demo.test")
    html = page(platform_client, f"/console/orders/{number}")
    assert "Cancel order" not in html and "Save remark" not in html
    assert post(platform_client, f"/console/orders/{number}/{action}", remark="x", amount="1").status_code == 403
    assert the_order(demo).status == "pending_payment" and the_order(demo).merchant_remark is None


def test_actions_need_the_csrf_token(console, shop):
    demo, _tea, (leaves, _cup), member = shop
    number = place(demo, member, [(leaves, 1)])
    for action in ("remark", "cancel", "address"):
        assert console.post(f"/console/orders/{number}/{action}", data={"remark": "x"}).status_code == 400
    assert console.post("/console/orders/export.csv", data={"full": "1"}).status_code == 400
    assert the_order(demo).status == "pending_payment" and the_order(demo).merchant_remark is None
