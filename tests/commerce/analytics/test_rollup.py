"""Roll-ups and the console's queries: a day's funnel, money, products, searches and buyers
from raw events; a second store's events never mix in; rolling up twice changes nothing."""
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import delete as sa_delete
from sqlalchemy import select
from sqlalchemy import update as sa_update

from commerce.analytics import queries
from commerce.analytics.models import ALL, BuyerDay, DailyFigure, HourlyFigure, ProductDay, RollupRun, SearchDay
from commerce.analytics.rollup import ROLLUP_EVERY, roll_up_day, roll_up_due
from core.extensions import db
from core.outbox import ProcessedEvent, publish
from core.tenancy import tenant_context
from tests.commerce.analytics.conftest import DAY, at, buy, deliver, record


def browse(shop):
    demo, product = shop["demo"], shop["product"]
    record(demo, "page_view", at(9), visitor_id="v1", channel="group", page="home")
    record(demo, "product_view", at(9, 1), visitor_id="v1", channel="group", product_id=product)
    record(demo, "add_to_cart", at(9, 2), visitor_id="v1", channel="group", product_id=product)
    record(demo, "checkout_started", at(9, 3), visitor_id="v1", channel="group", member_id=shop["alice"][0])
    record(demo, "page_view", at(10), visitor_id="v2", page="home")
    record(demo, "product_view", at(10, 1), visitor_id="v2", product_id=product)
    record(demo, "search", at(10, 2), visitor_id="v2", words="白茶", result_count=0)
    record(demo, "search", at(10, 3), visitor_id="v2", words="龙井", result_count=1)
    record(demo, "page_view", at(23, 59), visitor_id="v3", page="home")
    record(demo, "page_view", at(0, 1, DAY + timedelta(days=1)), visitor_id="v4", page="home")  # the next China day


def rolled(store, day=DAY):
    with tenant_context(store.id):
        roll_up_day(day, now=at(12, day=day + timedelta(days=1)))
        db.session.commit()


def test_a_days_figures_funnel_and_channels_come_from_its_events(shop):
    demo = shop["demo"]
    browse(shop)
    buy(demo, shop["alice"], shop["sku"], at(9, 5), quantity=2, channel="group", visitor_id="v1")
    rolled(demo)
    with tenant_context(demo.id):
        figures = queries.day_figures(DAY)
        assert (figures.gmv, figures.paid_orders, figures.average_order_value) == (10000, 1, 10000)
        assert (figures.visitors, figures.buyers, figures.conversion) == (3, 1, Decimal("0.3333"))
        steps = queries.funnel(DAY, DAY)
        assert [(s.step, s.visitors) for s in steps] == [("visit", 3), ("product_view", 2), ("cart", 1),
                                                         ("checkout", 1), ("paid", 1)]
        assert steps[0].drop_off == 0 and steps[1].drop_off == Decimal("0.3333") and steps[2].drop_off == Decimal("0.5")
        assert [s.visitors for s in queries.funnel(DAY, DAY, channel="group")] == [1, 1, 1, 1, 1]
        table = {row.channel: row for row in queries.channel_table(DAY, DAY)}
        assert list(table) == ["mp_article", "miniprogram", "group", "moments", "direct"]
        assert (table["group"].visitors, table["group"].paid_orders, table["group"].gmv) == (1, 1, 10000)
        assert (table["direct"].visitors, table["direct"].gmv, table["moments"].visitors) == (2, 0, 0)
        top = queries.top_products(DAY, DAY, by="sales")
        assert [(p.title, p.views, p.cart_adds, p.units_sold, p.sales) for p in top] == [("龙井", 2, 1, 2, 10000)]
        assert [(s.words, s.searches) for s in queries.empty_searches(DAY, DAY)] == [("白茶", 1)]
        series = queries.daily_series(DAY - timedelta(days=1), DAY + timedelta(days=1))
        assert [day.gmv for day in series] == [0, 10000, 0]
        hours = {(h.hour, h.kind, h.channel): (h.events, h.visitors) for h in db.session.scalars(select(HourlyFigure))}
        assert hours[(at(10), "page_view", "direct")] == (1, 1) and hours[(at(23), "page_view", "direct")] == (1, 1)
        assert hours[(at(9), "order_paid", "group")] == (1, 1) and hours[(at(9), "product_view", "group")] == (1, 1)


