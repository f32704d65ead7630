"""A shopper's copy of their data and the closing of their account, in one store, with a
second store that must stay untouched; after an erasure every ledger still balances."""
import io
import json
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from commerce.marketing.coupons.models import Coupon, MemberCoupon
from commerce.marketing.distribution.models import Commission, Distributor, Referral
from commerce.members.ledger import post_entry
from commerce.members.models import Address, BalanceEntry, Member, PointsEntry
from commerce.members.personal_data import StoredValueLeft
from commerce.members.rights import (
    ERASED_NICKNAME,
    DataExport,
    ExportLinkInvalid,
    MemberErased,
    download_token,
    erase_member,
    expire_data_exports,
    request_data_export,
    take_data_export,
)
from commerce.members.wechat_login import NotAuthenticated, issue_api_token, member_for_openid, member_from_api_token
from commerce.orders.models import Order
from commerce.orders.payments import record_payment
from commerce.orders.personal_data import ANONYMISED_NAME, OpenOrders
from commerce.orders.service import Wanted, place_order
from core.audit import AuditLog
from core.errors import DomainError
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from tests.factories import create_member, create_product, create_store, sku_of
from tests.ledgers import assert_ledgers_balance


@pytest.fixture
def private_root(app, tmp_path):
    previous = app.config.get("PRIVATE_ROOT")
    app.config["PRIVATE_ROOT"] = str(tmp_path / "private")
    yield tmp_path / "private"
    app.config["PRIVATE_ROOT"] = previous


@pytest.fixture
def shop(app_ctx, private_root):
    """demo: 小明 (openid o-ming, points, a coupon, a completed order, referred by 小红) and
    小红; tea: its own 小明 with the same openid. ``(demo, tea, ming, hong, tea_ming, sku)``."""
    demo, tea = create_store("demo"), create_store("tea")
    sku = sku_of(demo, create_product(demo, "龙井", price=5000, stock=50))
    ming, _ = create_member(demo, nickname="小明", openid="o-ming")
    hong, _ = create_member(demo, nickname="小红", openid="o-hong")
    tea_ming, _ = create_member(tea, nickname="茶店小明", openid="o-ming")
    with tenant_context(demo.id):
        db.session.execute(update(Member).where(Member.id == ming).values(phone="13900001111"))
        post_entry(PointsEntry, ming, 120, PointsEntry.SIGN_IN, "sign_in:test")
        coupon = Coupon(name="满100减10", kind=Coupon.AMOUNT_OFF, amount_off=1000, threshold=10000,
                        scope=Coupon.ALL, target_ids=[], valid_days=7, per_member_limit=1, stackable=False,
                        status=Coupon.ACTIVE, claimed_count=1)
        db.session.add(coupon)
        db.session.flush()
        db.session.add(MemberCoupon(coupon_id=coupon.id, member_id=ming, claim_number=1, valid_from=utcnow(),
                                    valid_until=utcnow() + timedelta(days=7)))
        db.session.add(Referral(member_id=ming, referrer_id=hong))
        db.session.commit()
    with tenant_context(tea.id):
        post_entry(PointsEntry, tea_ming, 30, PointsEntry.SIGN_IN, "sign_in:test")
        db.session.commit()
    return demo, tea, ming, hong, tea_ming, sku


def order_for(store, member_id, sku, *, status=Order.COMPLETED):
    with tenant_context(store.id):
        address = db.session.scalar(select(Address).where(Address.member_id == member_id))
        order = place_order(member_id=member_id, wanted=[Wanted(sku, 1)], address=address, note="请放门卫")
        if status != Order.PENDING_PAYMENT:
            record_payment(order, f"T{order.id}", None, source="test")
            db.session.execute(update(Order).where(Order.id == order.id)
                               .values(status=status, completed_at=utcnow() if status == Order.COMPLETED else None))
        db.session.commit()
        return order.id


def member(store, member_id):
    with tenant_context(store.id):
        db.session.expire_all()
        return db.session.get(Member, member_id)


