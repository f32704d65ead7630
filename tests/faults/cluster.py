"""A production-like Duoshop on loopback for the fault harness: a fresh PostgreSQL database
(migrated by its owner, served to the app as ``duoshop_app`` so row-level security
applies), the shared WeChat Pay sandbox server, gunicorn with two workers, a real
``flask worker`` (rq), and Redis reached through a TCP proxy the harness can switch off —
so "Redis unreachable" is a refused connection while the machine's Redis keeps serving
everyone else. Every key of the run (queues, cache, rate limits) carries the run's id.
"""
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core.config import normalize_database_url
from sandbox.wechatpay.remote import RemoteSandbox

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
APP_ROLE = "duoshop_app"
PLATFORM_ROLE = "duoshop_platform"  # reads across stores (docs/security.md)
# The developer's shell must not point the processes elsewhere.
_DROPPED_ENV = ("DATABASE_URL", "MIGRATION_DATABASE_URL", "DATABASE_PLATFORM_URL", "REDIS_URL", "RATELIMIT_STORAGE_URI", "RQ_QUEUE_PREFIX",
                "JOB_MODE", "PLATFORM_DOMAIN", "DUOSHOP_ENV", "FLASK_APP", "WECHATPAY_BASE_URL")


class ClusterError(RuntimeError):
    """A process of the cluster did not start or did not answer."""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, timeout, interval=0.2, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    raise ClusterError(f"{what} not reached within {timeout:.0f}s")


class RedisProxy:
    """127.0.0.1:<port> → the real Redis. ``down()`` closes the listening socket (new
    connections are refused) and resets every open one; ``up()`` listens again."""

    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.port = free_port()
        self._listener = None
        self._connections = set()
        self._lock = threading.Lock()
        self.up()

    @property
    def is_up(self):
        return self._listener is not None

    def up(self):
        if self._listener is not None:
            return
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self):
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):  # wakes the accept() below and stops listening at once
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            connections, self._connections = list(self._connections), set()
        for sock in connections:
            with contextlib.suppress(OSError):  # RST rather than FIN, as when Redis dies
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            _hang_up(sock)

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed by down()
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._connections.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source, sink):
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                _hang_up(sock)
            with self._lock:
                self._connections.difference_update((source, sink))


