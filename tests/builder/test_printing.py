"""Printing in the console: packing lists (one per page, A4 or A5), a picking list adding up
several packing lists per warehouse and SKU, an order, and 100 × 180 mm waybill labels;
receivers masked as the order page masks them; the ticked lists' buttons; 获取面单并发货 for
one list or several, a failure named per list; waybill settings; nothing of another store."""
import re

import pytest
from sqlalchemy import select, update

from commerce.catalog.models import Product
from commerce.orders.models import Fulfillment, Order
from commerce.shipping.waybill_models import Waybill, WaybillSettings
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tests.commerce.orders.test_fulfillment import paid
from tests.commerce.shipping.test_waybills import label_sandbox, set_sender
from tests.conftest import csrf_from
from tests.factories import create_member, create_product, create_staff, create_store, login_staff, sku_of

EN = {"Accept-Language": "en"}


@pytest.fixture
def shop(app_ctx):
    demo, tea = create_store("demo"), create_store("tea")
    leaves = create_product(demo, "龙井", price=5000, stock=50)
    cups = create_product(demo, "青瓷茶杯", price=1200, stock=50)
    with tenant_context(demo.id):
        db.session.execute(update(Product).where(Product.id == cups).values(warehouse="景德镇仓"))
        db.session.commit()
    tea_pot = create_product(tea, "紫砂壶", price=30000, stock=5)
    return demo, tea, sku_of(demo, leaves), sku_of(demo, cups), sku_of(tea, tea_pot)


@pytest.fixture
def kuaidi100(app_ctx, monkeypatch):
    with label_sandbox(app_ctx, monkeypatch) as sandbox:
        yield sandbox


@pytest.fixture
def console(platform_client, shop):
    login_staff(platform_client, shop[0])
    return platform_client


def packing_ids(store):
    with tenant_context(store.id):
        return db.session.scalars(select(Fulfillment.id).where(Fulfillment.status == Fulfillment.OPEN)
                                  .order_by(Fulfillment.id)).all()


def text_of(response):
    return response.get_data(as_text=True)


def get(client, path):
    return client.get(path, headers=EN)


def post(client, path, page="/console/packing", **data):
    return client.post(path, headers=EN, data={"csrf_token": csrf_from(client, page), **data})


def test_packing_lists_print_one_document_each_with_what_is_left_to_send(console, shop):
    demo, _tea, leaves, cups, _pot = shop
    first = paid(demo, create_member(demo, nickname="甲"), (leaves, 2), (cups, 1))  # two warehouses: two lists
    second = paid(demo, create_member(demo, nickname="乙"), (leaves, 4))
    ids = packing_ids(demo)
    assert len(ids) == 3
    page = get(console, f"/console/print/packing?ids={','.join(map(str, ids))}")
    html = text_of(page)
    assert page.status_code == 200 and html.count('class="sheet sheet-a4 packing-document"') == 3
    assert [f"FH{packing_id:06d}" in html for packing_id in ids] == [True, True, True]
    with tenant_context(demo.id):
        numbers = db.session.scalars(select(Order.number).where(Order.id.in_([first, second]))).all()
    assert all(number in html for number in numbers)
    assert "景德镇仓" in html and 'class="num qty">4<' in html
    assert "topnav" not in html and "print.css" in html  # no console chrome
    a5 = text_of(get(console, f"/console/print/packing?ids={ids[0]}&size=a5"))
    assert 'sheet sheet-a5' in a5 and a5.count("packing-document") == 1


@pytest.mark.parametrize(("role", "sees_name"), [(StaffUser.OWNER, True), (StaffUser.OPERATOR, False)])
def test_printed_receivers_are_masked_as_the_order_page_masks_them(platform_client, shop, role, sees_name):
    demo, _tea, leaves, _cups, _pot = shop
    number_id = paid(demo, create_member(demo), (leaves, 1))
    if role != StaffUser.OWNER:
        create_staff(demo, "op@demo.test", role)
    login_staff(platform_client, demo, email=None if role == StaffUser.OWNER else "op@demo.test")
    with tenant_context(demo.id):
        number = db.session.get(Order, number_id).number
    for path in (f"/console/print/packing?ids={packing_ids(demo)[0]}", f"/console/print/orders/{number}"):
        html = text_of(get(platform_client, path))
        assert "138****5678" in html and "13812345678" not in html
        assert ("张三" in html) is sees_name and ("文三路 100 号" in html) is sees_name


def test_a_picking_list_adds_up_each_sku_per_warehouse_with_a_box_to_tick(console, shop):
    demo, _tea, leaves, cups, _pot = shop
    paid(demo, create_member(demo, nickname="甲"), (leaves, 2), (cups, 1))
    paid(demo, create_member(demo, nickname="乙"), (leaves, 3))
    paid(demo, create_member(demo, nickname="丙"), (cups, 5))
    ids = packing_ids(demo)
    html = text_of(get(console, f"/console/print/picking?ids={','.join(map(str, ids))}"))
    rows = re.findall(r'<td class="tick-col"><span class="tick-box"></span></td><td>(.+?)</td>.*?'
                      r'<td class="num qty">(\d+)</td>', html, re.S)
    assert rows == [("龙井", "5"), ("青瓷茶杯", "6")]
    assert "Warehouse: Main warehouse · 5 units" in html and "Warehouse: 景德镇仓 · 6 units" in html
    assert 'class="num qty">11<' in html  # the grand total
    assert html.count("picking-document") == 1