# --- export ---------------------------------------------------------------------------

def ready_export(store, member_id, jobs):
    with tenant_context(store.id):
        export = request_data_export(member_id)
        db.session.commit()  # the relay runs right after: the archive is built (eager jobs)
    jobs.drain()  # (with rq: by the worker)
    with tenant_context(store.id):
        db.session.expire_all()
        export = db.session.get(DataExport, export.id)
        assert export.status == DataExport.READY
        token = download_token(export)
        db.session.commit()
        return export.id, token


def test_export_has_every_section_of_that_member_in_that_store_only(shop, jobs):
    demo, tea, ming, _hong, _tea_ming, sku = shop
    order_for(demo, ming, sku)
    export_id, token = ready_export(demo, ming, jobs)
    with tenant_context(demo.id):
        export, content = take_data_export(token)
        db.session.commit()
    archive = zipfile.ZipFile(io.BytesIO(content))
    names = set(archive.namelist())
    data = json.loads(archive.read("data.json"))
    sections = data["sections"]
    assert {"profile", "addresses", "orders", "points", "stored_value", "coupons", "distribution",
            "audit_log"} <= set(sections)
    assert {f"{name}.csv" for name in sections} | {"data.json"} == names
    assert sections["profile"][0]["nickname"] == "小明" and sections["profile"][0]["phone"] == "13900001111"
    assert sections["addresses"][0]["detail"] == "文三路 100 号"
    assert sections["orders"][0]["note"] == "请放门卫" and sections["orders"][0]["lines"][0]["title"] == "龙井"
    assert [row["change"] for row in sections["points"]][:1] == [120]  # signed in (then the order's points)
    assert sections["coupons"][0]["coupon"] == "满100减10"
    text = json.dumps(data, ensure_ascii=False) + "".join(archive.read(name).decode("utf-8-sig") for name in names)
    assert "茶店小明" not in text and "小红" not in text  # another store's member, another member
    assert "小明" in archive.read("profile.csv").decode("utf-8-sig")
    assert export.status == DataExport.DOWNLOADED


def test_export_link_works_once_and_the_file_is_deleted(shop, jobs, private_root):
    demo, _tea, ming, *_ = shop
    _export_id, token = ready_export(demo, ming, jobs)
    assert list(private_root.rglob("*.zip"))
    with tenant_context(demo.id):
        take_data_export(token)
        db.session.commit()
        with pytest.raises(ExportLinkInvalid):
            take_data_export(token)
    assert not list(private_root.rglob("*.zip"))


def test_export_files_are_kept_under_the_stores_private_path_not_the_media_path(shop, jobs, private_root, app):
    demo, _tea, ming, *_ = shop
    ready_export(demo, ming, jobs)
    files = list(private_root.rglob("*.zip"))
    assert [file.parent.name for file in files] == [str(demo.id)]
    client = app.test_client(host="demo.duoshop.test")
    assert client.get(f"/media/{demo.id}/{files[0].name}").status_code == 404


def test_an_expired_link_is_refused_and_the_sweep_deletes_the_file(shop, jobs, private_root):
    demo, _tea, ming, *_ = shop
    _export_id, token = ready_export(demo, ming, jobs)
    later = utcnow() + timedelta(hours=24, seconds=1)
    with tenant_context(demo.id):
        with pytest.raises(ExportLinkInvalid):
            take_data_export(token, now=later)
        assert expire_data_exports(now=later) == 1
        db.session.commit()
        assert db.session.scalar(select(DataExport.status)) == DataExport.EXPIRED
    assert not list(private_root.rglob("*.zip"))


def test_another_members_or_another_stores_token_is_refused(shop, jobs):
    demo, tea, ming, hong, tea_ming, _sku = shop
    _export_id, token = ready_export(demo, ming, jobs)
    _other, hong_token = ready_export(demo, hong, jobs)
    with tenant_context(demo.id), pytest.raises(ExportLinkInvalid):
        take_data_export(token, member_id=hong)  # 小红 signed in, 小明's link
    with tenant_context(tea.id), pytest.raises(ExportLinkInvalid):
        take_data_export(token)  # the right token, the wrong store
    with tenant_context(demo.id):
        with pytest.raises(ExportLinkInvalid):
            take_data_export(token[:-2] + "xx")
        assert take_data_export(hong_token, member_id=hong)[0].member_id == hong