def _hang_up(sock):
    """Shut the socket down, then close it. shutdown() acts at once even while another
    thread is blocked in recv() on it (close() alone would wait for that recv to return, so
    Redis would keep a dead client's BLPOP and hand it the next job)."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


class Cluster:
    """``with Cluster(database_url, redis_url) as cluster: …``; logs in ``workdir``."""

    def __init__(self, database_url, redis_url, workdir, wechatpay_timeout=2.0):
        self.run_id = uuid.uuid4().hex[:8]
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.admin_url = make_url(normalize_database_url(database_url))
        self.database = f"duoshop_chaos_{self.run_id}"
        self.owner_url = self.admin_url.set(database=self.database)
        self.app_url = self.owner_url.set(username=APP_ROLE, password=None)
        self.platform_url = self.owner_url.set(username=PLATFORM_ROLE, password=None)
        redis = make_url(redis_url)  # sqlalchemy's URL parser reads redis:// URLs as well
        self.redis_db = redis.database or "0"
        self.real_redis_url = redis_url
        self.proxy = RedisProxy(redis.host or "127.0.0.1", redis.port or 6379)
        self.port = free_port()
        self.sandbox_port = free_port()
        self.wechatpay_timeout = wechatpay_timeout
        self.processes = {}  # name → Popen
        self.owner_engine = None
        self.sandbox = RemoteSandbox(f"http://127.0.0.1:{self.sandbox_port}")

    # --- the environment every app process shares ----------------------------------------

    @property
    def redis_url(self):
        return f"redis://127.0.0.1:{self.proxy.port}/{self.redis_db}"

    @property
    def platform_host(self):
        return f"localhost:{self.port}"

    def env(self, **extra):
        env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
        env.update(
            DUOSHOP_ENV="development", PYTHONUNBUFFERED="1",
            DATABASE_URL=self.app_url.render_as_string(hide_password=False),
            MIGRATION_DATABASE_URL=self.owner_url.render_as_string(hide_password=False),
            DATABASE_PLATFORM_URL=self.platform_url.render_as_string(hide_password=False),
            REDIS_URL=self.redis_url, RATELIMIT_STORAGE_URI=self.redis_url, JOB_MODE="rq",
            RQ_QUEUE_PREFIX=f"chaos-{self.run_id}:", CACHE_KEY_PREFIX=f"duoshop:chaos-{self.run_id}:cache:",
            RATELIMIT_KEY_PREFIX=f"chaos-{self.run_id}", PLATFORM_DOMAIN=self.platform_host,
            WECHATPAY_SANDBOX="1", WECHATPAY_SANDBOX_URL=f"http://127.0.0.1:{self.sandbox_port}",
            WECHATPAY_SANDBOX_SEED=f"chaos-{self.run_id}", WECHATPAY_TIMEOUT=str(self.wechatpay_timeout),
        )
        env.update(extra)
        return env

    def flask(self, *args, timeout=180, **extra_env):
        """``flask --app wsgi <args>`` as one more process of the cluster; its stdout."""
        result = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=PROJECT_ROOT,
                                env=self.env(**extra_env), capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise ClusterError(f"flask {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result.stdout

    # --- start and stop -------------------------------------------------------------------

    def start(self):
        self._create_database()
        self._spawn("sandbox", [str(BIN / "python"), "-m", "sandbox.wechatpay", "--port", str(self.sandbox_port)])
        wait_for(self._sandbox_answers, 30, what="the WeChat Pay sandbox answering")
        self.flask("db", "upgrade")
        self._grant()
        self.flask("seed-demo", JOB_MODE="eager")
        # Two worker processes with threads: requests really run at the same moment, as in production.
        self._spawn("web", [str(BIN / "gunicorn"), "--workers", "2", "--worker-class", "gthread", "--threads", "8",
                            "--bind", f"127.0.0.1:{self.port}",
                            "--timeout", "60", "--graceful-timeout", "5",
                            "--no-control-socket", "wsgi:app"])
        wait_for(self._web_answers, 60, what="gunicorn answering")
        self.start_worker()
        return self

    def stop(self):
        for name in list(self.processes):
            self._terminate(name)
        self.proxy.up()  # so the run's keys can be deleted
        self._forget_redis_keys()
        if self.owner_engine is not None:
            self.owner_engine.dispose()
        server = create_engine(self.admin_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'))
        server.dispose()
        self.proxy.down()

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()

    # --- the rq worker, whose death the harness causes ------------------------------------

    def start_worker(self):
        self._spawn("worker", [str(BIN / "flask"), "--app", "wsgi", "worker"])

    def worker_pids(self):
        """The worker and its work-horse children (rq forks one per job)."""
        process = self.processes.get("worker")
        if process is None or process.poll() is not None:
            return []
        return [process.pid, *_children(process.pid)]

    def kill_worker(self):
        """SIGKILL the worker and its work-horse: no clean-up, no goodbye to Redis."""
        pids = self.worker_pids()
        for pid in reversed(pids):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process = self.processes.pop("worker", None)
        if process is not None:
            process.wait(timeout=10)
        return pids

    # --- plumbing -------------------------------------------------------------------------

    def _create_database(self):
        server = create_engine(self.admin_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with server.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.database}"'))
            for role in (APP_ROLE, PLATFORM_ROLE):
                if not conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar():
                    conn.execute(text(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS"))
        server.dispose()
        self.owner_engine = create_engine(self.owner_url, pool_size=10, max_overflow=30)

    def _grant(self):
        with self.owner_engine.begin() as conn:
            conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}"))
            conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}"))
            conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {PLATFORM_ROLE}"))

    def _spawn(self, name, command):
        log = open(self.workdir / f"{name}.log", "a")  # noqa: SIM115  (the child keeps the handle)
        log.write(f"--- {time.strftime('%H:%M:%S')} {' '.join(command)}\n")
        log.flush()
        self.processes[name] = subprocess.Popen(command, cwd=PROJECT_ROOT, env=self.env(), stdout=log,
                                                stderr=subprocess.STDOUT, start_new_session=True)
        log.close()

    def _terminate(self, name):
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)  # its own session: gunicorn's workers, rq's horse
            process.wait(timeout=15)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def log_tail(self, name, lines=30):
        try:
            return "\n".join((self.workdir / f"{name}.log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def _sandbox_answers(self):
        if self.processes["sandbox"].poll() is not None:
            raise ClusterError("the sandbox exited:\n" + self.log_tail("sandbox"))
        try:
            return bool(self.sandbox.health())
        except Exception:  # noqa: BLE001  (not up yet)
            return False

    def _web_answers(self):
        if self.processes["web"].poll() is not None:
            raise ClusterError("gunicorn exited:\n" + self.log_tail("web"))
        try:
            return requests.get(f"http://127.0.0.1:{self.port}/", headers={"Host": self.platform_host},
                                timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def _forget_redis_keys(self):
        from redis import Redis

        connection = Redis.from_url(self.real_redis_url)
        mark = f"chaos-{self.run_id}".encode()
        try:
            for key in connection.scan_iter(f"*chaos-{self.run_id}*", count=1000):
                connection.delete(key)
            for key in connection.scan_iter("rq:job:*", count=1000):  # the run's jobs name their queue
                if mark in (connection.hget(key, "origin") or b""):
                    connection.delete(key)
        finally:
            connection.close()


def _children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            direct = [int(child) for child in handle.read().split()]
    except OSError:
        return []
    return [grandchild for child in direct for grandchild in (child, *_children(child))]
