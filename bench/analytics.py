"""`make bench-analytics`: the data dashboard at scale (issue 16, item 6).

Seeds one store on PostgreSQL (a fresh database, migrated as its owner, the app connecting as
the ordinary role ``duoshop_app`` so row-level security applies) with ``--orders`` paid orders
of ``--members`` members and ``--events`` behaviour events over ``--days`` China days (``--peak-share`` of them on the
last day, a sale day), then:

- times the roll-up (``commerce.analytics.rollup.roll_up_day``) of every day, and of the
  busiest day again (target: < 30 s for one day's events);
- times each console query of ``commerce.analytics.queries`` on the last 30 days, best and
  worst of ``--repeat`` runs (target: < 300 ms).

Seeding is fast because it is SQL: one real order is placed and paid through the services
(so its encrypted address fields are real), then members, SKUs, orders, order lines and
events are made with ``INSERT … SELECT … FROM generate_series`` on the owner's connection
(multi-row, in the database; 1,000,000 events take seconds). Writes
``bench/results/<timestamp>-analytics.json`` and ``.md``; ``--tiny`` (20,000 events, 400
orders) checks that it runs (tests/bench).
"""
import argparse
import datetime as dt
import json
import os
import re
import statistics
import sys
import time
import uuid
from pathlib import Path

from bench.run import DEFAULT_ADMIN_URL, ROOT, Database, log, migrate_and_seed

ROLLUP_TARGET_S = 30.0
QUERY_TARGET_MS = 300.0
RANGE_DAYS = 30
SCREENS = (("概况", "/console/"), ("概况 refresh (JSON)", "/console/overview.json"),
           ("funnel", "/console/data/?range=30d"), ("funnel, one channel", "/console/data/?range=30d&channel=group"),
           ("products", "/console/data/products?range=30d"), ("buyers", "/console/data/buyers?range=30d"),
           ("searches without results", "/console/data/searches?range=30d"),
           ("channels", "/console/data/channels?range=30d"), ("channels CSV", "/console/data/channels.csv?range=30d"),
           ("RFM segments", "/console/data/rfm"), ("portrait", "/console/data/portrait"))


def parse_args(argv=None):
    env = os.environ
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--members", type=int, default=8_000)
    parser.add_argument("--visitors", type=int, default=60_000, help="distinct visitor ids the events come from")
    parser.add_argument("--days", type=int, default=30, help="China days the events and orders spread over")
    parser.add_argument("--peak-share", type=float, default=0.2,
                        help="share of the browsing events on the last day (a sale day), the rest spread evenly")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each query")
    parser.add_argument("--tiny", action="store_true", help="20,000 events, 400 orders: checks it runs")
    parser.add_argument("--database-url", default=env.get("BENCH_DATABASE_URL") or env.get("DATABASE_URL")
                        or DEFAULT_ADMIN_URL)
    parser.add_argument("--out-dir", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args(argv)
    if args.tiny:
        args.events, args.orders, args.members, args.visitors, args.repeat = 20_000, 400, 300, 2_000, 2
    return args


def _columns(conn, table):
    from sqlalchemy import text

    return [row[0] for row in conn.execute(text(
        "SELECT column_name FROM information_schema.columns WHERE table_name = :t AND table_schema = 'public' "
        "ORDER BY ordinal_position"), {"t": table})]


def clone(conn, table, template_id, count, overrides, **params):
    """``count`` copies of row ``template_id`` of ``table``, each column as the template's unless
    ``overrides`` gives an SQL expression for it (``g`` is the copy's number, 1…count)."""
    from sqlalchemy import text

    columns = [c for c in _columns(conn, table) if c != "id"]
    values = [overrides.get(c, f"t.{c}") for c in columns]
    conn.execute(text(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} "
                      f"FROM {table} t CROSS JOIN generate_series(1, :count) AS g WHERE t.id = :template"),
                 {"count": count, "template": template_id, **params})