def test_a_new_link_replaces_the_last(shop, jobs):
    demo, _tea, ming, *_ = shop
    export_id, first = ready_export(demo, ming, jobs)
    with tenant_context(demo.id):
        second = download_token(db.session.get(DataExport, export_id))
        db.session.commit()
        with pytest.raises(ExportLinkInvalid):
            take_data_export(first)
        assert take_data_export(second)[1]


def test_asking_twice_gives_the_same_export(shop, jobs):
    demo, _tea, ming, *_ = shop
    export_id, _token = ready_export(demo, ming, jobs)
    with tenant_context(demo.id):
        assert request_data_export(ming).id == export_id


# --- erasure --------------------------------------------------------------------------

def test_erasure_anonymises_the_member_and_keeps_every_ledger_balanced(shop):
    demo, tea, ming, hong, tea_ming, sku = shop
    order_id = order_for(demo, ming, sku)
    hong_order = order_for(demo, hong, sku)
    with tenant_context(demo.id):
        order = db.session.get(Order, hong_order)
        db.session.add(Commission(order_id=hong_order, member_id=ming, level=1, base=order.total, percent=10,
                                  amount=500, status=Commission.SETTLED, settled_at=utcnow()))
        post_entry(BalanceEntry, ming, 500, BalanceEntry.COMMISSION, "commission:test")
        post_entry(BalanceEntry, ming, -500, BalanceEntry.REDEEM, "spend:test")
        db.session.add(Distributor(member_id=ming, status=Distributor.APPROVED))
        db.session.add(Referral(member_id=hong, referrer_id=ming))
        db.session.commit()
        points_before = db.session.get(Member, ming).points
        assert points_before >= 120
        erase_member(ming, now=datetime(2026, 12, 5, tzinfo=UTC))
        db.session.commit()
    erased = member(demo, ming)
    assert (erased.nickname, erased.phone, erased.openid, erased.points) == (ERASED_NICKNAME, None, None, 0)
    assert erased.erased_at is not None
    with tenant_context(demo.id):
        assert db.session.scalars(select(Address).where(Address.member_id == ming)).all() == []
        order = db.session.get(Order, order_id)
        assert (order.ship_name, order.ship_phone, order.ship_detail, order.shopper_note) == (ANONYMISED_NAME, "", "",
                                                                                              None)
        assert order.total == 5000 and order.status == Order.COMPLETED
        assert db.session.scalar(select(MemberCoupon.status)) == MemberCoupon.EXPIRED
        assert db.session.scalars(select(Referral.id)).all() == []  # to and from the closed account
        assert db.session.scalar(select(Distributor.id)) is None
        closed = db.session.scalar(select(PointsEntry).where(PointsEntry.reason == PointsEntry.ACCOUNT_CLOSED))
        assert closed.delta == -points_before and closed.balance_after == 0
        entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "member.erased"))
        assert entry.target_id == str(ming) and entry.actor_type == "system"
    assert_ledgers_balance(demo)
    assert_ledgers_balance(tea)
    untouched = member(tea, tea_ming)
    assert (untouched.nickname, untouched.openid, untouched.points) == ("茶店小明", "o-ming", 30)


def test_after_erasure_the_old_token_is_refused_and_signing_in_makes_a_new_member(shop):
    demo, _tea, ming, *_ = shop
    with tenant_context(demo.id):
        token = issue_api_token(member(demo, ming))
        erase_member(ming)
        db.session.commit()
        with pytest.raises(NotAuthenticated):
            member_from_api_token(token, demo.id)
        again = member_for_openid("o-ming", nickname="小明")
        db.session.commit()
        assert again.id != ming and again.points == 0 and again.erased_at is None
        assert member_from_api_token(issue_api_token(again), demo.id).id == again.id


