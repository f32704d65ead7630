"""`make bench-flash`: how flash-sale units are taken when many shoppers race for a few.

Issue 6 asks to measure both ways of pre-deducting campaign stock and keep the faster
correct one. Both runs go through the product's own ``place_order``:

- ``conditional_update`` (``FLASH_SALE_GATE`` off): every buyer's transaction runs
  ``UPDATE flash_sale_items SET stock = stock - q WHERE stock >= q`` and queues on that
  row's lock, with the SKU's stock and the member's quota.
- ``redis_gate`` (``FLASH_SALE_GATE`` on, the default): a counter in Redis is taken first
  (``commerce.marketing.flash_sales.gate``, inside ``place_order`` here); buyers it turns
  away never run the UPDATE. Over HTTP the views take it before any database work:
  ``bench/flash_sale_http.py``.

Each round seeds a fresh sale of ``--units`` units and lets ``--buyers`` members try once,
``--workers`` at a time, all on PostgreSQL with row-level security (the app role) and Redis
on loopback. It checks correctness (exactly ``--units`` orders, campaign stock at zero),
counts the contended UPDATEs, and writes ``bench/results/<timestamp>-flash.json`` and ``.md``.
"""
import argparse
import datetime as dt
import json
import os
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.run import DEFAULT_ADMIN_URL, DEFAULT_REDIS_URL, ROOT, Database, log, migrate_and_seed

STRATEGIES = ("conditional_update", "redis_gate")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--buyers", type=int, default=500)
    parser.add_argument("--units", type=int, default=20)
    parser.add_argument("--workers", type=int, default=50, help="buyers trying at the same time")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per strategy (alternating)")
    parser.add_argument("--tiny", action="store_true", help="40 buyers, 5 units, 1 round: checks it runs")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_ADMIN_DATABASE_URL", DEFAULT_ADMIN_URL))
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--out-dir", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args(argv)
    if args.tiny:
        args.buyers, args.units, args.workers, args.rounds = 40, 5, 10, 1
    return args


class Rush:
    """One store, one SKU, ``buyers`` members with an address each, inside the app."""

    def __init__(self, app, tenant_id, buyers):
        from commerce.catalog.models import SKU, Product
        from commerce.members.models import Address, Member
        from core.extensions import db
        from core.tenancy import tenant_context

        self.app, self.tenant_id = app, tenant_id
        with app.app_context(), tenant_context(tenant_id):
            product = Product(title="一元秒杀压测", price=9900, stock=1_000_000, status=Product.ON_SALE)
            db.session.add(product)
            db.session.flush()
            sku = SKU(product_id=product.id, spec_values=[], price=9900, stock=1_000_000)
            db.session.add(sku)
            db.session.flush()
            self.sku_id = sku.id
            self.buyers = []
            for i in range(buyers):
                member = Member(nickname=f"抢购{i}")
                db.session.add(member)
                db.session.flush()
                address = Address(member_id=member.id, name="张三", phone="13812345678", province_code="330000",
                                  city="杭州市", district="西湖区", detail="文三路 100 号", is_default=True)
                db.session.add(address)
                db.session.flush()
                self.buyers.append((member.id, address.id))
            db.session.commit()

    def new_sale(self, units):
        """End the previous round's sale and open a fresh one; returns the item id."""
        from sqlalchemy import update

        from commerce.marketing.flash_sales.models import FlashSale
        from commerce.marketing.flash_sales.service import create_flash_sale
        from core.extensions import db
        from core.models import utcnow
        from core.tenancy import tenant_context

        with self.app.app_context(), tenant_context(self.tenant_id):
            db.session.execute(update(FlashSale).values(status=FlashSale.PAUSED))
            now = utcnow()
            sale = create_flash_sale(actor=None, title="压测秒杀", starts_at=now - dt.timedelta(minutes=1),
                                     ends_at=now + dt.timedelta(hours=1), items=[(self.sku_id, 100, units, 1)])
            db.session.commit()
            return sale.items[0].id

    def attempt(self, buyer):
        """One buyer tries once: ``(outcome, seconds)``."""
        from commerce.marketing.flash_sales.errors import FlashSaleProblem
        from commerce.members.models import Address
        from commerce.orders.errors import SoldOut
        from commerce.orders.service import Wanted, place_order
        from core.extensions import db
        from core.tenancy import tenant_context

        started = time.perf_counter()
        with self.app.app_context(), tenant_context(self.tenant_id):
            try:
                place_order(member_id=buyer[0], wanted=[Wanted(self.sku_id, 1)],
                            address=db.session.get(Address, buyer[1]))
                db.session.commit()
                outcome = "ordered"
            except (FlashSaleProblem, SoldOut) as refusal:
                db.session.rollback()
                outcome = "sold out"
                if os.environ.get("BENCH_DEBUG"):
                    print("refused:", refusal, file=sys.stderr)
        return outcome, time.perf_counter() - started

    def check(self, item_id, units):
        """Orders on the item, campaign units left, and whether anything went below zero."""
        from sqlalchemy import func, select

        from commerce.marketing.flash_sales.models import FlashSaleItem
        from commerce.orders.models import OrderLine
        from core.extensions import db
        from core.tenancy import tenant_context

        with self.app.app_context(), tenant_context(self.tenant_id):
            orders = db.session.scalar(select(func.count(OrderLine.id)).where(OrderLine.flash_sale_item_id == item_id))
            left = db.session.scalar(select(FlashSaleItem.stock).where(FlashSaleItem.id == item_id))
        return {"orders": orders, "units_left": left, "correct": orders == units and left == 0}


