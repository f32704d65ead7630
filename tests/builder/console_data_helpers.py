"""Roll-up rows written straight into a store's analytics tables, as ``commerce.analytics``'s
roll-up job leaves them: the console reads only these, so its screens can be tried on exact
figures without replaying events."""
from datetime import timedelta

from commerce.analytics.models import ALL, BuyerDay, DailyFigure, ProductDay, SearchDay
from core.clock import china_today
from core.extensions import db
from core.tenancy import tenant_context

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


def today():
    return china_today()


def days_ago(n):
    return china_today() - timedelta(days=n)


def daily(store, day, channel=ALL, **figures):
    with tenant_context(store.id):
        db.session.add(DailyFigure(day=day, channel=channel, **figures))
        db.session.commit()


def product_day(store, day, product_id, **figures):
    with tenant_context(store.id):
        db.session.add(ProductDay(day=day, product_id=product_id, **figures))
        db.session.commit()


def search_day(store, day, words, searches, empty):
    with tenant_context(store.id):
        db.session.add(SearchDay(day=day, words=words, searches=searches, empty_searches=empty))
        db.session.commit()


def buyer_day(store, day, member_id, paid_orders, gmv, first=False):
    with tenant_context(store.id):
        db.session.add(BuyerDay(day=day, member_id=member_id, paid_orders=paid_orders, gmv=gmv, first_purchase=first))
        db.session.commit()
