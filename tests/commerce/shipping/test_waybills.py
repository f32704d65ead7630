"""Electronic waybills (电子面单) against the 快递100 sandbox over real HTTP: a packing list gets
its waybill and is sent under that number in one step; a request that timed out after the
carrier made the waybill is asked again under the same request id and finds it (one waybill,
never two); several lists at once, one failing without undoing the others; cancelling an
unused waybill; and nothing shared between stores."""
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select, text

from commerce.orders.models import Fulfillment, Order
from commerce.orders.queries import open_packing_page
from commerce.shipping.errors import InvalidWaybillSettings, WaybillFailed
from commerce.shipping.models import Parcel
from commerce.shipping.waybill_api import label_sign
from commerce.shipping.waybill_models import Waybill, WaybillSettings
from commerce.shipping.waybills import (
    cancel_unused_waybill,
    issue_waybill,
    live_waybill,
    reconcile_waybills,
    save_waybill_settings,
    ship_many_with_waybills,
    ship_with_waybill,
    waybill_settings,
)
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from sandbox.kuaidi100 import Kuaidi100Sandbox, create_sandbox_app
from sandbox.kuaidi100.state import DOWN, TIMEOUT_AFTER_WORK
from sandbox.wechatpay.testing import serving
from tests.commerce.orders.test_fulfillment import paid
from tests.factories import create_member, create_product, create_store, sku_of


@pytest.fixture
def shop(app_ctx):
    demo, tea = create_store("demo"), create_store("tea")
    leaves = sku_of(demo, create_product(demo, "龙井", price=5000, stock=50))
    cups = sku_of(tea, create_product(tea, "茶杯", price=1000, stock=50))
    return demo, tea, leaves, cups


@contextmanager
def label_sandbox(app, monkeypatch):
    """The sandbox answering over HTTP, the app pointed at it, waiting at most half a second."""
    sandbox = Kuaidi100Sandbox()
    sandbox.late_by = 1.5
    with serving(create_sandbox_app(sandbox)) as base_url:
        for name, value in {"KUAIDI100_LABEL_URL": f"{base_url}/label/order", "KUAIDI100_KEY": sandbox.key,
                            "KUAIDI100_SECRET": sandbox.secret, "KUAIDI100_LABEL_TIMEOUT": 0.5}.items():
            monkeypatch.setitem(app.config, name, value)
        yield sandbox


@pytest.fixture
def kuaidi100(app_ctx, monkeypatch):
    with label_sandbox(app_ctx, monkeypatch) as sandbox:
        yield sandbox


def set_sender(store, carrier="zhongtong", partner_key=None):
    with tenant_context(store.id):
        save_waybill_settings(carrier=carrier, partner_id="ZT-MONTHLY-01", partner_key=partner_key,
                              sender_name="龙井茶庄", sender_phone="0571-88886666", sender_region="浙江省 杭州市 西湖区",
                              sender_detail="龙井路 1 号", actor=None)
        db.session.commit()


def packing_lists(store):
    with tenant_context(store.id):
        return [packing.id for packing in open_packing_page(per_page=100).items]


def ship(store, packing_id):
    with tenant_context(store.id):
        return ship_with_waybill(db.session.get(Fulfillment, packing_id), actor=None)[0].number


def waybills(store):
    with tenant_context(store.id):
        db.session.expire_all()
        return db.session.scalars(select(Waybill).order_by(Waybill.id)).all()


def parcels(store):
    with tenant_context(store.id):
        return [(parcel.carrier, parcel.tracking_number) for parcel in db.session.scalars(select(Parcel))]


def order_status(store, order_id):
    with tenant_context(store.id):
        return db.session.get(Order, order_id).status


def test_the_label_signature_is_upper_case_md5_of_param_time_key_and_secret():
    assert label_sign('{"a":1}', "1700000000000", "key", "secret") == "02ABE0B0C5C14E06EFBC8395E72B7160"


def test_one_step_gets_the_waybill_and_sends_the_packing_list_under_its_number(shop, kuaidi100):
    demo, _tea, leaves, _cups = shop
    set_sender(demo)
    order = paid(demo, create_member(demo), (leaves, 2))
    [packing] = packing_lists(demo)
    number = ship(demo, packing)
    [made] = kuaidi100.live_waybills()
    assert number == made["kuaidinum"] and number.startswith("ZT")
    assert made["recMan"] == {"name": "张三", "mobile": "13812345678", "printAddr": "浙江省 杭州市 西湖区 文三路 100 号"}
    assert made["sendMan"]["printAddr"] == "浙江省 杭州市 西湖区 龙井路 1 号" and made["cargo"] == "龙井"
    assert order_status(demo, order) == Order.SHIPPED and parcels(demo) == [("zhongtong", number)]
    [waybill] = waybills(demo)
    assert (waybill.status, waybill.number, waybill.routing["count"]) == (Waybill.USED, number, 2)
    assert waybill.routing["bulkpen"]  # the 大头笔 printed on the label
    assert packing_lists(demo) == []