@pytest.mark.parametrize("status", [Order.PENDING_PAYMENT, Order.PAID, Order.SHIPPED, Order.REFUNDING])
def test_erasure_is_refused_while_an_order_is_open_and_writes_nothing(shop, status):
    demo, _tea, ming, _hong, _tea_ming, sku = shop
    order_for(demo, ming, sku, status=Order.COMPLETED)
    open_order = order_for(demo, ming, sku, status=status)
    points = member(demo, ming).points
    with tenant_context(demo.id):
        with pytest.raises(OpenOrders) as refusal:
            erase_member(ming)
        db.session.rollback()
        number = db.session.get(Order, open_order).number
    assert number in str(refusal.value.message)
    unchanged = member(demo, ming)
    assert (unchanged.nickname, unchanged.openid, unchanged.points, unchanged.erased_at) == ("小明", "o-ming", points,
                                                                                            None)
    with tenant_context(demo.id):
        assert db.session.scalar(select(Order.anonymised_at).where(Order.anonymised_at.is_not(None))) is None
        assert db.session.scalar(select(AuditLog.id).where(AuditLog.action == "member.erased")) is None


def test_erasure_is_refused_while_stored_value_is_left(shop):
    demo, _tea, ming, *_ = shop
    with tenant_context(demo.id):
        post_entry(BalanceEntry, ming, 2550, BalanceEntry.TOP_UP, "top_up:test")
        db.session.commit()
        with pytest.raises(StoredValueLeft) as refusal:
            erase_member(ming)
        db.session.rollback()
    assert "25.50" in str(refusal.value.message)
    assert member(demo, ming).points == 120 and member(demo, ming).erased_at is None


def test_an_erased_member_cannot_be_erased_or_exported_again(shop):
    demo, _tea, ming, *_ = shop
    with tenant_context(demo.id):
        erase_member(ming)
        db.session.commit()
        with pytest.raises(MemberErased):
            erase_member(ming)
        with pytest.raises(MemberErased):
            request_data_export(ming)


@pytest.mark.postgres
def test_an_order_placed_while_the_account_is_being_closed_either_stops_the_erasure_or_is_refused(app, shop):
    """Real threads, one erasing the account and one placing an order, at the same moment:
    never both (an erased member with an open order, or an order nobody can pay for)."""
    demo, *_rest, sku = shop
    shoppers = [create_member(demo, nickname=f"并发{n}", openid=f"o-race-{n}") for n in range(8)]

    def erase(member_id):
        with tenant_context(demo.id):
            try:
                erase_member(member_id)
                db.session.commit()
                return "erased"
            except DomainError:
                db.session.rollback()
                return "refused"

    def place(member_id, address_id):
        with tenant_context(demo.id):
            try:
                place_order(member_id=member_id, wanted=[Wanted(sku, 1)], address=db.session.get(Address, address_id))
                db.session.commit()
                return "placed"
            except DomainError:
                db.session.rollback()
                return "refused"

    outcomes = set()
    for member_id, address_id in shoppers:
        barrier = threading.Barrier(2, timeout=60)

        def run(work, *args, barrier=barrier):
            with app.app_context():
                barrier.wait()
                return work(*args)

        with ThreadPoolExecutor(max_workers=2) as pool:
            erasing, placing = pool.submit(run, erase, member_id), pool.submit(run, place, member_id, address_id)
            outcome = (erasing.result(), placing.result())
        assert outcome in {("erased", "refused"), ("refused", "placed")}, outcome
        outcomes.add(outcome)
        with tenant_context(demo.id):
            db.session.expire_all()
            erased = db.session.get(Member, member_id).erased_at is not None
            open_orders = db.session.scalar(select(func.count(Order.id)).where(
                Order.member_id == member_id, Order.status == Order.PENDING_PAYMENT))
        assert (erased, open_orders) in {(True, 0), (False, 1)}
