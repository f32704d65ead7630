"""Pre-sales (预售): the quote's deposit/balance split, the deposit and the balance each paid
once under its own out_trade_no (WeChat Pay or the balance), the balance window, an unpaid
balance closing the order (deposit kept or refunded as the merchant chose), nothing packed
before the ship-from date, big pre-sales spread over the warehouses, no oversell, and
stores kept apart."""
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from commerce.catalog.models import SKU, Product
from commerce.marketing.presales.errors import PresaleProblem, PresaleSoldOut
from commerce.marketing.presales.jobs import release_due_presale_orders
from commerce.marketing.presales.models import Presale, PresaleItem, PresaleOrder
from commerce.marketing.presales.service import create_presale, save_presale_settings
from commerce.members.models import Address, BalanceEntry, Member
from commerce.members.wallet import refund_to_balance
from commerce.orders.errors import OrderStateError, SoldOut
from commerce.orders.instalments import instalments_of
from commerce.orders.jobs import cancel_unpaid_order, reconcile_unpaid_orders
from commerce.orders.models import Fulfillment, FulfillmentLine, Order, OrderInstalment
from commerce.orders.payments import pay_with_balance, record_payment, start_payment
from commerce.orders.service import Wanted, cancel_by_shopper, place_order
from commerce.pricing import Campaign, CampaignUnavailable, Item, quote_for
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context
from payments.models import PaymentEvent
from tests.factories import create_member, create_product, create_store, sku_of

DAY = timedelta(days=1)


def presale(store, product_id, sku_id, *, deposit=1000, worth=3000, price=10000, units=5, rule=Presale.FORFEIT,
            balance_in=1, ships_in=5):
    """A pre-sale on now (ends in 1 day); by deposit unless ``deposit`` is None. Its id."""
    now = utcnow()
    by_deposit = deposit is not None
    with tenant_context(store.id):
        sale = create_presale(
            actor=None, title="新茶预售", product_id=product_id, starts_at=now - timedelta(minutes=1),
            ends_at=now + DAY, ships_from=now + ships_in * DAY, items=[(sku_id, price, units)],
            mode=Presale.DEPOSIT if by_deposit else Presale.FULL, deposit=deposit, deposit_worth=worth,
            balance_starts_at=now + balance_in * DAY if by_deposit else None,
            balance_ends_at=now + (balance_in + 2) * DAY if by_deposit else None, unpaid_balance=rule)
        db.session.commit()
        return sale.id


def book(store, member, sku_id, presale_id, quantity=1):
    with tenant_context(store.id):
        try:
            order = place_order(member_id=member[0], wanted=[Wanted(sku_id, quantity)],
                                address=db.session.get(Address, member[1]), campaign=Campaign("presale", presale_id))
            db.session.commit()
            return order.id
        except Exception:
            db.session.rollback()
            raise


def shift(store, order_id, by):
    """Move an order's deadlines and its parts' windows ``by`` into the past (time passing)."""
    with tenant_context(store.id):
        order = db.session.get(Order, order_id)
        order.expires_at -= by
        for part in db.session.scalars(select(OrderInstalment).where(OrderInstalment.order_id == order_id)):
            part.opens_at, part.due_at = part.opens_at - by, part.due_at - by
        for booked in db.session.scalars(select(PresaleOrder).where(PresaleOrder.order_id == order_id)):
            booked.ships_from -= by
        db.session.commit()


def give_balance(store, member_id, fen):
    with tenant_context(store.id):
        refund_to_balance(db.session.get(Member, member_id), fen, order_id=None, ref=f"seed:{member_id}:{fen}")
        db.session.commit()


def balance_of(store, member_id):
    with tenant_context(store.id):
        db.session.expire_all()
        return db.session.get(Member, member_id).balance


def booked_with_balance(store, product_id, sku_id, **terms):
    """A member with ¥200 of stored value who booked a new pre-sale: ``(member, order id)``."""
    presale_id = presale(store, product_id, sku_id, **terms)
    member = create_member(store)
    give_balance(store, member[0], 20000)
    return member, book(store, member, sku_id, presale_id)


def pay_part(store, member, order_id):
    """The part due now, paid from the member's stored value (committed)."""
    with tenant_context(store.id):
        try:
            pay_with_balance(order_of(store, order_id), db.session.get(Member, member[0]))
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise


