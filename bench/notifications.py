"""WeChat Pay notifications under a burst (issue 17, target 3): ``--count`` signed and encrypted
payment notifications, in the WeChat Pay v3 format the sandbox sends, posted at the same moment
to gunicorn on the bench's settings; target p99 < 200 ms, every one answered 204 and applied.

1. a fresh PostgreSQL database, migrated and seeded as ``make bench`` does (``bench/run.py``);
2. platform keys derived from a seed as the sandbox derives them (``sandbox.wechatpay``): the
   server runs in production mode and trusts the sandbox's platform key as it would WeChat's;
   the store takes payments in service-provider mode (a ``sub_mchid``);
3. ``--count`` orders awaiting payment (plus a few to warm every worker), each with its
   notification built by ``sandbox.wechatpay.notify.build_notification``;
4. every connection opened first, then every notification written at once (asyncio); a
   notification's latency runs from its write to its full answer;
5. checks 204 for each and every order paid in the database; writes
   ``bench/results/<timestamp>-notifications.json`` and ``.md``, prints PASS/FAIL, stops
   gunicorn, clears its Redis keys and drops the database — also when something fails.

``--tiny`` (10 notifications, 2 workers) checks that it runs (tests/bench).
"""
import argparse
import asyncio
import datetime as dt
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

P99_MS = 200
SUB_MCHID = "1900000001"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--tiny", action="store_true", help="10 notifications, 2 workers: checks it runs")
    add_server_arguments(parser)
    args = parser.parse_args(argv)
    if args.tiny:
        args.count, args.workers = 10, 2
    args.app = "duoshop.app:create_app"
    return args


def wechat_pay_env(seed):
    """The platform's WeChat Pay settings for the server, with the sandbox's keys of ``seed``."""
    from sandbox.wechatpay.blueprint import shared_sandbox_keys

    platform, (mchid, keys, apiv3_key) = shared_sandbox_keys({"WECHATPAY_SANDBOX_SEED": seed})
    env = {"WECHATPAY_SP_MCHID": mchid, "WECHATPAY_SP_APPID": "wx0000000000sandbox",
           "WECHATPAY_SP_PRIVATE_KEY": keys.private_pem, "WECHATPAY_SP_CERT_SERIAL_NO": keys.serial_no,
           "WECHATPAY_SP_APIV3_KEY": apiv3_key, "WECHATPAY_PUBLIC_KEY": platform.public_pem,
           "WECHATPAY_PUBLIC_KEY_ID": platform.public_key_id}
    return env, platform


def prepare_orders(database, seed, server_env, count):
    """``count`` orders awaiting payment in the seeded store, whose WeChat Pay is set up; their
    (number, total)."""
    os.environ.update(DATABASE_URL=database.app_url, DATABASE_PLATFORM_URL=database.platform_url,
                      JOB_MODE="eager", DUOSHOP_ENV="development")
    from commerce.catalog.models import SKU, Product
    from commerce.members.models import Address, Member
    from commerce.orders.service import Wanted, place_order
    from core.extensions import db
    from core.tenancy import tenant_context
    from duoshop.app import create_app
    from payments.settings import save_service_provider_account

    app = create_app(overrides={"SECRET_KEY": server_env["SECRET_KEY"], "REDIS_URL": None,
                                "PII_ENCRYPTION_KEY": server_env["PII_ENCRYPTION_KEY"]})
    with app.app_context(), tenant_context(seed["tenant_id"]):
        save_service_provider_account(actor=None, sub_mchid=SUB_MCHID)
        product = Product(title="龙井礼盒", price=12800, stock=100_000, status=Product.ON_SALE)
        db.session.add(product)
        db.session.flush()
        sku = SKU(product_id=product.id, spec_values=[], price=12800, stock=100_000)
        db.session.add(sku)
        members = [Member(nickname=f"付款{i}") for i in range(count)]
        db.session.add_all(members)
        db.session.flush()
        addresses = [Address(member_id=m.id, name="张三", phone="13812345678", province_code="330000", city="杭州市",
                             district="西湖区", detail="文三路 100 号", is_default=True) for m in members]
        db.session.add_all(addresses)
        db.session.flush()
        orders = [place_order(member_id=a.member_id, wanted=[Wanted(sku.id, 1)], address=a) for a in addresses]
        db.session.commit()
        result = [(order.number, order.total) for order in orders]
        db.engine.dispose()
    return result


