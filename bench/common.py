"""What the HTTP benches of issue 17 share: a burst of requests written at the same moment,
each on its own connection opened beforehand, timed from its write to its full answer."""
import argparse
import asyncio
import json
import os
import time
from contextlib import contextmanager
from types import SimpleNamespace

from bench.run import DEFAULT_ADMIN_URL, DEFAULT_REDIS_URL, ROOT, Database, Server, log, migrate_and_seed


def add_server_arguments(parser):
    """The gunicorn, database and output options every HTTP bench takes, as ``make bench`` sets them."""
    env = os.environ
    parser.add_argument("--workers", type=int, default=int(env.get("BENCH_WORKERS", 4)))
    parser.add_argument("--threads", type=int, default=int(env.get("BENCH_THREADS", 8)))
    parser.add_argument("--worker-class", default=env.get("BENCH_WORKER_CLASS", "gthread"))
    parser.add_argument("--reuse-port", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--database-url", default=env.get("BENCH_DATABASE_URL") or env.get("DATABASE_URL")
                        or DEFAULT_ADMIN_URL)
    parser.add_argument("--redis-url", default=env.get("REDIS_URL") or DEFAULT_REDIS_URL)
    parser.add_argument("--out-dir", default=str(ROOT / "bench" / "results"))


async def _one(port, payload, fire, timeout):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    await fire.wait()
    started = time.perf_counter()
    try:
        writer.write(payload)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout)
    except (OSError, TimeoutError) as error:
        return {"status": None, "error": type(error).__name__, "ms": (time.perf_counter() - started) * 1000}
    finally:
        writer.close()
    ms = (time.perf_counter() - started) * 1000
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else None
    content_type = next((line.split(":", 1)[1].strip() for line in lines[1:]
                         if line.lower().startswith("content-type:")), "")
    return {"status": status, "content_type": content_type, "body": body.decode("utf-8", "replace"), "ms": ms}


async def burst(port, payloads, timeout=30):
    """Every connection open, then every request written at once; (answers, wall seconds)."""
    fire = asyncio.Event()
    tasks = [asyncio.create_task(_one(port, payload, fire, timeout)) for payload in payloads]
    await asyncio.sleep(0.5 + len(payloads) / 2000)  # let every connection be accepted first
    began = time.perf_counter()
    fire.set()
    answers = await asyncio.gather(*tasks)
    return answers, time.perf_counter() - began


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


@contextmanager
def seeded_server(args, run_id, log_path):
    """A fresh database, migrated and seeded, and a gunicorn for it on the bench's settings
    (not started: the caller may add to ``server.env`` first); ``(database, seed, server)``.
    Everything is stopped and dropped afterwards, whatever happened."""
    database = Database(args.database_url, run_id)
    server = None
    database.create()
    log(f"database {database.name}")
    try:
        seed = migrate_and_seed(database)
        server = Server(SimpleNamespace(app=args.app, workers=args.workers, threads=args.threads,
                                        worker_class=args.worker_class, reuse_port=args.reuse_port,
                                        redis_url=args.redis_url),
                        database, run_id, log_path)
        yield database, seed, server
    finally:
        if server is not None:
            server.stop()
            try:
                server.clear_redis()
            except Exception as error:  # noqa: BLE001 - cleanup must not hide the real error
                log(f"could not clear Redis keys {server.prefix}*: {error}")
        database.drop()


def server_settings(args):
    return {"workers": args.workers, "threads": args.threads, "worker_class": args.worker_class,
            "reuse_port": args.reuse_port}


def write_report(report, table, out_dir, name):
    """``<name>.json`` and ``.md`` in ``out_dir``, the table and each target's PASS/FAIL printed."""
    (out_dir / f"{name}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    (out_dir / f"{name}.md").write_text(table)
    print(table)
    for target in report["targets"]:
        print(f"{'PASS' if target['pass'] else 'FAIL'}  {target['target']}: {target['measured']}")
    log(f"wrote {out_dir / (name + '.json')} and .md")