def order_of(store, order_id):
    with tenant_context(store.id):
        db.session.expire_all()
        return db.session.get(Order, order_id)


def packed(store, order_id):
    with tenant_context(store.id):
        return db.session.scalar(select(func.count()).select_from(FulfillmentLine)
                                 .where(FulfillmentLine.order_id == order_id))


@pytest.fixture
def shop(app_ctx):
    demo, tea = create_store("demo"), create_store("tea")
    product = create_product(demo, "明前龙井预售", price=12000, stock=50)
    return demo, tea, product, sku_of(demo, product)


def test_the_quote_splits_a_deposit_that_counts_for_more_into_deposit_now_and_balance_later(shop):
    demo, _tea, product_id, sku_id = shop
    presale_id = presale(demo, product_id, sku_id, deposit=1000, worth=3000, price=10000)
    member = create_member(demo)
    with tenant_context(demo.id):
        rows = db.session.execute(select(SKU, Product).join(Product).where(SKU.id == sku_id)).all()
        priced = quote_for(rows, [Item(sku_id, 2)], member_id=member[0], province_code="330000",
                           campaign=Campaign("presale", presale_id), now=utcnow())
    assert (priced.split.deposit, priced.split.counts_as, priced.split.balance) == (2000, 6000, 14000)
    assert priced.total == priced.split.deposit + priced.split.balance == 16000  # 20000 less the 4000 the deposit adds
    assert priced.ships_from is not None and priced.split.kept
    order_id = book(demo, member, sku_id, presale_id, quantity=2)
    order = order_of(demo, order_id)
    assert (order.total, order.discount) == (16000, 4000)
    with tenant_context(demo.id):
        parts = instalments_of(order)
        assert [(p.out_trade_no, p.amount) for p in parts] == [(f"{order.number}-1", 2000), (f"{order.number}-2", 14000)]
        assert db.session.get(PresaleItem, db.session.scalar(select(PresaleItem.id))).stock == 3
        assert db.session.get(SKU, sku_id).stock == 48


def test_deposit_and_balance_are_each_paid_once_by_wechat_in_their_windows(shop, wechat, platform_client):
    demo, _tea, product_id, sku_id = shop
    presale_id = presale(demo, product_id, sku_id)
    order_id = book(demo, create_member(demo), sku_id, presale_id)
    number = order_of(demo, order_id).number
    with tenant_context(demo.id):
        payment = start_payment(order_of(demo, order_id), "native")
        assert payment.amount == 1000
        db.session.commit()
    trade, _ = wechat.pay_transaction(f"{number}-1", send=False)
    headers, body = wechat.payment_notification(trade)
    url = f"/payments/wechatpay/notify/{demo.id}"
    for _delivery in range(2):  # a repeated notification changes nothing
        assert platform_client.post(url, data=body, headers=headers).status_code == 204
    order = order_of(demo, order_id)
    assert order.status == "pending_payment" and order.expires_at > utcnow() + 2 * DAY  # waits for the balance
    with tenant_context(demo.id):
        assert db.session.scalar(select(func.count()).select_from(PaymentEvent)) == 1
        assert [p.paid_at is not None for p in instalments_of(order)] == [True, False]
        with pytest.raises(OrderStateError, match="balance can be paid from"):
            start_payment(order, "native")  # the balance window has not opened
        db.session.rollback()
        with pytest.raises(OrderStateError):
            cancel_by_shopper(order, order.member_id)  # a paid deposit is not cancelled by the buyer
        db.session.rollback()
    shift(demo, order_id, DAY + timedelta(minutes=1))  # the balance window is open now
    with tenant_context(demo.id):
        assert start_payment(order_of(demo, order_id), "native").amount == 7000
        db.session.commit()
    trade, _ = wechat.pay_transaction(f"{number}-2", send=False)
    headers, body = wechat.payment_notification(trade)
    for _delivery in range(2):
        assert platform_client.post(url, data=body, headers=headers).status_code == 204
    paid = order_of(demo, order_id)
    assert (paid.status, paid.paid_amount, paid.transaction_id) == ("paid", 8000, trade.transaction_id)
    assert packed(demo, order_id) == 0  # not before the ship-from date


