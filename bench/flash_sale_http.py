"""The flash sale over HTTP (issue 17, target 2): ``--buyers`` signed-in members each send one
real ``POST /api/v1/orders`` for the sale's SKU at the same moment, for ``--units`` units.

1. a fresh PostgreSQL database, migrated and seeded as ``make bench`` does (``bench/run.py``);
   the app connects as the ordinary role, so row-level security applies;
2. one SKU on a flash sale of ``--units`` units (limit 1 per member), ``--buyers`` members
   each with an address and the bearer token ``POST /api/v1/session`` would issue;
3. gunicorn as in production (``bench.run.Server``: the bench's workers and threads, Redis);
4. every buyer's connection opened first, then every request written at once (asyncio,
   one connection per buyer); each request's latency runs from its write to its full answer;
5. checks: exactly ``--units`` answers 201 and orders awaiting payment in the database, every
   other buyer a 409 problem+json ``flash_sale_sold_out`` saying 「已抢光」, the sale's units at
   zero; attempts/s (buyers ÷ the wall time of the burst) and p99 against the targets;
6. writes ``bench/results/<timestamp>-flash-http.json`` and ``.md``, prints PASS/FAIL, stops
   gunicorn, clears its Redis keys and drops the database — also when something fails.

``--tiny`` (50 buyers, 5 units, 2 workers) checks that it runs (tests/bench).
"""
import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import sys
import uuid

from bench.common import add_server_arguments, burst, percentile, seeded_server, server_settings, write_report
from bench.run import (
    fetch,
    log,
    new_run,
    raise_open_files_limit,
)

ATTEMPTS_PER_S = 2000
P99_MS = 1000
SOLD_OUT_TEXT = "已抢光"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--buyers", type=int, default=1000)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--tiny", action="store_true", help="50 buyers, 5 units, 2 workers: checks it runs")
    add_server_arguments(parser)
    args = parser.parse_args(argv)
    if args.tiny:
        args.buyers, args.units, args.workers = 50, 5, 2
    if not 0 < args.units < args.buyers:
        parser.error("--units must be between 1 and --buyers - 1")
    args.app = "duoshop.app:create_app"
    return args


# --- the sale ------------------------------------------------------------------------------

def prepare_sale(database, seed, server_env, args):
    """The SKU on sale and the buyers with their tokens, made in this process as the app role."""
    os.environ.update(DATABASE_URL=database.app_url, DATABASE_PLATFORM_URL=database.platform_url,
                      JOB_MODE="eager", DUOSHOP_ENV="development")
    from commerce.catalog.models import SKU, Product
    from commerce.marketing.flash_sales.service import create_flash_sale
    from commerce.members.models import Address, Member
    from commerce.members.wechat_login import issue_api_token
    from core.extensions import db
    from core.models import utcnow
    from core.tenancy import tenant_context
    from duoshop.app import create_app

    # The server's keys: its tokens verify, its addresses decrypt.
    app = create_app(overrides={"SECRET_KEY": server_env["SECRET_KEY"], "REDIS_URL": None,
                                "PII_ENCRYPTION_KEY": server_env["PII_ENCRYPTION_KEY"]})
    with app.app_context(), tenant_context(seed["tenant_id"]):
        product = Product(title="一元秒杀", price=9900, stock=100_000, status=Product.ON_SALE)
        db.session.add(product)
        db.session.flush()
        sku = SKU(product_id=product.id, spec_values=[], price=9900, stock=100_000)
        db.session.add(sku)
        members = [Member(nickname=f"抢购{i}") for i in range(args.buyers)]
        db.session.add_all(members)
        db.session.flush()
        db.session.add_all([Address(member_id=m.id, name="张三", phone="13812345678", province_code="330000",
                                    city="杭州市", district="西湖区", detail="文三路 100 号", is_default=True)
                            for m in members])
        now = utcnow()
        sale = create_flash_sale(actor=None, title="整点秒杀", starts_at=now - dt.timedelta(minutes=1),
                                 ends_at=now + dt.timedelta(hours=1), items=[(sku.id, 100, args.units, 1)])
        db.session.commit()
        tokens = [issue_api_token(m) for m in members]
        result = {"sku_id": sku.id, "item_id": sale.items[0].id, "tokens": tokens}
        db.engine.dispose()
    return result