def test_new_and_returning_buyers_and_the_repurchase_rate(shop):
    demo = shop["demo"]
    buy(demo, shop["alice"], shop["sku"], at(8, day=DAY - timedelta(days=3)))  # Alice bought before
    buy(demo, shop["alice"], shop["sku"], at(9))
    buy(demo, shop["alice"], shop["sku"], at(11))
    buy(demo, shop["bob"], shop["sku"], at(10))  # Bob's first
    rolled(demo)
    with tenant_context(demo.id):
        mix = queries.buyer_mix(DAY, DAY)
    assert (mix.buyers, mix.new_buyers, mix.returning_buyers, mix.repeat_buyers) == (2, 1, 1, 1)
    assert mix.repurchase_rate == Decimal("0.5") and mix.target == queries.REPURCHASE_TARGET == Decimal("0.40")


def test_a_second_stores_events_never_mix_into_the_first(shop):
    demo, tea = shop["demo"], shop["tea"]
    browse(shop)
    record(tea, "page_view", at(9), visitor_id="v1", page="home")  # the same visitor id in another store
    record(tea, "search", at(9), visitor_id="t1", words="白茶", result_count=0)
    buy(tea, shop["tea_member"], shop["tea_sku"], at(9, 30))
    rolled(demo)
    rolled(tea)
    with tenant_context(demo.id):
        assert (queries.day_figures(DAY).visitors, queries.day_figures(DAY).gmv) == (3, 0)
        assert [s.searches for s in queries.empty_searches(DAY, DAY)] == [1]
    with tenant_context(tea.id):
        figures = queries.day_figures(DAY)
        assert (figures.visitors, figures.gmv, figures.buyers) == (2, 8000, 1)
        assert [p.title for p in queries.top_products(DAY, DAY, by="sales")] == ["普洱"]
        assert queries.buyer_mix(DAY, DAY).buyers == 1


def table_rows():
    def dump(model):
        return sorted(tuple(getattr(row, c.name) for c in model.__table__.columns if c.name != "id")
                      for row in db.session.scalars(select(model)))
    return {model.__tablename__: dump(model) for model in (DailyFigure, HourlyFigure, ProductDay, SearchDay, BuyerDay)}


def test_rolling_up_twice_leaves_the_same_rows(shop):
    demo = shop["demo"]
    browse(shop)
    buy(demo, shop["bob"], shop["sku"], at(10, 5))
    rolled(demo)
    with tenant_context(demo.id):
        first = table_rows()
    rolled(demo)
    with tenant_context(demo.id):
        assert table_rows() == first
        assert len(first["analytics_daily"]) == 3  # direct, group and the whole day
        assert db.session.scalar(select(DailyFigure.visitors).where(DailyFigure.channel == ALL)) == 3


def test_late_events_are_counted_by_the_next_roll_up(shop):
    demo = shop["demo"]
    record(demo, "page_view", at(9), visitor_id="v1", page="home")
    rolled(demo)
    record(demo, "page_view", at(22), visitor_id="v2", page="home")
    rolled(demo)
    with tenant_context(demo.id):
        assert queries.day_figures(DAY).visitors == 2


def test_the_sweep_rolls_up_today_and_yesterday_at_most_every_few_minutes(shop):
    demo = shop["demo"]
    record(demo, "page_view", at(9), visitor_id="v1", page="home")
    with tenant_context(demo.id):
        assert roll_up_due(now=at(10)) == 2  # yesterday and today
        db.session.commit()
        assert roll_up_due(now=at(10) + ROLLUP_EVERY / 2) == 0
        assert queries.last_rolled_up_at(DAY) == at(10) and queries.last_rolled_up_at(DAY + timedelta(days=9)) is None
        assert roll_up_due(now=at(10) + ROLLUP_EVERY * 2) == 1  # yesterday was settled when rolled up: today only
        db.session.commit()
        assert queries.day_figures(DAY).visitors == 1
        next_day = at(10, day=DAY + timedelta(days=1))
        assert roll_up_due(now=next_day) == 2  # DAY is yesterday now: rolled up once after it settled …
        db.session.commit()
        assert roll_up_due(now=next_day + ROLLUP_EVERY * 2) == 1  # … then only today
        assert {run.day for run in db.session.scalars(select(RollupRun))} == {
            DAY - timedelta(days=1), DAY, DAY + timedelta(days=1)}


def test_unknown_channel_or_order_is_refused(shop):
    import pytest

    with tenant_context(shop["demo"].id):
        with pytest.raises(ValueError):
            queries.funnel(DAY, DAY, channel="tv")
        with pytest.raises(ValueError):
            queries.top_products(DAY, DAY, by="price")