def test_a_request_that_timed_out_after_the_carrier_made_the_waybill_finds_it_again(shop, kuaidi100):
    demo, _tea, leaves, _cups = shop
    set_sender(demo)
    order = paid(demo, create_member(demo), (leaves, 1))
    [packing] = packing_lists(demo)
    kuaidi100.fail_next(TIMEOUT_AFTER_WORK)
    with pytest.raises(WaybillFailed, match="did not answer") as refusal:
        ship(demo, packing)
    assert refusal.value.status == 502
    assert len(kuaidi100.live_waybills()) == 1  # the carrier did make it
    [waiting] = waybills(demo)
    assert waiting.status == Waybill.REQUESTED and waiting.number is None and "did not answer" in waiting.error
    assert order_status(demo, order) == Order.PAID and packing_lists(demo) == [packing]

    number = ship(demo, packing)  # the merchant presses again
    assert kuaidi100.label_requests == 2 and len(kuaidi100.live_waybills()) == 1  # asked twice, one waybill
    assert number == kuaidi100.live_waybills()[0]["kuaidinum"]
    [waybill] = waybills(demo)
    assert (waybill.request_id, waybill.status, waybill.attempts) == (waiting.request_id, Waybill.USED, 2)
    assert order_status(demo, order) == Order.SHIPPED and parcels(demo) == [("zhongtong", number)]


def failed_once(shop, kuaidi100, fault):
    """A paid order's packing list whose first 获取面单并发货 met ``fault``: ``(store, list id)``."""
    demo, _tea, leaves, _cups = shop
    set_sender(demo)
    paid(demo, create_member(demo), (leaves, 1))
    [packing] = packing_lists(demo)
    kuaidi100.fail_next(fault)
    with pytest.raises(WaybillFailed):
        ship(demo, packing)
    return demo, packing


def test_the_sweep_asks_again_for_a_lost_answer_and_keeps_the_same_waybill(shop, kuaidi100):
    demo, packing = failed_once(shop, kuaidi100, TIMEOUT_AFTER_WORK)
    with tenant_context(demo.id):
        assert reconcile_waybills(now=utcnow()) == 0  # too early: the answer may still come
        assert reconcile_waybills(now=utcnow() + timedelta(minutes=6)) == 1
        db.session.commit()
    [waybill] = waybills(demo)
    assert waybill.status == Waybill.ISSUED and waybill.number == kuaidi100.live_waybills()[0]["kuaidinum"]
    assert ship(demo, packing) == waybill.number  # sent under it, nothing asked of the carrier
    assert kuaidi100.label_requests == 2 and len(kuaidi100.live_waybills()) == 1


def test_a_carrier_that_is_down_leaves_the_list_open_and_the_request_id_for_the_next_try(shop, kuaidi100):
    demo, packing = failed_once(shop, kuaidi100, DOWN)
    assert kuaidi100.live_waybills() == [] and parcels(demo) == []
    first_id = waybills(demo)[0].request_id
    ship(demo, packing)
    assert [waybill.request_id for waybill in waybills(demo)] == [first_id]
    assert [waybill["orderId"] for waybill in kuaidi100.live_waybills()] == [first_id]


def test_without_a_sender_nothing_is_asked_of_the_carrier(shop, kuaidi100):
    demo, _tea, leaves, _cups = shop
    paid(demo, create_member(demo), (leaves, 1))
    [packing] = packing_lists(demo)
    with pytest.raises(InvalidWaybillSettings, match="sender"):
        ship(demo, packing)
    assert kuaidi100.label_requests == 0 and waybills(demo) == [] and packing_lists(demo) == [packing]


def test_several_lists_at_once_each_get_their_own_waybill_and_a_refused_one_undoes_nothing(shop, kuaidi100):
    demo, _tea, leaves, _cups = shop
    set_sender(demo)
    kuaidi100.out_of_area = ["西藏"]
    first = paid(demo, create_member(demo, nickname="甲"), (leaves, 1))
    far = paid(demo, create_member(demo, nickname="乙", province_code="540000"), (leaves, 1))
    last = paid(demo, create_member(demo, nickname="丙"), (leaves, 3))
    with tenant_context(demo.id):
        lists = db.session.scalars(select(Fulfillment).order_by(Fulfillment.id)).all()
        results = ship_many_with_waybills(lists, actor=None)
        outcome = [(fulfillment.id, waybill.number if waybill else None, message) for fulfillment, waybill, message
                   in results]
    assert [number is not None for _id, number, _m in outcome] == [True, False, True]
    assert "超区" in outcome[1][2] and outcome[0][1] != outcome[2][1]
    assert [order_status(demo, order) for order in (first, far, last)] == [Order.SHIPPED, Order.PAID, Order.SHIPPED]
    assert packing_lists(demo) == [outcome[1][0]]
    refused = [waybill for waybill in waybills(demo) if waybill.status == Waybill.REQUESTED]
    assert len(refused) == 1 and "超区" in refused[0].error
    assert len(kuaidi100.live_waybills()) == 2