def notification(platform, apiv3_key, mchid, number, total):
    """``(headers, body)`` of the payment notification WeChat Pay sends for a paid order."""
    from sandbox.wechatpay.notify import build_notification

    now = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).isoformat(timespec="seconds")
    resource = {"out_trade_no": number, "trade_type": "JSAPI", "trade_state": "SUCCESS",
                "trade_state_desc": "支付成功", "amount": {"total": total, "currency": "CNY", "payer_total": total,
                                                       "payer_currency": "CNY"},
                "sp_mchid": mchid, "sub_mchid": SUB_MCHID, "transaction_id": "42000" + uuid.uuid4().hex[:23],
                "success_time": now, "bank_type": "OTHERS", "payer": {}}
    return build_notification(platform, apiv3_key, "TRANSACTION.SUCCESS", resource)


def request_bytes(host, tenant_id, headers, body):
    body = body.encode()
    lines = [f"POST /payments/wechatpay/notify/{tenant_id} HTTP/1.1", f"Host: {host}",
             *(f"{name}: {value}" for name, value in headers.items()), f"Content-Length: {len(body)}",
             "Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def paid_orders(database, numbers):
    from sqlalchemy import create_engine, text

    engine = create_engine(database.owner_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM orders WHERE number = ANY(:n) AND status <> "
                                     "'pending_payment'"), {"n": list(numbers)}).scalar()
    finally:
        engine.dispose()


def markdown(report):
    r = report["result"]
    lines = [f"# WeChat Pay notifications at once — {report['started_at']}", "",
             f"{report['count']} signed and encrypted payment notifications posted at the same moment; gunicorn "
             f"`-w {report['server']['workers']} --worker-class {report['server']['worker_class']} --threads "
             f"{report['server']['threads']}` (production mode, warmed), PostgreSQL (app role, RLS) + Redis on "
             f"loopback, {report['machine']['cpus']} CPUs" + (" — **tiny run, numbers mean nothing**" if report["tiny"]
                                                             else ""), "",
             "| notifications | wall s | p50 ms | p99 ms | max ms | 204 | orders paid |",
             "|---:|---:|---:|---:|---:|---:|---:|",
             f"| {report['count']} | {r['wall_s']} | {r['p50_ms']} | {r['p99_ms']} | {r['max_ms']} | {r['answered_204']} "
             f"| {r['orders_paid']} |", "", "| target | measured | result |", "|---|---|---|"]
    lines += [f"| {t['target']} | {t['measured']} | {'PASS' if t['pass'] else 'FAIL'} |" for t in report["targets"]]
    return "\n".join(lines) + "\n"


def main(argv=None):
    args = parse_args(argv)
    raise_open_files_limit(65536)
    run_id, started, stamp, out_dir = new_run(args)
    with seeded_server(args, run_id, out_dir / f"{stamp}-notifications-gunicorn.log") as (database, seed, server):
        pay_env, platform = wechat_pay_env(f"bench-{run_id}")
        server.env.update(pay_env)
        warm = 2 * args.workers * args.threads
        orders = prepare_orders(database, seed, server.env, args.count + warm)
        notes = [notification(platform, pay_env["WECHATPAY_SP_APIV3_KEY"], pay_env["WECHATPAY_SP_MCHID"], *order)
                 for order in orders]
        payloads = [request_bytes(server.host, seed["tenant_id"], *note) for note in notes]
        server.start()
        for _ in range(4 * args.workers):
            fetch(server.port, "/__bench/hello", {"Host": server.host})
        asyncio.run(burst(server.port, payloads[:warm]))  # every worker and thread has verified one before
        answers, wall = asyncio.run(burst(server.port, payloads[warm:]))
        latencies = [a["ms"] for a in answers]
        others = [a for a in answers if a["status"] != 204][:3]
        if others:
            log(f"unexpected answers, e.g. {[(a['status'], (a.get('body') or a.get('error'))[:300]) for a in others]}")
        result = {"wall_s": round(wall, 3), "p50_ms": round(statistics.median(latencies), 1),
                  "p99_ms": round(percentile(latencies, 0.99), 1), "max_ms": round(max(latencies), 1),
                  "answered_204": sum(1 for a in answers if a["status"] == 204),
                  "orders_paid": paid_orders(database, [number for number, _total in orders[warm:]])}
    report = {"started_at": started.isoformat(timespec="seconds"), "tiny": args.tiny, "count": args.count,
              "machine": {"cpus": os.cpu_count()}, "server": server_settings(args), "result": result}
    report["targets"] = [
        {"target": f"every notification answered 204 and its order paid ({args.count})",
         "measured": f"{result['answered_204']} × 204, {result['orders_paid']} paid",
         "pass": result["answered_204"] == result["orders_paid"] == args.count},
        {"target": f"p99 < {P99_MS} ms", "measured": f"{result['p99_ms']} ms", "pass": result["p99_ms"] < P99_MS},
    ]
    write_report(report, markdown(report), out_dir, f"{stamp}-notifications")
    return 0 if report["targets"][0]["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