def test_another_stores_packing_lists_print_nothing(console, shop):
    demo, tea, leaves, _cups, pot = shop
    paid(tea, create_member(tea), (pot, 1))
    [tea_list] = packing_ids(tea)
    assert get(console, f"/console/print/packing?ids={tea_list}").status_code == 404
    assert get(console, f"/console/print/picking?ids={tea_list}").status_code == 404
    paid(demo, create_member(demo), (leaves, 1))
    [demo_list] = packing_ids(demo)
    html = text_of(get(console, f"/console/print/packing?ids={tea_list},{demo_list}"))
    assert html.count("packing-document") == 1 and "紫砂壶" not in html


def test_the_order_prints_its_lines_and_the_quotes_totals(console, shop):
    demo, _tea, leaves, cups, _pot = shop
    order_id = paid(demo, create_member(demo), (leaves, 2), (cups, 1))
    with tenant_context(demo.id):
        order = db.session.get(Order, order_id)
        number, total = order.number, order.total
    html = text_of(get(console, f"/console/print/orders/{number}"))
    assert "Order details" in html and number in html and "龙井" in html and "青瓷茶杯" in html
    assert f"{total // 100}.{total % 100:02d}" in html
    assert get(console, "/console/print/orders/NOPE").status_code == 404


def test_ticked_lists_go_to_the_print_view_and_none_ticked_is_said(console, shop):
    demo, _tea, leaves, _cups, _pot = shop
    paid(demo, create_member(demo, nickname="甲"), (leaves, 1))
    paid(demo, create_member(demo, nickname="乙"), (leaves, 1))
    first, second = packing_ids(demo)
    page = text_of(get(console, "/console/packing"))
    assert 'form="packing-bulk"' in page and "Print picking list" in page and "Get waybills and send" in page
    picked = console.post("/console/packing/selected", headers=EN, data={
        "csrf_token": csrf_from(console, "/console/packing"), "action": "print_picking",
        "packing": [str(first), str(second)]})
    assert picked.status_code == 303 and picked.location.endswith(f"/console/print/picking?ids={first},{second}")
    packing = post(console, "/console/packing/selected", action="print_packing", packing=str(second), size="a5")
    assert packing.status_code == 303 and "size=a5" in packing.location
    nothing = post(console, "/console/packing/selected", action="print_packing")
    assert nothing.status_code == 302
    assert "Tick at least one packing list." in text_of(get(console, "/console/packing"))


def test_getting_waybills_for_ticked_lists_sends_each_and_names_the_one_that_failed(console, shop, kuaidi100):
    demo, _tea, leaves, _cups, _pot = shop
    set_sender(demo)
    kuaidi100.out_of_area = ["西藏"]
    near = paid(demo, create_member(demo, nickname="甲"), (leaves, 1))
    far = paid(demo, create_member(demo, nickname="乙", province_code="540000"), (leaves, 1))
    first, second = packing_ids(demo)
    answer = console.post("/console/packing/selected", headers=EN, data={
        "csrf_token": csrf_from(console, "/console/packing"), "action": "waybills",
        "packing": [str(first), str(second)]})
    html = text_of(answer)
    assert answer.status_code == 200 and "1 of 2 packing lists sent." in html
    assert f"FH{second:06d}" in html and "Not sent" in html and "超区" in html
    with tenant_context(demo.id):
        assert db.session.get(Order, near).status == Order.SHIPPED and db.session.get(Order, far).status == Order.PAID
        waybill = db.session.scalar(select(Waybill).where(Waybill.status == Waybill.USED))
    assert waybill.number in html and f"/console/print/waybills?ids={waybill.id}" in html
    label = text_of(get(console, f"/console/print/waybills?ids={waybill.id}"))
    assert 'class="sheet sheet-label waybill-label"' in label and '<svg class="barcode"' in label
    assert "style=" not in label.split("<svg", 1)[1].split("</svg>", 1)[0]  # the CSP allows no inline styles
    assert "张*" in label and "138****5678" in label and "文三路 100 号" in label  # 隐私面单: the street stays
    assert "龙井茶庄" in label and waybill.routing["bulkpen"] in label
    assert packing_ids(demo) == [second]


def test_more_lists_than_one_press_may_take_are_refused_before_asking_the_carrier(console, shop, kuaidi100):
    set_sender(shop[0])
    answer = console.post("/console/packing/selected", headers=EN, data={
        "csrf_token": csrf_from(console, "/console/packing"), "action": "waybills",
        "packing": [str(number) for number in range(1, 22)]})
    assert answer.status_code == 302 and kuaidi100.label_requests == 0
    assert "at most 20 packing lists at once" in text_of(get(console, "/console/packing"))