def test_once_the_carrier_is_silent_the_lists_after_it_are_not_tried(shop, kuaidi100):
    demo, _tea, leaves, _cups = shop
    set_sender(demo)
    for nickname in ("甲", "乙", "丙"):
        paid(demo, create_member(demo, nickname=nickname), (leaves, 1))
    kuaidi100.fail_next(None)  # the first answers
    kuaidi100.fail_next(DOWN)  # the second meets a carrier that is down
    with tenant_context(demo.id):
        lists = db.session.scalars(select(Fulfillment).order_by(Fulfillment.id)).all()
        outcome = [(bool(waybill), message) for _f, waybill, message in ship_many_with_waybills(lists, actor=None)]
    assert [sent for sent, _message in outcome] == [True, False, False]
    assert "did not answer" in outcome[1][1] and outcome[2][1].startswith("Not tried")
    assert kuaidi100.label_requests == 2  # the third was not asked


def test_an_unused_waybill_can_be_cancelled_and_a_used_one_cannot(shop, kuaidi100):
    demo, _tea, leaves, _cups = shop
    set_sender(demo)
    paid(demo, create_member(demo, nickname="甲"), (leaves, 1))
    paid(demo, create_member(demo, nickname="乙"), (leaves, 1))
    first, second = packing_lists(demo)
    with tenant_context(demo.id):
        unused = issue_waybill(db.session.get(Fulfillment, first), actor=None)
        cancel_unused_waybill(unused, actor=None)
        db.session.commit()
    assert kuaidi100.live_waybills() == []
    ship(demo, second)
    with tenant_context(demo.id):
        used = live_waybill(second)
        with pytest.raises(WaybillFailed, match="not yet used"):
            cancel_unused_waybill(used, actor=None)
        assert live_waybill(first) is None  # cancelled: the list may get a new one
    fresh = ship(demo, first)
    assert fresh != unused.number and len(kuaidi100.live_waybills()) == 2


def test_the_carrier_account_password_is_stored_encrypted(shop):
    demo, _tea, _leaves, _cups = shop
    set_sender(demo, partner_key="yuejie-secret-123")
    with tenant_context(demo.id):
        stored = db.session.execute(text("SELECT partner_key FROM waybill_settings")).scalar()
        assert "yuejie-secret-123" not in stored and waybill_settings().partner_key == "yuejie-secret-123"
        save_waybill_settings(carrier="shunfeng", partner_id="", partner_key="", sender_name="茶庄",
                              sender_phone="13900000000", sender_region="浙江省 杭州市", sender_detail="1 号", actor=None)
        assert waybill_settings().partner_key == "yuejie-secret-123"  # left empty: kept


def test_settings_with_a_missing_sender_part_are_refused(shop):
    demo, _tea, _leaves, _cups = shop
    with tenant_context(demo.id), pytest.raises(InvalidWaybillSettings) as refusal:
        save_waybill_settings(carrier="shunfeng", partner_id="", partner_key="", sender_name="茶庄",
                              sender_phone=" ", sender_region="浙江省", sender_detail="1 号", actor=None)
    assert refusal.value.field == "sender_phone"


def test_another_store_sees_neither_the_settings_nor_the_waybills(shop, kuaidi100):
    demo, tea, leaves, cups = shop
    set_sender(demo)
    paid(demo, create_member(demo), (leaves, 1))
    [packing] = packing_lists(demo)
    ship(demo, packing)
    with tenant_context(tea.id):
        assert waybill_settings() is None and live_waybill(packing) is None
        assert db.session.scalar(select(func.count()).select_from(Waybill)) == 0
        assert db.session.scalar(select(func.count()).select_from(WaybillSettings)) == 0
    paid(tea, create_member(tea), (cups, 1))
    [tea_packing] = packing_lists(tea)
    with pytest.raises(InvalidWaybillSettings):  # demo's sender is not tea's
        ship(tea, tea_packing)


@pytest.mark.postgres
def test_twenty_simultaneous_presses_make_one_waybill_and_one_shipment(app, shop, kuaidi100):
    demo, _tea, leaves, _cups = shop
    set_sender(demo)
    order = paid(demo, create_member(demo), (leaves, 1))
    [packing] = packing_lists(demo)
    barrier = threading.Barrier(20, timeout=60)

    def press(_):
        with app.app_context(), force_locale("en"), tenant_context(demo.id):
            barrier.wait()
            try:
                return ship_with_waybill(db.session.get(Fulfillment, packing), actor=None)[0].number
            except (WaybillFailed, InvalidWaybillSettings) as refusal:
                return refusal.message
            except Exception as refusal:  # OrderStateError: sent by another press
                return getattr(refusal, "message", repr(refusal))
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(press, range(20)))
    numbers = [answer for answer in answers if answer.startswith("ZT")]
    assert len(numbers) == 1 and len(kuaidi100.live_waybills()) == 1
    # The others are refused (ship_fulfillment's race check; its wording depends on when it looked).
    assert [answer for answer in answers if answer not in numbers
            and "already been sent" not in answer and "Nothing on this packing list" not in answer] == []
    assert parcels(demo) == [("zhongtong", numbers[0])] and order_status(demo, order) == Order.SHIPPED
    assert [(waybill.status, waybill.number) for waybill in waybills(demo)] == [(Waybill.USED, numbers[0])]