def test_payments_refunds_and_used_coupons_are_recorded_once_from_the_outbox(shop):
    from commerce.analytics.models import AnalyticsEvent
    from commerce.marketing.coupons.models import Coupon, MemberCoupon
    from commerce.orders.models import Order
    from core.outbox import OutboxEvent, deliver_event

    demo = shop["demo"]
    order = buy(demo, shop["alice"], shop["sku"], at(9), channel="moments")
    with tenant_context(demo.id):
        coupon = Coupon(name="满50减5", kind=Coupon.AMOUNT_OFF, amount_off=500, threshold=5000)
        db.session.add(coupon)
        db.session.flush()
        db.session.add(MemberCoupon(coupon_id=coupon.id, member_id=shop["alice"][0], claim_number=1,
                                    status=MemberCoupon.USED, order_id=order.id, valid_from=at(0), valid_until=at(23),
                                    used_at=at(9)))
        db.session.execute(sa_delete(AnalyticsEvent).where(AnalyticsEvent.kind == "order_paid"))
        db.session.commit()
        paid_event = db.session.scalar(select(OutboxEvent).where(OutboxEvent.topic == "order.paid"))
        paid_event.done_at = None  # as if its worker died before marking it done
        db.session.execute(sa_delete(ProcessedEvent).where(
            ProcessedEvent.event_id == paid_event.id,
            ProcessedEvent.subscriber == "commerce.analytics.subscribers.record_order_paid"))
        db.session.commit()
        paid_event = paid_event.id
    for _ in range(2):  # delivered twice: recorded once
        with tenant_context(demo.id):  # as the delivery job enters the event's store
            deliver_event(paid_event)
            db.session.execute(sa_update(OutboxEvent).where(OutboxEvent.id == paid_event).values(done_at=None))
            db.session.commit()
    with tenant_context(demo.id):
        db.session.get(Order, order.id).refunded_amount = 1000
        publish("order.refunded", tenant_id=demo.id, order_id=order.id, refund_id=None, amount=1000)
        db.session.commit()
    deliver()
    with tenant_context(demo.id):
        rows = db.session.scalars(select(AnalyticsEvent).where(AnalyticsEvent.kind != "order_placed")
                                  .order_by(AnalyticsEvent.id)).all()
        assert [(e.kind, e.amount, e.coupon_id, e.channel) for e in rows] == [
            ("order_paid", 5000, None, "moments"), ("coupon_used", None, coupon.id, "moments"),
            ("order_refunded", 1000, None, "moments")]
        assert rows[0].occurred_at == at(9) and rows[0].member_id == shop["alice"][0]


def test_a_payment_recorded_before_its_order_placed_still_counts_in_the_orders_channel(shop):
    """The shopper paid within a second of ordering: the outbox recorded the payment before the
    web process's buffer wrote ``order_placed``, so the payment row says ``direct``; the roll-up
    counts it in the channel the order was placed in (found in a real browser run)."""
    from commerce.members.models import Address
    from commerce.orders import states
    from commerce.orders.service import Wanted, place_order

    demo = shop["demo"]
    member_id, address_id = shop["alice"]
    with tenant_context(demo.id):
        order = place_order(member_id=member_id, wanted=[Wanted(shop["sku"], 1, None)],
                            address=db.session.get(Address, address_id))
        db.session.commit()
        assert states.transition(order, "pay", transaction_id=f"T{order.id}", paid_amount=order.total,
                                 paid_at=at(9, 1))
        db.session.commit()
    deliver()  # recorded now, in "direct": no order_placed yet
    record(demo, "order_placed", at(9), visitor_id="v1", member_id=member_id, channel="group", order_id=order.id)
    record(demo, "page_view", at(9), visitor_id="v1", channel="group", page="home")
    rolled(demo)
    with tenant_context(demo.id):
        table = {row.channel: row for row in queries.channel_table(DAY, DAY)}
        assert (table["group"].paid_orders, table["group"].gmv, table["direct"].paid_orders) == (1, 5000, 0)
        assert [s.visitors for s in queries.funnel(DAY, DAY, channel="group")][-1] == 1
        hours = {(h.kind, h.channel) for h in db.session.scalars(select(HourlyFigure))}
        assert ("order_paid", "group") in hours and ("order_paid", "direct") not in hours