def test_one_list_gets_its_waybill_and_is_sent_then_the_label_is_offered(console, shop, kuaidi100):
    demo, _tea, leaves, _cups, _pot = shop
    set_sender(demo)
    paid(demo, create_member(demo), (leaves, 1))
    [packing] = packing_ids(demo)
    answer = post(console, f"/console/packing/{packing}/waybill")
    assert answer.status_code == 302 and "/console/waybills?printed=" in answer.location
    page = text_of(console.get(answer.location, headers=EN))
    [made] = kuaidi100.live_waybills()
    assert f"Sent with 中通快递 waybill {made['kuaidinum']}." in page and "Print the waybill" in page


def test_a_timed_out_request_is_said_and_pressing_again_ships_under_the_same_waybill(console, shop, kuaidi100):
    from sandbox.kuaidi100.state import TIMEOUT_AFTER_WORK

    demo, _tea, leaves, _cups, _pot = shop
    set_sender(demo)
    paid(demo, create_member(demo), (leaves, 1))
    [packing] = packing_ids(demo)
    kuaidi100.fail_next(TIMEOUT_AFTER_WORK)
    post(console, f"/console/packing/{packing}/waybill")
    page = text_of(get(console, "/console/packing"))
    assert "The carrier did not answer. Try again" in page and "waiting for the carrier" in page
    assert post(console, f"/console/packing/{packing}/waybill").status_code == 302
    assert len(kuaidi100.live_waybills()) == 1 and packing_ids(demo) == []


def test_an_unused_waybill_is_cancelled_from_the_list(console, shop, kuaidi100):
    from commerce.shipping.waybills import issue_waybill

    demo, _tea, leaves, _cups, _pot = shop
    set_sender(demo)
    paid(demo, create_member(demo), (leaves, 1))
    [packing] = packing_ids(demo)
    with tenant_context(demo.id):
        waybill_id = issue_waybill(db.session.get(Fulfillment, packing), actor=None).id
    page = text_of(get(console, "/console/waybills"))
    assert "Issued, not sent" in page and f"/console/waybills/{waybill_id}/cancel" in page
    assert post(console, f"/console/waybills/{waybill_id}/cancel", page="/console/waybills").status_code == 302
    assert "cancelled." in text_of(get(console, "/console/waybills")) and kuaidi100.live_waybills() == []


def test_waybill_settings_are_saved_and_a_bad_phone_is_refused_on_its_field(console, shop):
    demo, _tea, _leaves, _cups, _pot = shop
    form = {"carrier": "shunfeng", "partner_id": "0571123456", "partner_key": "pw-123", "sender_name": "龙井茶庄",
            "sender_phone": "电话", "sender_region": "浙江省 杭州市 西湖区", "sender_detail": "龙井路 1 号"}
    refused = post(console, "/console/waybills/settings", page="/console/waybills/settings", **form)
    assert refused.status_code == 422 and "Digits, spaces, + and - only." in text_of(refused)
    with tenant_context(demo.id):
        assert db.session.scalar(select(WaybillSettings)) is None
    saved = post(console, "/console/waybills/settings", page="/console/waybills/settings",
                 **{**form, "sender_phone": "0571-88886666"})
    assert saved.status_code == 302
    again = text_of(get(console, "/console/waybills/settings"))
    assert "0571-88886666" in again and "pw-123" not in again  # the password is never shown again


def test_a_viewer_prints_but_gets_no_waybill(platform_client, shop, kuaidi100):
    demo, _tea, leaves, _cups, _pot = shop
    set_sender(demo)
    paid(demo, create_member(demo), (leaves, 1))
    [packing] = packing_ids(demo)
    create_staff(demo, "viewer@demo.test", StaffUser.VIEWER)
    login_staff(platform_client, demo, email="viewer@demo.test")
    assert get(platform_client, f"/console/print/packing?ids={packing}").status_code == 200
    assert "Get waybills and send" not in text_of(get(platform_client, "/console/packing"))
    assert post(platform_client, f"/console/packing/{packing}/waybill").status_code == 403
    assert post(platform_client, "/console/packing/selected", action="waybills", packing=str(packing)).status_code == 403
    assert kuaidi100.label_requests == 0


def test_another_stores_waybills_are_neither_printed_nor_cancelled(platform_client, shop, kuaidi100):
    demo, tea, _leaves, _cups, pot = shop
    set_sender(tea)
    paid(tea, create_member(tea), (pot, 1))
    [tea_list] = packing_ids(tea)
    login_staff(platform_client, tea)
    post(platform_client, f"/console/packing/{tea_list}/waybill")
    with tenant_context(tea.id):
        waybill_id = db.session.scalar(select(Waybill.id))
    platform_client.post("/console/logout", data={"csrf_token": csrf_from(platform_client, "/console/packing")})
    login_staff(platform_client, demo)
    assert get(platform_client, f"/console/print/waybills?ids={waybill_id}").status_code == 404
    assert post(platform_client, f"/console/waybills/{waybill_id}/cancel", page="/console/waybills").status_code == 404
    assert post(platform_client, f"/console/packing/{tea_list}/waybill").status_code == 404