def test_a_balance_never_sent_to_wechat_is_not_asked_about_and_closes_keeping_the_wechat_deposit(
        shop, wechat, platform_client):
    demo, _tea, product_id, sku_id = shop
    presale_id = presale(demo, product_id, sku_id)
    order_id = book(demo, create_member(demo), sku_id, presale_id)
    number = order_of(demo, order_id).number
    with tenant_context(demo.id):
        start_payment(order_of(demo, order_id), "native")
        db.session.commit()
    trade, _ = wechat.pay_transaction(f"{number}-1", send=False)
    headers, body = wechat.payment_notification(trade)
    assert platform_client.post(f"/payments/wechatpay/notify/{demo.id}", data=body, headers=headers).status_code == 204
    with tenant_context(demo.id):
        order = db.session.get(Order, order_id)
        order.created_at -= timedelta(hours=1)
        db.session.commit()
        assert reconcile_unpaid_orders() == 0  # the balance was never asked of WeChat: nothing to query
    shift(demo, order_id, 3 * DAY + timedelta(minutes=1))
    with tenant_context(demo.id):
        assert cancel_unpaid_order(order_id) == "cancelled"  # nothing to close at WeChat either
    closed = order_of(demo, order_id)
    assert (closed.status, closed.paid_amount, closed.refunded_amount) == ("cancelled", 1000, 0)


def test_with_the_balance_both_parts_are_spent_once_and_the_order_is_packed_from_its_ship_date(shop):
    demo, _tea, product_id, sku_id = shop
    member, order_id = booked_with_balance(demo, product_id, sku_id)
    pay_part(demo, member, order_id)
    with pytest.raises(OrderStateError, match="balance can be paid from"):
        pay_part(demo, member, order_id)
    assert balance_of(demo, member[0]) == 19000
    shift(demo, order_id, DAY + timedelta(minutes=1))
    pay_part(demo, member, order_id)
    with pytest.raises(OrderStateError):
        pay_part(demo, member, order_id)
    with tenant_context(demo.id):
        assert db.session.scalar(select(func.count()).select_from(BalanceEntry)
                                 .where(BalanceEntry.order_id == order_id)) == 2
    assert balance_of(demo, member[0]) == 12000 and order_of(demo, order_id).status == "paid"
    with tenant_context(demo.id):
        assert release_due_presale_orders() == 0
    assert packed(demo, order_id) == 0
    shift(demo, order_id, 4 * DAY)  # the ship-from date has come
    with tenant_context(demo.id):
        assert release_due_presale_orders() == 1
        db.session.commit()
        assert release_due_presale_orders() == 0
    assert packed(demo, order_id) == 1


def test_an_unpaid_balance_closes_the_order_and_keeps_the_deposit_by_default(shop):
    demo, _tea, product_id, sku_id = shop
    member, order_id = booked_with_balance(demo, product_id, sku_id, units=1)
    pay_part(demo, member, order_id)
    with tenant_context(demo.id):
        assert cancel_unpaid_order(order_id) == "not yet"
    shift(demo, order_id, 3 * DAY + timedelta(minutes=1))  # past the balance window's end
    with tenant_context(demo.id):
        assert cancel_unpaid_order(order_id) == "cancelled"
    closed = order_of(demo, order_id)
    assert (closed.status, closed.paid_amount, closed.cancel_reason) == ("cancelled", 1000, "timeout")
    assert balance_of(demo, member[0]) == 19000  # the deposit is kept
    with tenant_context(demo.id):
        assert db.session.scalar(select(PresaleItem.stock)) == 1  # the unit is back for another buyer
        assert db.session.get(SKU, sku_id).stock == 50


def test_when_the_merchant_refunds_deposits_an_unpaid_balance_gives_the_deposit_back(shop, jobs):
    demo, _tea, product_id, sku_id = shop
    member, order_id = booked_with_balance(demo, product_id, sku_id, rule=Presale.REFUND)
    pay_part(demo, member, order_id)
    shift(demo, order_id, 3 * DAY + timedelta(minutes=1))
    with tenant_context(demo.id):
        assert cancel_unpaid_order(order_id) == "cancelled"
    jobs.drain()
    assert balance_of(demo, member[0]) == 20000
    assert order_of(demo, order_id).refunded_amount == 1000


