"""The real app in a subprocess, for browser tests and screenshots.

``AppServer`` migrates and seeds a fresh SQLite database in a temporary directory, then
serves the app with ``flask run`` on a free port of the loopback interface, with
``PLATFORM_DOMAIN=localhost:<port>`` so ``http://<slug>.localhost:<port>/`` reaches a
store (Chromium resolves ``*.localhost`` to loopback by itself) and ``JOB_MODE=thread``
so provisioning runs in the web process, as with ``make run``.
"""
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from core.script_integrity import sri_hash
from tests.e2e.chromium import CHROMIUM

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# Environment the developer's shell may carry that would point the app elsewhere.
_DROPPED_ENV = ("DATABASE_URL", "MIGRATION_DATABASE_URL", "REDIS_URL", "RATELIMIT_STORAGE_URI",
                "RQ_QUEUE_PREFIX", "JOB_MODE", "PLATFORM_DOMAIN", "DUOSHOP_ENV", "FLASK_APP")


# What the browser tests serve in place of WeChat's JS-SDK (res.wx.qq.com); the server pins its hash.
JSSDK_STUB = """window.wx = {
  config: function (c) { window.wxConfig = c; }, error: function () {},
  ready: function (f) { setTimeout(f, 0); },
  openAddress: function (o) { o.success({errMsg: "openAddress:ok", userName: "王五", postalCode: "610041",
    provinceName: "四川省", cityName: "成都市", countryName: "武侯区", detailInfo: "人民南路四段 1 号",
    nationalCode: "510107", telNumber: "13612345678"}); }
};"""


class ServerError(RuntimeError):
    """The app could not be prepared or did not come up."""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    """``with AppServer() as server: server.url("/signup", store="demo")``."""

    def __init__(self, workdir=None, port=None):
        self._tmp = None
        if workdir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="duoshop-e2e-")
            workdir = self._tmp.name
        self.workdir = Path(workdir)
        self.port = port or free_port()
        self.database = self.workdir / "e2e.db"
        self.log_path = self.workdir / "server.log"
        self.process = None

    @property
    def env(self):
        env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
        env.update(
            DUOSHOP_ENV="development",
            PLATFORM_DOMAIN=f"localhost:{self.port}",
            DATABASE_URL=f"sqlite:///{self.database}",  # absolute path: sqlite:////tmp/…
            JOB_MODE="thread",
            RATELIMIT_STORAGE_URI="memory://",
            PYTHONUNBUFFERED="1",
            WECHAT_JSSDK_INTEGRITY=sri_hash(JSSDK_STUB.encode()),
        )
        return env

    def url(self, path="/", store=None):
        host = f"{store}.localhost" if store else "localhost"
        return f"http://{host}:{self.port}{path}"

    def flask(self, *args, timeout=120):
        """Run ``flask --app wsgi <args>`` against this server's database; return its stdout."""
        command = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
        result = subprocess.run(command, cwd=PROJECT_ROOT, env=self.env, capture_output=True, text=True,
                                timeout=timeout, check=False)
        if result.returncode != 0:
            raise ServerError(f"`flask {' '.join(args[:1])}` failed ({result.returncode}):\n"
                              f"{result.stdout}\n{result.stderr}")
        return result.stdout

    def start(self, timeout=60):
        self.flask("db", "upgrade")
        self.flask("seed-demo")
        with open(self.log_path, "w") as log:  # the server keeps its own copy of the handle
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--host", "127.0.0.1",
                 "--port", str(self.port), "--no-reload", "--no-debugger"],
                cwd=PROJECT_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )
        self._wait_until_up(timeout)
        return self

    def _wait_until_up(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"the app exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url("/"), timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.stop()
        raise ServerError(f"the app did not answer on port {self.port} within {timeout}s:\n{self.log_tail()}")

    def log_tail(self, lines=40):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()


def launch_chromium(playwright):
    """Debian's Chromium driven by Playwright (its bundled browsers cannot be downloaded here)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