def count_outcome(database, tenant_id, sku_id, item_id):
    """Orders awaiting payment on the SKU, and the sale's units left, read as the owner."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database.owner_url)
    try:
        with engine.connect() as conn:
            orders = conn.execute(text(
                "SELECT count(DISTINCT o.id) FROM orders o JOIN order_lines l ON l.order_id = o.id "
                "WHERE o.tenant_id = :t AND l.sku_id = :s AND o.status = 'pending_payment' AND o.total > 0"),
                {"t": tenant_id, "s": sku_id}).scalar()
            left = conn.execute(text("SELECT stock FROM flash_sale_items WHERE id = :i"), {"i": item_id}).scalar()
    finally:
        engine.dispose()
    return {"payable_orders": orders, "units_left": left}


# --- the burst -----------------------------------------------------------------------------

def request_bytes(host, appid, token, sku_id):
    body = json.dumps({"items": [{"sku_id": sku_id, "quantity": 1}], "request_id": uuid.uuid4().hex}).encode()
    head = (f"POST /api/v1/orders HTTP/1.1\r\nHost: {host}\r\nX-Duoshop-AppID: {appid}\r\n"
            f"Authorization: Bearer {token}\r\nAccept-Language: zh-CN\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    return head.encode() + body


def classify(answer):
    if answer["status"] == 201:
        return "ordered"
    if answer["status"] == 409 and answer.get("content_type", "").startswith("application/problem+json"):
        try:
            problem = json.loads(answer["body"])
        except ValueError:
            return "other"
        if problem.get("code") == "flash_sale_sold_out" and SOLD_OUT_TEXT in problem.get("detail", ""):
            return "sold out"
    return "other"


# --- report --------------------------------------------------------------------------------

def check_targets(result, args):
    buyers, units = args.buyers, args.units
    return [
        {"target": f"exactly {units} payable orders (201 and in the database)",
         "measured": f"{result['outcomes']['ordered']} answered 201, {result['payable_orders']} in the database, "
                     f"{result['units_left']} units left",
         "pass": result["outcomes"]["ordered"] == units == result["payable_orders"] and result["units_left"] == 0},
        {"target": f"{buyers - units} clear 「{SOLD_OUT_TEXT}」 answers (409 problem+json)",
         "measured": f"{result['outcomes']['sold out']} sold out, {result['outcomes']['other']} other",
         "pass": result["outcomes"]["sold out"] == buyers - units and result["outcomes"]["other"] == 0},
        {"target": f"≥ {ATTEMPTS_PER_S:,} attempts/s", "measured": f"{result['attempts_per_s']:,.0f}",
         "pass": result["attempts_per_s"] >= ATTEMPTS_PER_S},
        {"target": f"p99 < {P99_MS} ms", "measured": f"{result['p99_ms']} ms", "pass": result["p99_ms"] < P99_MS},
    ]


def markdown(report):
    r = report["result"]
    lines = [f"# Flash sale over HTTP — {report['started_at']}", "",
             f"{report['buyers']} signed-in members, one `POST /api/v1/orders` each at the same moment, "
             f"{report['units']} units; gunicorn `-w {report['server']['workers']} --worker-class "
             f"{report['server']['worker_class']} --threads {report['server']['threads']}`, PostgreSQL (app role, "
             f"RLS) + Redis on loopback, {report['machine']['cpus']} CPUs"
             + (" — **tiny run, numbers mean nothing**" if report["tiny"] else ""), "",
             "| buyers | units | wall s | attempts/s | p50 ms | p99 ms | max ms | sold-out p50 / p99 ms | ordered p50 / max ms"
             " | 201 | 409 「已抢光」 | other |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
             f"| {report['buyers']} | {report['units']} | {r['wall_s']} | {r['attempts_per_s']:,.0f} | {r['p50_ms']} | "
             f"{r['p99_ms']} | {r['max_ms']} | {r['sold_out_p50_ms']} / {r['sold_out_p99_ms']} | "
             f"{r['ordered_p50_ms']} / {r['ordered_max_ms']} | {r['outcomes']['ordered']} | "
             f"{r['outcomes']['sold out']} | {r['outcomes']['other']} |", "",
             f"The same burst on the in-app hello route (`/__bench/hello`, the ceiling on this machine now): "
             f"{r['ceiling']['attempts_per_s']:,.0f} requests/s, p99 {r['ceiling']['p99_ms']} ms "
             f"({r['ceiling']['ok']} × 200).", "",
             "| target | measured | result |", "|---|---|---|"]
    lines += [f"| {t['target']} | {t['measured']} | {'PASS' if t['pass'] else 'FAIL'} |" for t in report["targets"]]
    return "\n".join(lines) + "\n"


def main(argv=None):
    args = parse_args(argv)
    raise_open_files_limit(max(65536, 4 * args.buyers + 1024))
    run_id, started, stamp, out_dir = new_run(args)
    with seeded_server(args, run_id, out_dir / f"{stamp}-flash-http-gunicorn.log") as (database, seed, server):
        sale = prepare_sale(database, seed, server.env, args)
        log(f"{args.buyers} members with tokens, SKU {sale['sku_id']} on sale with {args.units} units")
        server.start()
        api = {"Host": server.host, "X-Duoshop-AppID": seed["appid"]}
        for _ in range(4 * args.workers):  # every worker has resolved the store and imported the views
            fetch(server.port, "/api/v1/flash-sales/current", api)
        payloads = [request_bytes(server.host, seed["appid"], token, sale["sku_id"]) for token in sale["tokens"]]
        answers, wall = asyncio.run(burst(server.port, payloads))
        hello = (f"GET /__bench/hello HTTP/1.1\r\nHost: {server.host}\r\nConnection: close\r\n\r\n").encode()
        ceiling, ceiling_wall = asyncio.run(burst(server.port, [hello] * len(payloads)))
        outcomes = {"ordered": 0, "sold out": 0, "other": 0}
        for answer in answers:
            outcomes[classify(answer)] += 1
        others = [a for a in answers if classify(a) == "other"][:3]
        if others:
            log(f"unexpected answers, e.g. {[(a['status'], a.get('body', a.get('error'))[:300]) for a in others]}")
        latencies = [a["ms"] for a in answers]
        sold_out = [a["ms"] for a in answers if classify(a) == "sold out"]
        ordered = [a["ms"] for a in answers if classify(a) == "ordered"]
        result = {
            "wall_s": round(wall, 3), "attempts_per_s": round(len(answers) / wall, 1),
            "p50_ms": round(statistics.median(latencies), 1), "p99_ms": round(percentile(latencies, 0.99), 1),
            "max_ms": round(max(latencies), 1),
            "sold_out_p50_ms": round(statistics.median(sold_out), 1) if sold_out else None,
            "sold_out_p99_ms": round(percentile(sold_out, 0.99), 1) if sold_out else None,
            "ordered_p50_ms": round(statistics.median(ordered), 1) if ordered else None,
            "ordered_max_ms": round(max(ordered), 1) if ordered else None,
            "outcomes": outcomes,
            # the same burst of fresh connections on the app's bare hello route: what this machine allows now
            "ceiling": {"attempts_per_s": round(len(ceiling) / ceiling_wall, 1),
                        "p99_ms": round(percentile([a["ms"] for a in ceiling], 0.99), 1),
                        "ok": sum(1 for a in ceiling if a["status"] == 200)},
            "statuses": {str(s): sum(1 for a in answers if a["status"] == s) for s in {a["status"] for a in answers}},
        }
        result.update(count_outcome(database, seed["tenant_id"], sale["sku_id"], sale["item_id"]))
    report = {"started_at": started.isoformat(timespec="seconds"), "tiny": args.tiny, "buyers": args.buyers,
              "units": args.units, "machine": {"cpus": os.cpu_count()}, "server": server_settings(args),
              "result": result}
    report["targets"] = check_targets(result, args)
    write_report(report, markdown(report), out_dir, f"{stamp}-flash-http")
    correct = all(t["pass"] for t in report["targets"][:2])
    return report if correct else report | {"incorrect": True}


if __name__ == "__main__":
    sys.exit(1 if main().get("incorrect") else 0)