def test_a_full_payment_presale_is_paid_at_once_and_held_until_its_ship_date(shop):
    demo, _tea, product_id, sku_id = shop
    presale_id = presale(demo, product_id, sku_id, deposit=None, price=9000)
    order_id = book(demo, create_member(demo), sku_id, presale_id)
    with tenant_context(demo.id):
        order = order_of(demo, order_id)
        assert order.total == 9000 and instalments_of(order) == []
        record_payment(order, "T1", None, source="test")
        db.session.commit()
    assert order_of(demo, order_id).status == "paid" and packed(demo, order_id) == 0


def test_a_big_presale_is_dealt_round_robin_over_the_warehouses_at_its_ship_date(shop):
    demo, _tea, product_id, sku_id = shop
    presale_id = presale(demo, product_id, sku_id, deposit=None, units=5)
    with tenant_context(demo.id):
        save_presale_settings(actor=None, split_threshold=2, warehouses="杭州仓，广州仓, 成都仓")
        db.session.commit()
    orders = []
    for i in range(4):
        order_id = book(demo, create_member(demo, nickname=f"买家{i}"), sku_id, presale_id)
        with tenant_context(demo.id):
            record_payment(order_of(demo, order_id), f"T{i}", None, source="test")
            db.session.commit()
        orders.append(order_id)
    for order_id in orders:
        shift(demo, order_id, 5 * DAY)
    with tenant_context(demo.id):
        assert release_due_presale_orders() == 4
        db.session.commit()
        sent_from = dict(db.session.execute(select(PresaleOrder.order_id, PresaleOrder.warehouse)).all())
        lists = dict(db.session.execute(select(FulfillmentLine.order_id, Fulfillment.warehouse)
                                        .join(Fulfillment, Fulfillment.id == FulfillmentLine.fulfillment_id)).all())
    # 4 paid orders, over the threshold of 2: in booking order, each warehouse in turn.
    assert [sent_from[o] for o in orders] == [lists[o] for o in orders] == ["杭州仓", "广州仓", "成都仓", "杭州仓"]


def test_a_small_presale_ships_from_the_products_own_warehouse(shop):
    demo, _tea, product_id, sku_id = shop
    presale_id = presale(demo, product_id, sku_id, deposit=None, ships_in=0)
    with tenant_context(demo.id):
        save_presale_settings(actor=None, split_threshold=2, warehouses="杭州仓,广州仓")
        db.session.execute(update(Product).where(Product.id == product_id).values(warehouse="总仓"))
        db.session.commit()
    order_id = book(demo, create_member(demo), sku_id, presale_id)
    with tenant_context(demo.id):
        record_payment(order_of(demo, order_id), "T1", None, source="test")  # past the ship date: packed at once
        db.session.commit()
        assert db.session.scalar(select(Fulfillment.warehouse)) == "总仓"


def test_presale_units_run_out_and_mixing_other_goods_is_refused(shop):
    demo, _tea, product_id, sku_id = shop
    presale_id = presale(demo, product_id, sku_id, units=1)
    book(demo, create_member(demo), sku_id, presale_id)
    with pytest.raises(PresaleSoldOut):
        book(demo, create_member(demo, nickname="晚来"), sku_id, presale_id)
    other = sku_of(demo, create_product(demo, "茶杯", price=3000))
    member = create_member(demo, nickname="混买")
    with tenant_context(demo.id), pytest.raises(PresaleProblem, match="pre-sale item only"):
        place_order(member_id=member[0], wanted=[Wanted(sku_id, 1), Wanted(other, 1)],
                    address=db.session.get(Address, member[1]), campaign=Campaign("presale", presale_id))


@pytest.mark.parametrize("changes, field", [
    ({"deposit": 10000}, "deposit"),
    ({"worth": 500}, "deposit_worth"),
    ({"units": 51}, "items"),
])
def test_bad_terms_are_refused_on_their_field_and_nothing_is_saved(shop, changes, field):
    demo, _tea, product_id, sku_id = shop
    kwargs = {"deposit": changes.get("deposit", 1000), "worth": changes.get("worth", 3000),
              "units": changes.get("units", 5)}
    with pytest.raises(PresaleProblem) as refused:
        presale(demo, product_id, sku_id, **kwargs)
    assert refused.value.field == field
    with tenant_context(demo.id):
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Presale)) == 0


