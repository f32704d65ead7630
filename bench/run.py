"""`make bench`: the storefront and API under load, measured with wrk over loopback.

1. creates a fresh PostgreSQL database, migrates it as its owner and grants the ordinary
   app role (``duoshop_app``) what production grants, so row-level security applies;
2. seeds one store through the services (``bench/seed.py``);
3. starts three gunicorns on free 127.0.0.1 ports, all with the same settings: a bare Flask
   hello (``bench/bare_flask.py``, the ceiling), the app (``REDIS_URL``, ``BENCH_ROUTES=1``)
   and the app with its whole-page cache off (``PAGE_CACHE=False``, the uncached home);
4. runs wrk against every scenario at every connection count and parses its report; then
   the home page once more to see the workers' memory settle, and an open-loop run at a
   fixed rate (``bench/open_loop.py``);
5. writes ``bench/results/<timestamp>.json`` and ``.md``, prints the table, checks the
   targets of issues 4 and 17, stops gunicorn and drops the database — also when something fails.

Traffic goes to 127.0.0.1 only; every wrk run is bounded by its duration.
``--tiny`` runs each scenario for 1 s at 10 connections (used by tests/bench);
``--render bench/results/<timestamp>.json`` reprints a saved result's table.
"""
import argparse
import datetime as dt
import json
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from bench.open_loop import run_open_loop

ROOT = Path(__file__).resolve().parent.parent
LUA_SCRIPT = Path(__file__).resolve().parent / "report.lua"
APP_ROLE = "duoshop_app"
PLATFORM_ROLE = "duoshop_platform"  # reads across stores (docs/security.md)
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"

# Targets from issue 17, items 1, 4 and 5: shares of the bare Flask ceiling at 50 connections.
SHARE_OF_CEILING = {"home": 0.75, "product": 0.60, "category": 0.60, "home_uncached": 0.25}
P99_MS = 50  # cached storefront pages at 50 connections
P99_SCENARIOS = ("home", "product", "category")
WORKER_RSS_MB = 200
RSS_GROWTH = 0.05  # between two consecutive runs of the home scenario
OPEN_LOOP_RPS = 1000
SCENARIOS = ("bare", "hello", "home", "product", "category", "api_products", "home_uncached")
SCENARIO_LABELS = {
    "bare": "(a) bare Flask hello (ceiling)",
    "hello": "(a′) in-app hello route",
    "home": "(b) storefront home",
    "product": "(c) product detail",
    "category": "(d) category page",
    "api_products": "(e) API product list",
    "home_uncached": "(f) storefront home, page cache off",
}
CEILING = "bare"


def parse_args(argv=None):
    env = os.environ
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tiny", action="store_true", default=env.get("BENCH_TINY") == "1",
                        help="1 s per scenario at 10 connections: checks the benchmark runs (env BENCH_TINY=1)")
    parser.add_argument("--duration", type=int, default=int(env.get("BENCH_DURATION", 15)),
                        help="seconds per run below 1,000 connections (default 15)")
    parser.add_argument("--long-duration", type=int, default=int(env.get("BENCH_LONG_DURATION", 30)),
                        help="seconds per run at 1,000 connections or more (default 30)")
    parser.add_argument("--connections", default=env.get("BENCH_CONNECTIONS", "50,1000"),
                        help="comma-separated connection counts (default 50,1000)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated subset of " + ",".join(SCENARIOS))
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--timeout", default=env.get("BENCH_TIMEOUT", "2s"),
                        help="wrk's per-request timeout (default 2s, wrk's own); timeouts count as socket errors")
    parser.add_argument("--workers", type=int, default=int(env.get("BENCH_WORKERS", 4)))
    parser.add_argument("--threads", type=int, default=int(env.get("BENCH_THREADS", 8)))
    parser.add_argument("--worker-class", default=env.get("BENCH_WORKER_CLASS", "gthread"))
    parser.add_argument("--reuse-port", action=argparse.BooleanOptionalAction, default=env.get("BENCH_REUSE_PORT", "1") == "1",
                        help="one SO_REUSEPORT socket per worker so the kernel spreads connections over the workers "
                             "(default on; --no-reuse-port: one shared socket, see README)")
    parser.add_argument("--warmup", type=float, default=None, help="seconds of unrecorded load per scenario (default 2, tiny 0)")
    parser.add_argument("--database-url", default=env.get("BENCH_DATABASE_URL") or env.get("DATABASE_URL") or DEFAULT_ADMIN_URL,
                        help="a PostgreSQL role that may create databases; the benchmark makes its own database")
    parser.add_argument("--redis-url", default=env.get("REDIS_URL") or DEFAULT_REDIS_URL)
    parser.add_argument("--out-dir", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--app", default="duoshop.app:create_app",
                        help="application factory gunicorn serves (default duoshop.app:create_app; to measure a variant)")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database at the end (debugging)")
    parser.add_argument("--open-loop-rate", type=int, default=int(env.get("BENCH_OPEN_LOOP_RATE", OPEN_LOOP_RPS)),
                        help=f"requests/s of the fixed-rate run on the home page (default {OPEN_LOOP_RPS}; 0: skip it)")
    parser.add_argument("--open-loop-duration", type=int, default=int(env.get("BENCH_OPEN_LOOP_DURATION", 30)),
                        help="seconds of the fixed-rate run (default 30, tiny 1)")
    args = parser.parse_args(argv)
    if args.tiny:
        args.duration = args.long_duration = 1
        args.connections = "10"
        args.open_loop_duration = 1
        args.warmup = 0 if args.warmup is None else args.warmup
    args.warmup = 2 if args.warmup is None else args.warmup
    args.connections = [int(c) for c in str(args.connections).split(",") if c.strip()]
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    return args