class Shop:
    """The seeded store: a template order placed and paid through the services, then copies."""

    def __init__(self, app, tenant_id, args, first_day):
        self.app, self.tenant_id, self.args, self.first_day = app, tenant_id, args, first_day
        self.last_day = first_day + dt.timedelta(days=args.days - 1)

    def template_order(self):
        from sqlalchemy import select

        from commerce.catalog.models import SKU, Product
        from commerce.members.models import Address, Member
        from commerce.orders import states
        from commerce.orders.service import Wanted, place_order
        from core.extensions import db
        from core.tenancy import tenant_context

        with self.app.app_context(), tenant_context(self.tenant_id):
            products = db.session.scalars(select(Product).order_by(Product.id)).all()
            for product in products:
                db.session.add(SKU(product_id=product.id, spec_values=[], price=product.price, stock=1_000_000))
                product.stock = 1_000_000
            member = Member(nickname="压测顾客")
            db.session.add(member)
            db.session.flush()
            address = Address(member_id=member.id, name="张三", phone="13812345678", province_code="330000",
                              city="杭州市", district="西湖区", detail="文三路 100 号", is_default=True)
            db.session.add(address)
            db.session.flush()
            sku = db.session.scalar(select(SKU).order_by(SKU.id).limit(1))
            order = place_order(member_id=member.id, wanted=[Wanted(sku.id, 1, None)], address=address)
            db.session.flush()
            states.transition(order, "pay", transaction_id="T-template", paid_amount=order.total)
            db.session.commit()
            return {"member_id": member.id, "order_id": order.id, "product_ids": [p.id for p in products]}

    def seed(self):
        from sqlalchemy import create_engine, text

        from core.clock import china_day_bounds

        template = self.template_order()
        args = self.args
        start, _ = china_day_bounds(self.first_day)
        span = args.days * 86400
        engine = create_engine(self.app.config["MIGRATION_DATABASE_URL"])
        timings = {}
        with engine.begin() as conn:
            conn.execute(text("SELECT set_config('duoshop.tenant_id', :t, true)"), {"t": str(self.tenant_id)})
            conn.execute(text("SELECT duoshop_analytics_partitions(:at, 0)"), {"at": start})
            for month in range(args.days // 28 + 2):
                conn.execute(text("SELECT duoshop_analytics_partitions(:at, 0)"),
                             {"at": start + dt.timedelta(days=28 * month)})
            began = time.perf_counter()
            clone(conn, "members", template["member_id"], args.members - 1,
                  {"nickname": "'压测顾客' || g", "openid": "NULL"})
            first_member = conn.execute(text("SELECT min(id) FROM members WHERE tenant_id = :t"),
                                        {"t": self.tenant_id}).scalar()
            member_of = f"({first_member} + (g * 7919) % {args.members})"
            moment = f"(CAST(:start AS timestamptz) + make_interval(secs => (g - 1) * {span / args.orders}))"
            clone(conn, "orders", template["order_id"], args.orders - 1, {
                "number": f"'B{uuid.uuid4().hex[:6]}' || lpad(g::text, 9, '0')", "member_id": member_of,
                "transaction_id": "'TB' || g", "request_id": "NULL", "paid_at": moment, "created_at": moment,
                "updated_at": moment, "expires_at": f"{moment} + interval '30 minutes'"}, start=start)
            conn.execute(text(
                "INSERT INTO order_lines (tenant_id, order_id, product_id, sku_id, title, sku_label, price, quantity, "
                "refunded_quantity) SELECT o.tenant_id, o.id, s.product_id, s.id, p.title, '', s.price, 1 + o.id % 3, 0 "
                "FROM orders o JOIN skus s ON s.id = (SELECT min(id) FROM skus) + o.id % :n "
                "JOIN products p ON p.id = s.product_id WHERE o.transaction_id LIKE 'TB%'"),
                {"n": len(template["product_ids"])})
            conn.execute(text(
                "UPDATE orders o SET subtotal = l.amount, total = l.amount + o.shipping_fee - o.discount, "
                "paid_amount = l.amount + o.shipping_fee - o.discount, member_discount = 0 "
                "FROM (SELECT order_id, sum(price * quantity) AS amount FROM order_lines GROUP BY order_id) l "
                "WHERE l.order_id = o.id AND o.transaction_id LIKE 'TB%' AND o.discount <= l.amount"))
            timings["orders_s"] = round(time.perf_counter() - began, 2)
            began = time.perf_counter()
            # The orders' own events: placed and paid (as the subscriber records them), then browsing.
            conn.execute(text(
                "INSERT INTO analytics_events (tenant_id, occurred_at, kind, visitor_id, member_id, channel, order_id, "
                "amount) SELECT tenant_id, paid_at - interval '2 minutes', 'order_placed', 'v' || (id % :visitors), "
                "member_id, (ARRAY['mp_article','miniprogram','group','moments','direct'])[1 + id % 5], id, total "
                "FROM orders WHERE paid_at IS NOT NULL"), {"visitors": args.visitors})
            conn.execute(text(
                "INSERT INTO analytics_events (tenant_id, occurred_at, kind, member_id, channel, order_id, amount) "
                "SELECT tenant_id, paid_at, 'order_paid', member_id, "
                "(ARRAY['mp_article','miniprogram','group','moments','direct'])[1 + id % 5], id, paid_amount "
                "FROM orders WHERE paid_at IS NOT NULL"))
            browsing = max(0, args.events - 2 * args.orders)
            peak = int(browsing * args.peak_share)
            kinds = ["page_view"] * 8 + ["product_view"] * 6 + ["add_to_cart"] * 2 + ["checkout_started", "search",
                                                                                        "search", "share"]
            conn.execute(text(
                "INSERT INTO analytics_events (tenant_id, occurred_at, kind, visitor_id, channel, page, product_id, "
                "words, result_count) SELECT :tenant, "
                f"CASE WHEN g <= {peak} THEN CAST(:start AS timestamptz) + make_interval(secs => {span - 86400} "
                f"+ (g - 1) * {86400 / max(peak, 1)}) ELSE CAST(:start AS timestamptz) + make_interval(secs => "
                f"(g - {peak} - 1) * {span / max(browsing - peak, 1)}) END, k.kind, "
                "'v' || ((g * 7) % :visitors), "
                "(ARRAY['mp_article','miniprogram','group','moments','direct'])[1 + (g / 3) % 5], "
                "CASE WHEN k.kind = 'page_view' THEN 'home' END, "
                "CASE WHEN k.kind IN ('product_view', 'add_to_cart', 'share') THEN :first_product + g % :products END, "
                "CASE WHEN k.kind = 'search' THEN '搜索词' || (g % 500) END, "
                "CASE WHEN k.kind = 'search' THEN (g % 7) END "
                "FROM generate_series(1, :count) AS g "
                "JOIN (SELECT kind, ordinality - 1 AS n FROM unnest(CAST(:kinds AS text[])) WITH ORDINALITY AS kind) k "
                "ON k.n = g % :kind_count"),
                {"tenant": self.tenant_id, "start": start, "visitors": args.visitors, "count": browsing,
                 "first_product": min(template["product_ids"]), "products": len(template["product_ids"]),
                 "kinds": kinds, "kind_count": len(kinds)})
            timings["events_s"] = round(time.perf_counter() - began, 2)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
            counts = conn.execute(text(
                "SELECT (SELECT count(*) FROM analytics_events), (SELECT count(*) FROM orders WHERE paid_at IS NOT NULL)"
            )).one()
        engine.dispose()
        return {"events": counts[0], "paid_orders": counts[1], **timings}

    def roll_up(self):
        from commerce.analytics.rollup import roll_up_day
        from core.extensions import db
        from core.tenancy import tenant_context

        timings = {}
        with self.app.app_context(), tenant_context(self.tenant_id):
            day = self.first_day
            while day <= self.last_day:
                began = time.perf_counter()
                roll_up_day(day)
                db.session.commit()
                timings[day.isoformat()] = time.perf_counter() - began
                day += dt.timedelta(days=1)
        return timings

    def busiest_day(self):
        from sqlalchemy import func, select

        from commerce.analytics.models import AnalyticsEvent
        from core.extensions import db
        from core.tenancy import tenant_context

        with self.app.app_context(), tenant_context(self.tenant_id):
            china_day = func.date(func.timezone("Asia/Shanghai", AnalyticsEvent.occurred_at))
            day, events = db.session.execute(select(china_day, func.count()).group_by(china_day)
                                             .order_by(func.count().desc()).limit(1)).one()
        return day, events

    def time_queries(self):
        from commerce.analytics import queries
        from core.tenancy import tenant_context

        end = self.last_day
        start = end - dt.timedelta(days=RANGE_DAYS - 1)
        calls = {
            "day_figures(day)": lambda: queries.day_figures(end),
            "daily_series(30 days)": lambda: queries.daily_series(start, end),
            "funnel(30 days)": lambda: queries.funnel(start, end),
            "funnel(30 days, channel)": lambda: queries.funnel(start, end, channel="group"),
            "top_products(views)": lambda: queries.top_products(start, end, by="views"),
            "top_products(sales)": lambda: queries.top_products(start, end, by="sales"),
            "buyer_mix(30 days)": lambda: queries.buyer_mix(start, end),
            "empty_searches(30 days)": lambda: queries.empty_searches(start, end),
            "channel_table(30 days)": lambda: queries.channel_table(start, end),
        }
        results = []
        with self.app.app_context(), tenant_context(self.tenant_id):
            from core.extensions import db

            for name, call in calls.items():
                runs = []
                for _ in range(self.args.repeat):
                    db.session.remove()  # a fresh session each time, as a request has
                    began = time.perf_counter()
                    answer = call()
                    runs.append((time.perf_counter() - began) * 1000)
                results.append({"query": name, "best_ms": round(min(runs), 1), "median_ms": round(statistics.median(runs), 1),
                                "worst_ms": round(max(runs), 1), "pass": max(runs) < QUERY_TARGET_MS,
                                "sample": _sample(answer)})
        return results


    def profile_everyone(self):
        """Every member consents to profiling (as if all had ticked it), so RFM and the portrait
        have the whole store to work on; then the RFM scores are computed, timed."""
        from commerce.analytics.rfm import compute_rfm
        from core.tenancy import tenant_context

        with self.app.app_context(), tenant_context(self.tenant_id):
            from sqlalchemy import text

            from core.extensions import db

            db.session.execute(text(
                "INSERT INTO member_consents (tenant_id, member_id, purpose, granted, policy_version, channel, "
                "created_at) SELECT tenant_id, id, 'profiling', true, 0, 'h5', now() FROM members "
                "WHERE tenant_id = :store"), {"store": self.tenant_id})
            db.session.commit()
            began = time.perf_counter()
            run = compute_rfm()
            db.session.commit()
            seconds = round(time.perf_counter() - began, 2)
        self.analyze()
        return {"scored": run.scored, "seconds": seconds}

    def analyze(self):
        """Table statistics as autovacuum would have them by now (fresh rows have none)."""
        from sqlalchemy import create_engine, text

        engine = create_engine(self.app.config["MIGRATION_DATABASE_URL"])
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
        engine.dispose()

    def time_screens(self):
        """Each console screen of the dashboard, GET as the owner through the whole app (the
        session, the tenant, the template), best / median / worst of ``repeat``."""
        from bench.seed import BENCH_SLUG, OWNER_EMAIL, OWNER_PASSWORD

        client = self.app.test_client()
        base = f"http://{self.app.config['PLATFORM_DOMAIN']}"
        login = client.get("/console/login", base_url=base).get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login).group(1)
        signed_in = client.post("/console/login", base_url=base, data={
            "csrf_token": token, "slug": BENCH_SLUG, "email": OWNER_EMAIL, "password": OWNER_PASSWORD})
        if signed_in.status_code != 302:
            raise RuntimeError(f"could not sign in to the console: {signed_in.status_code}")
        results = []
        for name, path in SCREENS:
            runs = []
            for _ in range(self.args.repeat):
                began = time.perf_counter()
                answer = client.get(path, base_url=base, headers={"Accept-Language": "zh-CN"})
                runs.append((time.perf_counter() - began) * 1000)
                if answer.status_code != 200:
                    raise RuntimeError(f"{path} answered {answer.status_code}")
            results.append({"screen": name, "path": path, "best_ms": round(min(runs), 1),
                            "median_ms": round(statistics.median(runs), 1), "worst_ms": round(max(runs), 1),
                            "pass": max(runs) < QUERY_TARGET_MS})
        return results