def test_another_store_never_sees_or_uses_the_presale(shop):
    demo, tea, product_id, sku_id = shop
    presale_id = presale(demo, product_id, sku_id)
    with tenant_context(tea.id):
        assert db.session.scalar(select(func.count()).select_from(Presale)) == 0
        with pytest.raises(PresaleProblem, match="No such product"):
            create_presale(actor=None, title="别家", product_id=product_id, starts_at=utcnow(),
                           ends_at=utcnow() + DAY, ships_from=utcnow() + DAY, items=[(sku_id, 100, 1)])
        db.session.rollback()
    tea_sku = sku_of(tea, create_product(tea, "普洱", price=5000))
    member = create_member(tea)
    with tenant_context(tea.id), pytest.raises(CampaignUnavailable):
        place_order(member_id=member[0], wanted=[Wanted(tea_sku, 1)], address=db.session.get(Address, member[1]),
                    campaign=Campaign("presale", presale_id))


@pytest.mark.postgres
def test_sixty_buyers_of_ten_presale_units_make_exactly_ten_orders(app):
    with app.app_context():
        store = create_store("rush")
        product_id = create_product(store, "限量预售", price=9900, stock=100)
        sku_id = sku_of(store, product_id)
        presale_id = presale(store, product_id, sku_id, units=10, price=9900)
        buyers = [create_member(store, nickname=f"预订{i}") for i in range(60)]
    start = threading.Barrier(20, timeout=60)

    def attempt(buyer):
        with app.app_context():
            start.wait(timeout=60)
            try:
                book(store, buyer, sku_id, presale_id)
                return "booked"
            except (PresaleSoldOut, SoldOut):
                return "sold out"

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(attempt, buyers))
    assert outcomes.count("booked") == 10 and outcomes.count("sold out") == 50
    with app.app_context(), tenant_context(store.id):
        assert db.session.scalar(select(func.count()).select_from(Order)) == 10
        assert db.session.scalar(select(PresaleItem.stock)) == 0
        assert db.session.get(SKU, sku_id).stock == 90


@pytest.mark.postgres
def test_a_deposit_paid_as_its_time_runs_out_is_either_applied_or_refunded_never_lost(app):
    """The deposit's notification and the timeout race on the order's row (real threads): the
    order is either still open with the deposit paid and the balance's time to run, or
    cancelled with the deposit on its way back — never cancelled with the deposit kept."""
    with app.app_context():
        store = create_store("race")
        product_id = create_product(store, "抢跑预售", price=9900, stock=100)
        sku_id = sku_of(store, product_id)
        presale_id = presale(store, product_id, sku_id, units=20, price=9900)
        orders = [book(store, create_member(store, nickname=f"赛跑{i}"), sku_id, presale_id) for i in range(8)]
        with tenant_context(store.id):
            for order in db.session.scalars(select(Order).where(Order.id.in_(orders))):
                order.expires_at = utcnow() - timedelta(seconds=1)  # the deposit's time is just up
            db.session.commit()

    def cancel(order_id):
        with app.app_context(), tenant_context(store.id):
            start.wait(timeout=30)
            return cancel_unpaid_order(order_id)

    def notify(order_id):
        with app.app_context(), tenant_context(store.id):
            order = db.session.get(Order, order_id)
            deposit = instalments_of(order)[0]
            start.wait(timeout=30)
            outcome = record_payment(order, f"T{order_id}", None, source="notification", instalment=deposit)
            db.session.commit()
            return outcome

    for order_id in orders:
        start = threading.Barrier(2, timeout=30)
        with ThreadPoolExecutor(max_workers=2) as pool:
            cancelled, paid = pool.submit(cancel, order_id), pool.submit(notify, order_id)
            outcomes = (cancelled.result(), paid.result())
        with app.app_context(), tenant_context(store.id):
            order = db.session.get(Order, order_id)
            deposit = instalments_of(order)[0]
            if order.status == "cancelled":
                assert outcomes[1] == "refunding" and order.transaction_id == f"T{order_id}" and deposit.paid_at is None
            else:
                assert outcomes[1] == "applied" and outcomes[0] in ("nothing to do", "not yet", "paid")
                assert order.status == "pending_payment" and deposit.paid_at is not None
                assert order.expires_at > utcnow() + DAY