class UpdateCounter:
    """Counts the ``UPDATE flash_sale_items`` statements sent: buyers who reached the row lock."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.count, self._lock = 0, threading.Lock()
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE FLASH_SALE_ITEMS"):
            with self._lock:
                self.count += 1


def run_round(rush, strategy, args, counter, round_no):
    rush.app.config["FLASH_SALE_GATE"] = strategy == "redis_gate"
    item_id = rush.new_sale(args.units)
    counter.count = 0
    start = threading.Barrier(args.workers)

    def one(numbered):
        number, buyer = numbered
        if number < args.workers:
            start.wait(timeout=60)  # the first wave starts at the same instant
        return rush.attempt(buyer)

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        outcomes = list(pool.map(one, enumerate(rush.buyers)))
    wall = time.perf_counter() - began
    latencies = sorted(seconds * 1000 for _outcome, seconds in outcomes)
    result = {
        "strategy": strategy, "round": round_no, "buyers": len(outcomes), "units": args.units,
        "wall_s": round(wall, 3), "attempts_per_s": round(len(outcomes) / wall, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 1),
        "stock_updates": counter.count,
        "ordered": sum(1 for outcome, _s in outcomes if outcome == "ordered"),
    }
    result.update(rush.check(item_id, args.units))
    result["correct"] = result["correct"] and result["ordered"] == args.units
    return result


def summary(results):
    rows = []
    for strategy in STRATEGIES:
        mine = [r for r in results if r["strategy"] == strategy]
        if mine:
            rows.append({"strategy": strategy, "rounds": len(mine),
                         "wall_s_median": round(statistics.median(r["wall_s"] for r in mine), 3),
                         "attempts_per_s_median": round(statistics.median(r["attempts_per_s"] for r in mine), 1),
                         "p99_ms_median": round(statistics.median(r["p99_ms"] for r in mine), 1),
                         "stock_updates_median": statistics.median(r["stock_updates"] for r in mine),
                         "all_correct": all(r["correct"] for r in mine)})
    return rows


def markdown(report):
    lines = [f"# Flash-sale units: conditional UPDATE vs a Redis gate ({report['started_at']})", "",
             f"{report['buyers']} buyers, {report['units']} units, {report['workers']} at a time, "
             f"{report['rounds']} round(s) each; PostgreSQL (app role, RLS) and Redis on loopback, "
             f"{report['machine']['cpus']} CPUs.", "",
             "| strategy | rounds | wall s (median) | attempts/s | p99 ms | buyers reaching the stock UPDATE | exactly N orders |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for row in report["summary"]:
        lines.append(f"| {row['strategy']} | {row['rounds']} | {row['wall_s_median']} | {row['attempts_per_s_median']:,}"
                     f" | {row['p99_ms_median']} | {row['stock_updates_median']:g} | "
                     f"{'yes' if row['all_correct'] else '**NO**'} |")
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
        seed = migrate_and_seed(database)
        os.environ.update(DATABASE_URL=database.app_url, DATABASE_PLATFORM_URL=database.platform_url,
                          REDIS_URL=args.redis_url, JOB_MODE="eager", DUOSHOP_ENV="development")
        from duoshop.app import create_app

        app = create_app(overrides={"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": args.workers + 5, "max_overflow": 0}})
        rush = Rush(app, seed["tenant_id"], args.buyers)
        with app.app_context():
            from core.extensions import db

            counter = UpdateCounter(db.engine)
        results = []
        for round_no in range(args.rounds):
            for strategy in (STRATEGIES if round_no % 2 == 0 else reversed(STRATEGIES)):
                result = run_round(rush, strategy, args, counter, round_no)
                log(f"{strategy} round {round_no + 1}: {result['wall_s']} s, {result['attempts_per_s']} attempts/s, "
                    f"p99 {result['p99_ms']} ms, {result['ordered']} ordered, correct={result['correct']}")
                results.append(result)
        with app.app_context():
            from core.extensions import db

            db.engine.dispose()
    finally:
        database.drop()
    report = {"started_at": started.isoformat(timespec="seconds"), "buyers": args.buyers, "units": args.units,
              "workers": args.workers, "rounds": args.rounds, "tiny": args.tiny,
              "machine": {"cpus": os.cpu_count()}, "results": results, "summary": summary(results)}
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    (out_dir / f"{stamp}-flash.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    table = markdown(report)
    (out_dir / f"{stamp}-flash.md").write_text(table)
    print(table)
    return 0 if all(r["correct"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