def log(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --- environment -------------------------------------------------------------------------

def raise_open_files_limit(wanted):
    """wrk and gunicorn each hold one descriptor per connection; 1,000 needs more than 1,024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require_wrk():
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk (Debian package)")
    return path


class Database:
    """A fresh database for this run, owned by the admin URL's role, dropped at the end."""

    def __init__(self, admin_url, run_id):
        from sqlalchemy.engine import make_url

        from core.config import normalize_database_url

        self.admin = make_url(normalize_database_url(admin_url)).set(database="postgres")
        self.name = f"duoshop_bench_{run_id}"
        self.owner_url = self.admin.set(database=self.name).render_as_string(hide_password=False)
        self.app_url = self.admin.set(database=self.name, username=APP_ROLE, password=None).render_as_string(
            hide_password=False)
        self.platform_url = self.admin.set(database=self.name, username=PLATFORM_ROLE, password=None).render_as_string(
            hide_password=False)

    def _execute(self, *statements, url=None):
        from sqlalchemy import create_engine, text

        engine = create_engine(url or self.admin, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                results = []
                for statement in statements:
                    result = conn.execute(text(statement))
                    results.append(result.fetchall() if result.returns_rows else None)
                return results
        finally:
            engine.dispose()

    def create(self):
        self._execute(f'CREATE DATABASE "{self.name}"')
        for role in (APP_ROLE, PLATFORM_ROLE):
            if not self._execute(f"SELECT 1 FROM pg_roles WHERE rolname = '{role}'")[0]:
                self._execute(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS")

    def grant_app_role(self):
        self._execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}",
                      f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}",
                      f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {PLATFORM_ROLE}", url=self.owner_url)

    def drop(self):
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def base_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "MIGRATION_DATABASE_URL", "DATABASE_PLATFORM_URL", "REDIS_URL")}
    env.update({k: str(v) for k, v in extra.items()})
    return env


def _run_step(what, command, env):
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(f"{what} failed ({completed.returncode}):\n{completed.stderr[-4000:]}{completed.stdout[-2000:]}")
    return completed.stdout


def migrate_and_seed(database):
    env = base_env(DATABASE_URL=database.owner_url, JOB_MODE="eager", DUOSHOP_ENV="development")
    _run_step("flask db upgrade", [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], env)
    database.grant_app_role()
    out = _run_step("seeding (bench/seed.py)", [sys.executable, "-m", "bench.seed"], env)
    return json.loads(out.strip().splitlines()[-1])


# --- the server --------------------------------------------------------------------------