def _sample(answer):
    if isinstance(answer, list):
        return f"{len(answer)} rows"
    return type(answer).__name__


def markdown(report):
    seed = report["seed"]
    lines = [f"## Analytics benchmark ({report['started_at']}{', tiny' if report['tiny'] else ''})", "",
             f"{seed['events']:,} events, {seed['paid_orders']:,} paid orders, {report['members']:,} members, "
             f"{report['days']} days, one store, PostgreSQL with row-level security; "
             f"seeding: orders {seed['orders_s']} s, events {seed['events_s']} s.", "",
             "| measured | result | target |", "|---|---:|---|"]
    rollup = report["rollup"]
    lines.append(f"| roll-up of one day, mean over {rollup['days']} days ({rollup['mean_events']:,} events/day) "
                 f"| {rollup['mean_s']} s | < {ROLLUP_TARGET_S:g} s {'PASS' if rollup['mean_s'] < ROLLUP_TARGET_S else 'FAIL'} |")
    lines.append(f"| roll-up of the busiest day ({rollup['busiest_events']:,} events) | {rollup['busiest_s']} s "
                 f"| < {ROLLUP_TARGET_S:g} s {'PASS' if rollup['busiest_s'] < ROLLUP_TARGET_S else 'FAIL'} |")
    for query in report["queries"]:
        lines.append(f"| `{query['query']}` (best / median / worst of {report['repeat']}) | {query['best_ms']} / "
                     f"{query['median_ms']} / {query['worst_ms']} ms | < {QUERY_TARGET_MS:g} ms "
                     f"{'PASS' if query['pass'] else 'FAIL'} |")
    lines.append(f"| RFM scores of {report['rfm']['scored']:,} consenting members | {report['rfm']['seconds']} s | — |")
    for screen in report["screens"]:
        lines.append(f"| screen {screen['screen']} `{screen['path']}` (best / median / worst) | {screen['best_ms']} / "
                     f"{screen['median_ms']} / {screen['worst_ms']} ms | < {QUERY_TARGET_MS:g} ms "
                     f"{'PASS' if screen['pass'] else 'FAIL'} |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    args = parse_args(argv)
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    run_id = uuid.uuid4().hex[:8]
    started = dt.datetime.now(dt.UTC)
    database = Database(args.database_url, run_id)
    database.create()
    log(f"database {database.name}")
    try:
        seeded = migrate_and_seed(database)
        os.environ.update(DATABASE_URL=database.app_url, DATABASE_PLATFORM_URL=database.platform_url,
                          MIGRATION_DATABASE_URL=database.owner_url, JOB_MODE="eager", DUOSHOP_ENV="development")
        os.environ.pop("REDIS_URL", None)
        from core.clock import china_today
        from duoshop.app import create_app

        app = create_app(overrides={"MIGRATION_DATABASE_URL": database.owner_url, "ANALYTICS_FLUSHER": False})
        shop = Shop(app, seeded["tenant_id"], args, china_today() - dt.timedelta(days=args.days))
        began = time.perf_counter()
        seed = shop.seed()
        log(f"seeded {seed['events']:,} events and {seed['paid_orders']:,} paid orders in "
            f"{time.perf_counter() - began:.1f} s")
        per_day = shop.roll_up()
        log(f"rolled up {len(per_day)} days: mean {statistics.mean(per_day.values()):.2f} s, "
            f"max {max(per_day.values()):.2f} s")
        busiest, busiest_events = shop.busiest_day()
        began = time.perf_counter()
        with app.app_context():
            from commerce.analytics.rollup import roll_up_day
            from core.extensions import db
            from core.tenancy import tenant_context

            with tenant_context(seeded["tenant_id"]):
                roll_up_day(busiest)
                db.session.commit()
        busiest_s = time.perf_counter() - began
        queries = shop.time_queries()
        for query in queries:
            log(f"{query['query']}: best {query['best_ms']} ms, worst {query['worst_ms']} ms")
        rfm = shop.profile_everyone()
        log(f"RFM: {rfm['scored']:,} members scored in {rfm['seconds']} s")
        screens = shop.time_screens()
        for screen in screens:
            log(f"{screen['screen']}: best {screen['best_ms']} ms, worst {screen['worst_ms']} ms")
        with app.app_context():
            from core.extensions import db

            db.engine.dispose()
    finally:
        database.drop()
    report = {"started_at": started.isoformat(timespec="seconds"), "tiny": args.tiny, "days": args.days,
              "members": args.members, "visitors": args.visitors, "repeat": args.repeat,
              "machine": {"cpus": os.cpu_count()}, "seed": seed,
              "rollup": {"days": len(per_day), "mean_s": round(statistics.mean(per_day.values()), 2),
                         "max_s": round(max(per_day.values()), 2), "mean_events": seed["events"] // args.days,
                         "busiest_day": busiest.isoformat(), "busiest_events": busiest_events,
                         "busiest_s": round(busiest_s, 2), "per_day_s": {k: round(v, 3) for k, v in per_day.items()}},
              "queries": queries, "rfm": rfm, "screens": screens}
    report["pass"] = (report["rollup"]["busiest_s"] < ROLLUP_TARGET_S and all(q["pass"] for q in queries)
                      and all(screen["pass"] for screen in screens))
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    (out_dir / f"{stamp}-analytics.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    table = markdown(report)
    (out_dir / f"{stamp}-analytics.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