class Server:
    """One gunicorn. ``app=None``: Duoshop (``args.app``) with ``overrides``; else that WSGI
    app (the bare Flask ceiling), which answers ``ready_path``."""

    def __init__(self, args, database, run_id, log_path, *, overrides=None, app=None, ready_path="/__bench/hello"):
        self.port = free_port()
        self.host = f"localhost:{self.port}"
        self.args = args
        self.ready_path = ready_path
        self.prefix = f"duoshop:bench-{run_id}:"
        # Same app as wsgi:app, with the cache and rate-limit keys under a prefix of this run:
        # a fresh database starts tenant ids at 1 again, and must not meet another run's cache.
        overrides = {"CACHE_KEY_PREFIX": self.prefix + "cache:", "RATELIMIT_KEY_PREFIX": self.prefix + "rl",
                     **(overrides or {})}
        self.command = [
            sys.executable, "-m", "gunicorn", app or f"{args.app}(overrides={overrides!r})",
            "--bind", f"127.0.0.1:{self.port}", "--workers", str(args.workers),
            "--worker-class", args.worker_class, "--threads", str(args.threads),
            "--backlog", "2048", "--worker-connections", "2000", "--keep-alive", "5",
            "--graceful-timeout", "5", "--log-level", "warning",
        ] + (["--reuse-port"] if args.reuse_port else [])
        self.env = base_env(
            DUOSHOP_ENV="production", SECRET_KEY=secrets.token_urlsafe(48),
            PII_ENCRYPTION_KEY=_random_key(), DATABASE_URL=database.app_url, DATABASE_PLATFORM_URL=database.platform_url,
            REDIS_URL=args.redis_url,
            RQ_QUEUE_PREFIX=self.prefix, PLATFORM_DOMAIN=self.host, PREFERRED_URL_SCHEME="http",
            BENCH_ROUTES="1", LOG_LEVEL="WARNING",
        )
        self.log_path = log_path
        self.process = None

    def start(self):
        self.launch()
        self.wait_ready()

    def launch(self):
        self._log = open(self.log_path, "w")  # noqa: SIM115 - lives as long as the server; closed in stop()
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def wait_ready(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log_path}")
            try:
                if fetch(self.port, self.ready_path, {"Host": self.host})[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within 60 s; see {self.log_path}")

    def terminate(self):
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.process is not None:
            self._log.close()

    def worker_rss_mb(self):
        """VmRSS of each worker (the master's children), in MB, by pid."""
        if self.process is None:
            return {}
        workers = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if fields.get("PPid", "").strip() == str(self.process.pid) and "VmRSS" in fields:
                workers[int(entry.name)] = round(int(fields["VmRSS"].split()[0]) / 1024, 1)
        return dict(sorted(workers.items()))

    def clear_redis(self):
        from redis import Redis

        redis = Redis.from_url(self.args.redis_url)
        for key in redis.scan_iter(self.prefix + "*"):
            redis.delete(key)
        redis.close()


def _random_key():
    import base64

    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def fetch(port, path, headers):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def scenario_requests(servers, seed):
    """scenario → (server, path, headers)."""
    bare, app, uncached = servers["bare"], servers["app"], servers["uncached"]
    store_host = f"{seed['slug']}.{app.host}"
    return {
        "bare": (bare, "/", {"Host": bare.host}),
        "hello": (app, "/__bench/hello", {"Host": app.host}),
        "home": (app, "/", {"Host": store_host}),
        "product": (app, f"/products/{seed['product_id']}", {"Host": store_host}),
        "category": (app, f"/c/{seed['category_id']}", {"Host": store_host}),
        "api_products": (app, "/api/v1/products", {"Host": app.host, "X-Duoshop-AppID": seed["appid"]}),
        "home_uncached": (uncached, "/", {"Host": f"{seed['slug']}.{uncached.host}"}),
    }


# --- wrk ---------------------------------------------------------------------------------

BENCH_JSON = re.compile(r"^BENCH_JSON (\{.*\})\s*$", re.MULTILINE)
REQS_PER_SEC = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")


def run_wrk(wrk, port, path, headers, *, connections, duration, threads, timeout, record=True):
    command = [wrk, f"-t{min(threads, connections)}", f"-c{connections}", f"-d{duration}s", f"--timeout={timeout}",
               "--latency", "-s", str(LUA_SCRIPT)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    completed = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    if completed.returncode != 0:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr.strip() or completed.stdout}")
    return parse_wrk(completed.stdout, command) if record else None


def parse_wrk(output, command=None):
    """Requests/s, latency percentiles, socket errors and status counts from one wrk run."""
    match = BENCH_JSON.search(output)
    if match is None:
        raise RuntimeError("wrk printed no BENCH_JSON line (was bench/report.lua passed?):\n" + output)
    raw = json.loads(match.group(1))
    seconds = raw["duration_us"] / 1e6
    statuses = {int(code): n for code, n in raw["statuses"].items()}
    errors = raw["errors"]
    socket_errors = errors["connect"] + errors["read"] + errors["write"] + errors["timeout"]
    text_rps = REQS_PER_SEC.search(output)
    text_non_2xx = NON_2XX.search(output)
    latency = raw["latency_us"]
    return {
        "requests": raw["requests"],
        "seconds": round(seconds, 3),
        "rps": round(float(text_rps.group(1)) if text_rps else raw["requests"] / seconds, 1),
        "latency_ms": {k: round(v / 1000, 2) for k, v in latency.items()},
        # wrk records no latency for a timed-out request: when every one timed out there is none.
        "p50_ms": round(latency["p50"] / 1000, 2) if latency["max"] else None,
        "p99_ms": round(latency["p99"] / 1000, 2) if latency["max"] else None,
        "socket_errors": {k: errors[k] for k in ("connect", "read", "write", "timeout")},
        "socket_errors_total": socket_errors,
        # wrk's own count of responses outside 2xx/3xx, and ours by status from the Lua script.
        "non_2xx_3xx": int(text_non_2xx.group(1)) if text_non_2xx else errors["status"],
        "status_5xx": sum(n for code, n in statuses.items() if code >= 500),
        "statuses": {str(code): n for code, n in sorted(statuses.items())},
        "transfer_bytes": raw["bytes"],
        "command": command,
    }


# --- targets and report ------------------------------------------------------------------

def check_targets(results, connections, memory=None, open_loop=None):
    """Issue 17's targets, each with its measured value and pass/fail (None: not measured)."""
    by = {(r["scenario"], r["connections"]): r for r in results}
    targets = []
    low = 50 if 50 in connections else min(connections)
    ceiling = by.get((CEILING, low))
    for name, wanted in SHARE_OF_CEILING.items():
        row = by.get((name, low))
        share = row["rps"] / ceiling["rps"] if row and ceiling and ceiling["rps"] else None
        targets.append({"target": f"{SCENARIO_LABELS[name]} ≥ {wanted:.0%} of bare Flask's req/s at {low} connections",
                        "measured": f"{share:.0%}" if share is not None else "not measured",
                        "pass": None if share is None else share >= wanted})
    for name in P99_SCENARIOS:
        row = by.get((name, low))
        targets.append({"target": f"{SCENARIO_LABELS[name]} p99 < {P99_MS} ms at {low} connections",
                        "measured": _ms(row["p99_ms"]) if row else "not measured",
                        "pass": None if row is None else row["p99_ms"] is not None and row["p99_ms"] < P99_MS})
    high = [r for r in results if r["connections"] >= 1000]
    for r in high:
        ok = r["socket_errors_total"] == 0 and r["status_5xx"] == 0
        targets.append({
            "target": f"{r['scenario']} at {r['connections']} connections for {r['duration_s']} s: "
                      "zero socket errors and zero 5xx",
            "measured": f"{r['socket_errors_total']} socket errors ({_errors_text(r)}), {r['status_5xx']} 5xx",
            "pass": ok})
    if not high:
        targets.append({"target": "1,000 connections: zero socket errors and zero 5xx",
                        "measured": "not measured (no run at 1,000 connections)", "pass": None})
    targets += _memory_targets(memory)
    if open_loop:
        targets.append({"target": f"home at a fixed {open_loop['offered_rps']:,} req/s for {open_loop['duration_s']} s "
                                  "(open loop): every request answered, none 5xx",
                        "measured": f"p50 {_ms(open_loop['p50_ms'])}, p99 {_ms(open_loop['p99_ms'])}, "
                                    f"p99.9 {_ms(open_loop['p999_ms'])}; {open_loop['answered']:,}/{open_loop['scheduled']:,} "
                                    f"answered, {open_loop['errors_total']} errors, {open_loop['status_5xx']} 5xx",
                        "pass": open_loop["errors_total"] == 0 and open_loop["status_5xx"] == 0})
    return targets


def _memory_targets(memory):
    if not memory:
        return [{"target": f"every worker's RSS ≤ {WORKER_RSS_MB} MB after the bench", "measured": "not measured",
                 "pass": None}]
    after = {**memory["after_bench"], **memory.get("uncached_after_bench", {})}
    growth = [memory["after_home_again"][pid] / rss - 1 for pid, rss in memory["after_home"].items()
              if pid in memory["after_home_again"]]
    return [
        {"target": f"every worker's RSS ≤ {WORKER_RSS_MB} MB after the bench",
         "measured": ", ".join(f"{rss:.0f}" for rss in after.values()) + " MB",
         "pass": bool(after) and max(after.values()) <= WORKER_RSS_MB},
        {"target": f"RSS grows ≤ {RSS_GROWTH:.0%} from one home run to the next",
         "measured": ", ".join(f"{g:+.1%}" for g in growth) if growth else "workers restarted",
         "pass": bool(growth) and max(growth) <= RSS_GROWTH},
    ]


def _errors_text(r):
    return ", ".join(f"{k} {v}" for k, v in r["socket_errors"].items() if v) or "none"


def _ms(value, unit=" ms"):
    return "— (every request timed out)" if value is None else f"{value}{unit}"


def _mark(passed):
    return {True: "PASS", False: "FAIL", None: "n/a"}[passed]


def markdown(report):
    lines = [f"# `make bench` — {report['started_at']}", ""]
    server = report["server"]
    reuse = " --reuse-port" if server.get("reuse_port") else ""
    lines += [f"gunicorn `-w {server['workers']} --worker-class {server['worker_class']} --threads {server['threads']}{reuse}`, "
              f"{report['machine']['cpus']} CPUs, PostgreSQL + Redis on loopback, wrk {report['wrk']['threads']} threads, "
              f"timeout {report['wrk']['timeout']}; store: {report['seed']['products']} products, "
              f"{report['seed']['categories']} categories, home page of {report['seed']['home_blocks']} blocks"
              + (" — **tiny run, numbers mean nothing**" if report["tiny"] else ""), ""]
    lines += ["| scenario | conns | secs | req/s | % of ceiling | p50 ms | p99 ms | socket errors | non-2xx/3xx | 5xx |",
              "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|"]
    ceiling = {r["connections"]: r["rps"] for r in report["results"] if r["scenario"] == CEILING}
    for r in report["results"]:
        share = f"{r['rps'] / ceiling[r['connections']]:.0%}" if ceiling.get(r["connections"]) else "—"
        errors = f"{r['socket_errors_total']}" + (f" ({_errors_text(r)})" if r["socket_errors_total"] else "")
        lines.append(f"| {SCENARIO_LABELS[r['scenario']]} | {r['connections']} | {r['duration_s']} | {r['rps']:.0f} | "
                     f"{share} | {_ms(r['p50_ms'], '')} | {_ms(r['p99_ms'], '')} | {errors} | {r['non_2xx_3xx']} | {r['status_5xx']} |")
    if report.get("memory"):
        memory = report["memory"]
        lines += ["", "| gunicorn worker RSS, MB | " + " | ".join(f"worker {i + 1}" for i in range(len(memory["after_bench"]))) + " |",
                  "|---|" + "---:|" * len(memory["after_bench"])]
        for label, key in (("app, after every scenario", "after_bench"), ("app, after one more home run", "after_home"),
                           ("app, after the next home run", "after_home_again"),
                           ("app with the page cache off, after the bench", "uncached_after_bench")):
            if memory.get(key):
                lines.append(f"| {label} | " + " | ".join(f"{v:.0f}" for v in memory[key].values()) + " |")
    if report.get("open_loop"):
        o = report["open_loop"]
        lines += ["", "| open loop (home) | offered req/s | secs | answered | achieved req/s | p50 ms | p99 ms | p99.9 ms | max ms | errors | 5xx |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
                  f"| fixed rate, latency from the schedule | {o['offered_rps']} | {o['duration_s']} | {o['answered']} | "
                  f"{o['achieved_rps']} | {o['p50_ms']} | {o['p99_ms']} | {o['p999_ms']} | {o['max_ms']} | {o['errors_total']} | {o['status_5xx']} |"]
    lines += ["", "| target | measured | result |", "|---|---|---|"]
    lines += [f"| {t['target']} | {t['measured']} | {_mark(t['pass'])} |" for t in report["targets"]]
    return "\n".join(lines) + "\n"


# --- main --------------------------------------------------------------------------------

def render(path):
    """Print (and rewrite) the Markdown table of a saved result, e.g. after changing the format."""
    report = json.loads(Path(path).read_text())
    for r in report["results"]:
        if not r["latency_ms"]["max"]:
            r["p50_ms"] = r["p99_ms"] = None
    report["targets"] = check_targets(report["results"], sorted({r["connections"] for r in report["results"]}),
                                      _memory_of(report), report.get("open_loop"))
    table = markdown(report)
    Path(path).with_suffix(".md").write_text(table)
    print(table)


def _memory_of(report):
    memory = report.get("memory")
    if not memory:
        return None
    return {key: {int(pid): rss for pid, rss in value.items()} for key, value in memory.items()}


def new_run(args):
    """``(run id, started, stamp, out dir)`` of a bench run, from the project's root."""
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    started = dt.datetime.now(dt.UTC)
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return uuid.uuid4().hex[:8], started, started.strftime("%Y%m%dT%H%M%SZ"), out_dir


def main(argv=None):
    if argv is None and sys.argv[1:2] == ["--render"]:
        return render(sys.argv[2])
    args = parse_args(argv)
    wrk = require_wrk()
    run_id, started, stamp, out_dir = new_run(args)
    nofile = raise_open_files_limit(max(65536, 4 * max(args.connections) + 1024))
    if nofile < 2 * max(args.connections) + 100:
        raise SystemExit(f"open files limit {nofile} is too low for {max(args.connections)} connections")
    database = Database(args.database_url, run_id)
    servers = {}
    log(f"database {database.name}")
    database.create()
    try:
        seed = migrate_and_seed(database)
        log(f"seeded store {seed['slug']}: {seed['products']} products, home page of {seed['home_blocks']} blocks")
        servers["bare"] = Server(args, database, run_id, out_dir / f"{stamp}-gunicorn-bare.log",
                                 app="bench.bare_flask:app", ready_path="/")
        servers["app"] = Server(args, database, run_id, out_dir / f"{stamp}-gunicorn.log")
        servers["uncached"] = Server(args, database, run_id, out_dir / f"{stamp}-gunicorn-uncached.log",
                                     overrides={"PAGE_CACHE": False})
        for server in servers.values():  # side by side: each takes seconds to import the app
            server.launch()
        for label, server in servers.items():
            server.wait_ready()
            log(f"gunicorn ({label}) on 127.0.0.1:{server.port} ({' '.join(server.command[3:])})")
        app = servers["app"]
        requests = scenario_requests(servers, seed)

        def measure(name, connections, duration):
            server, path, headers = requests[name]
            if args.warmup:
                run_wrk(wrk, server.port, path, headers, connections=min(connections, 50),
                        duration=max(1, int(args.warmup)), threads=args.wrk_threads, timeout=args.timeout, record=False)
            log(f"{name}: {connections} connections for {duration} s")
            result = run_wrk(wrk, server.port, path, headers, connections=connections, duration=duration,
                             threads=args.wrk_threads, timeout=args.timeout)
            result.update(scenario=name, path=path, connections=connections, duration_s=duration,
                          host=headers.get("Host"))
            log(f"  {result['rps']:.0f} req/s, p50 {_ms(result['p50_ms'])}, p99 {_ms(result['p99_ms'])}, "
                f"socket errors {result['socket_errors_total']}, non-2xx/3xx {result['non_2xx_3xx']}")
            time.sleep(1 if not args.tiny else 0)  # let closed connections drain between runs
            return result

        # One server at a time, each stopped after its turn: two apps' connection pools at once
        # (4 workers × 2 engines each) can exhaust PostgreSQL's 100 connections.
        results, memory, open_loop = [], {}, None
        low = 50 if 50 in args.connections else min(args.connections)
        for label, server in servers.items():
            names = [name for name in args.scenarios if requests[name][0] is server]
            for name in names:  # every scenario answers 200 (and fills the cache) before it is measured
                _server, path, headers = requests[name]
                status, _ = fetch(server.port, path, headers)
                if status != 200:
                    raise RuntimeError(f"{name}: GET {path} answered {status} before the benchmark")
            for connections in args.connections:
                duration = args.long_duration if connections >= 1000 else args.duration
                results += [measure(name, connections, duration) for name in names]
            if label == "app":
                # Memory: every worker after its scenarios, then after each of two more home runs.
                memory["after_bench"] = app.worker_rss_mb()
                measure("home", low, args.duration)
                memory["after_home"] = app.worker_rss_mb()
                measure("home", low, args.duration)
                memory["after_home_again"] = app.worker_rss_mb()
                if args.open_loop_rate:
                    _server, path, headers = requests["home"]
                    log(f"home, open loop: {args.open_loop_rate} req/s for {args.open_loop_duration} s")
                    open_loop = run_open_loop(app.port, path, headers, rate=args.open_loop_rate,
                                              duration=args.open_loop_duration, timeout=_seconds(args.timeout))
                    log(f"  p50 {_ms(open_loop['p50_ms'])}, p99 {_ms(open_loop['p99_ms'])}, "
                        f"p99.9 {_ms(open_loop['p999_ms'])}, {open_loop['answered']}/{open_loop['scheduled']} answered, "
                        f"errors {open_loop['errors']}")
            elif label == "uncached":
                memory["uncached_after_bench"] = server.worker_rss_mb()
            server.stop()
        log(f"worker RSS MB: {memory}")
        order = {name: i for i, name in enumerate(SCENARIOS)}
        results.sort(key=lambda r: (r["connections"], order[r["scenario"]]))

        report = {
            "started_at": started.isoformat(timespec="seconds"),
            "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "tiny": args.tiny,
            "machine": {"cpus": os.cpu_count(), "open_files_limit": nofile},
            "server": {"command": app.command[3:], "app": args.app, "workers": args.workers, "threads": args.threads,
                       "worker_class": args.worker_class, "reuse_port": args.reuse_port, "database": "postgresql (fresh, app role with RLS)",
                       "redis": True, "ceiling": servers["bare"].command[3],
                       "uncached_overrides": {"PAGE_CACHE": False}},
            "wrk": {"threads": args.wrk_threads, "timeout": args.timeout, "warmup_s": args.warmup,
                    "version": _wrk_version(wrk)},
            "seed": seed,
            "scenarios": {name: {"path": requests[name][1], "label": SCENARIO_LABELS[name]} for name in args.scenarios},
            "results": results,
            # the home runs of the memory check are not in the table: only what they did to memory
            "memory": {key: {str(pid): rss for pid, rss in value.items()} for key, value in memory.items()},
            "open_loop": open_loop,
        }
        report["targets"] = check_targets(results, args.connections, memory, open_loop)
        table = markdown(report)
        (out_dir / f"{stamp}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        (out_dir / f"{stamp}.md").write_text(table)
        print(table)
        log(f"wrote {out_dir / (stamp + '.json')} and .md")
        return report
    finally:
        for server in servers.values():  # all at once, then wait for each
            server.terminate()
        for server in servers.values():
            server.stop()
        if "app" in servers:
            try:
                servers["app"].clear_redis()
            except Exception as error:  # noqa: BLE001 - cleanup must not hide the real error
                log(f"could not clear Redis keys {servers['app'].prefix}*: {error}")
        if args.keep_db:
            log(f"kept database {database.name}")
        else:
            database.drop()


def _seconds(timeout):
    """wrk's ``2s`` / ``500ms`` → seconds."""
    text = str(timeout).strip()
    if text.endswith("ms"):
        return float(text[:-2]) / 1000
    return float(text.rstrip("s"))


def _wrk_version(wrk):
    completed = subprocess.run([wrk, "-v"], capture_output=True, text=True)
    return (completed.stdout or completed.stderr).strip().splitlines()[0] if (completed.stdout or completed.stderr) else ""


if __name__ == "__main__":
    main()
