"""Two Duoshop web hosts behind HAProxy on loopback, as production runs N of them.

``with TwoHosts(database_url, redis_url, workdir) as hosts:`` starts, on free 127.0.0.1 ports:

- a fresh PostgreSQL database, migrated by its owner and seeded with the two demo stores
  (``demo`` and ``tea``), served to the app as the ordinary role ``duoshop_app``;
- moto's S3 server with one bucket: every host's media go there (``MEDIA_STORAGE=s3``);
- the WeChat login sandbox as a service of its own, as WeChat is one service for every host;
- two gunicorn instances (``web1``, ``web2``) of the production configuration, sharing only
  the database, Redis (under this run's key prefix), the bucket and the secret keys;
- HAProxy in front, terminating TLS and balancing round-robin, as docs/scaling.md
  ("Web hosts behind a load balancer") describes, plus two things only this test's configuration has: the response header
  ``X-Duoshop-Served-By`` naming the host that answered, and the request header
  ``X-Duoshop-Test-Host`` that sends a request to one named host.

Everything stops and the database, bucket and Redis keys go when the block ends, also on
failure. ``HAPROXY`` is Debian's ``haproxy`` (missing: skipped, or failed under
``DUOSHOP_REQUIRE_SCALEOUT=1``, by ``tests.scaleout.processes.require_binaries``).
"""
import base64
import contextlib
import csv
import datetime
import io
import ipaddress
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from moto.server import ThreadedMotoServer
from redis import Redis
from sqlalchemy import create_engine, text

from bench.run import Database
from sandbox.wechat import WeChatSandbox, create_sandbox_app
from sandbox.wechatpay.testing import serving
from tests.faults.cluster import ClusterError, free_port, wait_for

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
HOSTS = ("web1", "web2")
SERVED_BY = "X-Duoshop-Served-By"
STEER = "X-Duoshop-Test-Host"
OA_APPID, OA_SECRET = "wx00000000000h4oa0", "scaleout-official-account-secret"
# The developer's shell must not point the hosts elsewhere.
_DROPPED_ENV = ("DATABASE_URL", "MIGRATION_DATABASE_URL", "DATABASE_PLATFORM_URL", "REDIS_URL", "RATELIMIT_STORAGE_URI",
                "RQ_QUEUE_PREFIX", "JOB_MODE", "PLATFORM_DOMAIN", "DUOSHOP_ENV", "FLASK_APP", "MEDIA_STORAGE",
                "MEDIA_ROOT", "WECHAT_SANDBOX", "WECHATPAY_SANDBOX", "WECHATPAY_SANDBOX_URL", "WECHATPAY_BASE_URL")


class TwoHosts:
    """The running set-up: ``lb_port`` (HAProxy), ``platform_host`` (``localhost:<lb_port>``),
    ``store_host(slug)``, ``ca_file`` (the balancer's certificate), ``bucket`` and ``s3``."""

    def __init__(self, database_url, redis_url, workdir):
        self.run_id = uuid.uuid4().hex[:8]
        self.mark = f"scaleout-{self.run_id}"
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.redis_url = redis_url
        self.database = Database(database_url, self.mark.replace("-", "_"))
        self.lb_port = free_port()
        self.ports = {name: free_port() for name in HOSTS}
        self.bucket = f"duoshop-{self.mark}"
        self.ca_file = self.workdir / "balancer-cert.pem"
        self.stats_socket = self.workdir / "haproxy-stats.sock"
        self.processes = {}
        self._exits = contextlib.ExitStack()
        self._database_made = False
        self.s3 = self.s3_endpoint = self.wechat = self.wechat_url = None
        # Shared by every host: what one host signs (sessions, CSRF tokens), another checks.
        self.secret_key = secrets.token_urlsafe(48)
        self.pii_key = base64.urlsafe_b64encode(os.urandom(32)).decode()

    @property
    def platform_host(self):
        return f"localhost:{self.lb_port}"

    def store_host(self, slug):
        return f"{slug}.{self.platform_host}"

    # --- start and stop -------------------------------------------------------------------

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        self._start_s3()
        self._start_wechat()
        self.database.create()
        self._database_made = True
        for name in HOSTS:  # they boot (import the app) while the database is made: they touch it only when asked
            self._spawn(name, [str(BIN / "gunicorn"), "--workers", "1", "--worker-class", "gthread", "--threads", "4",
                               "--bind", f"127.0.0.1:{self.ports[name]}", "--timeout", "30",
                               # Longer than HAProxy keeps an idle connection to a host (pool-purge-delay,
                               # 5 s): with gunicorn's 2 s, HAProxy could send a request on a connection
                               # gunicorn was closing, and drop the visitor's connection without an answer.
                               "--keep-alive", "30",
                               "--graceful-timeout", "3", "--no-control-socket", "wsgi:app"])
        prepared = subprocess.run([sys.executable, "-c", "from tests.scaleout.hosts import prepare; prepare()"],
                                  cwd=PROJECT_ROOT, env=self.env(DUOSHOP_ENV="development", JOB_MODE="eager"),
                                  capture_output=True, text=True, timeout=180)
        if prepared.returncode != 0:
            raise ClusterError(f"migrating and seeding failed:\n{prepared.stdout}\n{prepared.stderr[-4000:]}")
        for name in HOSTS:
            wait_for(lambda name=name: self._host_answers(name), 60, what=f"gunicorn {name} answering")
        self._start_balancer()
        return self

    def stop(self):
        self._terminate_all()
        with contextlib.suppress(Exception):  # a clean-up step failing must not stop the others
            self._forget_redis_keys()
        if self._database_made:
            with contextlib.suppress(Exception):
                self.database.drop()
        self._exits.close()  # the sandbox and S3 servers

    def env(self, **extra):
        """The environment of every app process: the production configuration, on loopback."""
        env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
        prefix = f"duoshop:{self.mark}:"
        env.update(
            DUOSHOP_ENV="production", PYTHONUNBUFFERED="1", LOG_LEVEL="WARNING",
            SECRET_KEY=self.secret_key, PII_ENCRYPTION_KEY=self.pii_key,
            DATABASE_URL=self.database.app_url, MIGRATION_DATABASE_URL=self.database.owner_url,
            DATABASE_PLATFORM_URL=self.database.platform_url,
            REDIS_URL=self.redis_url, RATELIMIT_STORAGE_URI=self.redis_url, JOB_MODE="rq",
            RQ_QUEUE_PREFIX=prefix, CACHE_KEY_PREFIX=prefix + "cache:", RATELIMIT_KEY_PREFIX=self.mark,
            PLATFORM_DOMAIN=self.platform_host, PREFERRED_URL_SCHEME="https",
            TRUSTED_PROXIES="1",  # HAProxy, one hop: the client's address and https come from it
            MEDIA_STORAGE="s3", MEDIA_S3_BUCKET=self.bucket, MEDIA_S3_ENDPOINT_URL=self.s3_endpoint,
            MEDIA_S3_REGION="us-east-1", MEDIA_S3_ACCESS_KEY_ID="scaleout-key-id",
            MEDIA_S3_SECRET_ACCESS_KEY="scaleout-secret",
            WECHAT_API_BASE_URL=self.wechat_url, WECHAT_OPEN_BASE_URL=self.wechat_url,
            WECHAT_OA_APPID=OA_APPID, WECHAT_OA_SECRET=OA_SECRET,
        )
        env.update(extra)
        return env

    # --- the services beside the hosts ----------------------------------------------------

    def _start_s3(self):
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        self._exits.callback(server.stop)
        host, port = server.get_host_and_port()
        self.s3_endpoint = f"http://{host}:{port}"
        self.s3 = boto3.client("s3", endpoint_url=self.s3_endpoint, region_name="us-east-1",
                               aws_access_key_id="scaleout-key-id", aws_secret_access_key="scaleout-secret")
        self.s3.create_bucket(Bucket=self.bucket)

    def _start_wechat(self):
        self.wechat = WeChatSandbox()
        self.wechat.register_app(OA_APPID, OA_SECRET)
        self.wechat_url = self._exits.enter_context(serving(create_sandbox_app(self.wechat)))

    def _start_balancer(self):
        self._make_certificate()
        config = self.workdir / "haproxy.cfg"
        config.write_text(balancer_config(self))
        check = subprocess.run([HAPROXY, "-c", "-q", "-f", str(config)], capture_output=True, text=True)
        if check.returncode != 0:
            raise ClusterError(f"haproxy refused its configuration:\n{check.stdout}{check.stderr}")
        self._spawn("haproxy", [HAPROXY, "-db", "-f", str(config)])
        wait_for(self._balancer_ready, 30, what="HAProxy with both hosts up")

    def _make_certificate(self):
        """A self-signed certificate for localhost, *.localhost and 127.0.0.1, valid a day:
        the balancer serves it, the visitors trust it (``ca_file``)."""
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
        now = datetime.datetime.now(datetime.UTC)
        certificate = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.DNSName("*.localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
        cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
        key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        self.ca_file.write_bytes(cert_pem)
        (self.workdir / "balancer.pem").write_bytes(cert_pem + key_pem)

    def _balancer_ready(self):
        if self.processes["haproxy"].poll() is not None:
            raise ClusterError("haproxy exited:\n" + self.log_tail("haproxy"))
        try:
            return all(row["status"] == "UP" for row in self.server_stats())
        except OSError:
            return False

    def server_stats(self):
        """One row per host from HAProxy's stats socket: ``{"name", "status", "requests"}``,
        ``requests`` being the HTTP requests HAProxy sent to that host (``hrsp_*`` summed)."""
        reply = self.balancer_command("show stat")
        rows = csv.DictReader(io.StringIO(reply.lstrip("# ")))
        return [{"name": row["svname"], "status": row["status"].split()[0],
                 "requests": sum(int(row[f"hrsp_{kind}"] or 0) for kind in ("1xx", "2xx", "3xx", "4xx", "5xx",
                                                                            "other"))}
                for row in rows if row["pxname"] == "app" and row["svname"] in HOSTS]

    def query(self, sql, **params):
        """Rows of ``sql`` run as the schema's owner: the test's own look at the database."""
        engine = create_engine(self.database.owner_url)
        try:
            with engine.connect() as conn:
                return conn.execute(text(sql), params).all()
        finally:
            engine.dispose()

    def balancer_command(self, command):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            sock.connect(str(self.stats_socket))
            sock.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    # --- processes ------------------------------------------------------------------------

    def _spawn(self, name, command):
        with open(self.workdir / f"{name}.log", "a") as log:
            log.write(f"--- {time.strftime('%H:%M:%S')} {' '.join(command)}\n")
            log.flush()
            self.processes[name] = subprocess.Popen(command, cwd=PROJECT_ROOT, env=self.env(), stdout=log,
                                                    stderr=subprocess.STDOUT, start_new_session=True)

    def _terminate_all(self):
        """Quick shutdown of every process at once (each in its own session: gunicorn's
        worker goes with it); whatever still runs after 10 s is killed."""
        processes, self.processes = self.processes, {}
        running = [process for process in processes.values() if process.poll() is None]
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGINT)
        deadline = time.monotonic() + 10
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def log_tail(self, name, lines=30):
        try:
            return "\n".join((self.workdir / f"{name}.log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def _host_answers(self, name):
        if self.processes[name].poll() is not None:
            raise ClusterError(f"gunicorn {name} exited:\n" + self.log_tail(name))
        try:
            return requests.get(f"http://127.0.0.1:{self.ports[name]}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def _forget_redis_keys(self):
        connection = Redis.from_url(self.redis_url)
        try:
            for key in connection.scan_iter(f"*{self.mark}*", count=1000):
                connection.delete(key)
            for key in connection.scan_iter("rq:job:*", count=1000):  # the run's jobs name their queue
                if self.mark.encode() in (connection.hget(key, "origin") or b""):
                    connection.delete(key)
        finally:
            connection.close()


# Two stores, each with its owner and a few products on sale; both sell 纯棉短袖T恤, at
# different prices. ``prepare`` makes them, as the owner of a freshly migrated database.
STORES = {
    "demo": {"name": "Duoshop 演示店", "owner": ("owner@demo.test", "demo-owner-2026"),
             "products": {"纯棉短袖T恤": 7900, "北欧陶瓷马克杯": 3900, "亚麻抱枕套": 5900, "无线蓝牙耳机": 19900}},
    "tea": {"name": "一叶茶舍", "owner": ("owner@tea.test", "tea-owner-2026"),
            "products": {"纯棉短袖T恤": 6900, "明前龙井 250g": 16800}},
}


def prepare():
    """Run in a process of its own with the hosts' environment (``TwoHosts.start``): migrate
    the database as its owner, grant the app's roles, and make ``STORES`` through the services
    — one process for all three, to start quickly."""
    from flask_migrate import upgrade

    from commerce.catalog.models import Product
    from commerce.catalog.service import create_product
    from core.extensions import db
    from core.tenancy import tenant_context
    from duoshop.app import create_app
    from tenants.provisioning import provision_store
    from tenants.service import sign_up_merchant
    from tests.conftest import grant_roles

    app = create_app()
    with app.app_context():
        upgrade()
        owner = create_engine(app.config["MIGRATION_DATABASE_URL"])
        with owner.begin() as conn:
            grant_roles(conn)
        owner.dispose()
        for slug, spec in STORES.items():
            email, password = spec["owner"]
            tenant, _owner = sign_up_merchant(email=email, password=password, store_name=spec["name"], slug=slug)
            db.session.commit()
            with tenant_context(tenant):
                provision_store(tenant.id)
                for title, price in spec["products"].items():
                    create_product(actor=None, title=title, status=Product.ON_SALE,
                                   skus=[{"spec_values": [], "price": price, "stock": 50}])
                db.session.commit()


def balancer_config(hosts):
    """HAProxy's configuration: TLS ends here, requests go round-robin to hosts that pass
    their health check, and the app learns the client's address and scheme from the headers
    this balancer sets (never from ones a client sent)."""
    servers = "\n".join(f"    server {name} 127.0.0.1:{port} check inter 1s fall 2 rise 1"
                        for name, port in hosts.ports.items())
    steering = "\n".join(f"    use-server {name} if {{ req.hdr({STEER}) -m str {name} }}" for name in HOSTS)
    return f"""\
global
    stats socket {hosts.stats_socket} mode 600 level admin
    maxconn 512

defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    option forwardfor

frontend web
    bind 127.0.0.1:{hosts.lb_port} ssl crt {hosts.workdir / "balancer.pem"}
    http-request set-header X-Forwarded-Proto https
    http-request set-header X-Forwarded-Host %[req.hdr(host)]
    default_backend app

backend app
    balance roundrobin
    option httpchk
    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host {hosts.platform_host}
    # This test only: which host answered, and a way to pick one.
    http-response set-header {SERVED_BY} %[srv_name]
{steering}
{servers}
"""


# --- people, through the balancer only --------------------------------------------------

class Visitor:
    """One person's browser on one site host (``localhost:<port>``, ``demo.localhost:<port>``),
    talking https to the balancer only. ``via="web2"`` sends a request (and the redirects it
    leads to) to that host and checks it answered; ``served_by`` lists who answered each."""

    def __init__(self, hosts, host, *, user_agent="Mozilla/5.0"):
        self.hosts, self.host = hosts, host
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": user_agent, "Accept-Language": "en"})
        self.served_by = []

    def request(self, method, path, *, via=None, follow=True, data=None, files=None):
        host, response = self.host, None
        for _ in range(6):
            headers = {"Host": host}
            if method == "POST":  # as a browser posting a form of this site (CSRF checks the Referer on https)
                headers.update(Origin=f"https://{host}", Referer=f"https://{host}{path}")
            if via:
                headers[STEER] = via
            response = self.session.request(method, f"https://127.0.0.1:{self.hosts.lb_port}{path}", headers=headers,
                                            data=data, files=files, allow_redirects=False, timeout=20,
                                            verify=str(self.hosts.ca_file))  # given here: REQUESTS_CA_BUNDLE wins over the session's
            answered = response.headers.get(SERVED_BY)
            self.served_by.append(answered)
            if via and answered != via:
                raise AssertionError(f"{method} {host}{path} was answered by {answered!r}, not {via}")
            location = response.headers.get("Location")
            if not (follow and response.status_code in (301, 302, 303) and location):
                return response
            target = urlsplit(location)
            if target.netloc and not target.netloc.endswith(self.hosts.platform_host):
                return response  # off the balancer (WeChat's pages): the caller goes there itself
            host = target.netloc or host
            method, data, files, path = "GET", None, None, target.path + (f"?{target.query}" if target.query else "")
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, data=None, **kwargs):
        return self.request("POST", path, data=data, **kwargs)

    def form(self, page, *, via=None, action=None):
        """The fields of the form on ``page`` (the one posting to ``action``, else the first
        with a CSRF token) as a browser would send them unchanged."""
        response = self.get(page, via=via)
        if response.status_code != 200:
            raise AssertionError(f"{self.host}{page} answered HTTP {response.status_code}")
        return form_fields(response.text, action)


def form_fields(html, action=None):
    """``{name: value}`` of one form: text and hidden inputs, ticked boxes, chosen options,
    text areas (the last value of a repeated name wins, which the forms here do not use)."""
    reader = _FormReader(action)
    reader.feed(html)
    if reader.fields is None:
        raise AssertionError(f"no form {'posting to ' + action if action else 'with a CSRF token'} on the page")
    return reader.fields


class _FormReader(HTMLParser):
    def __init__(self, action):
        super().__init__(convert_charrefs=True)
        self.action, self.fields, self._open, self._select, self._textarea = action, None, None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.fields is None:
            if self.action is None or attrs.get("action") == self.action:
                self._open = {}
            return
        if self._open is None:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type", "text") not in ("submit", "button", "file", "image"):
            if attrs.get("type") not in ("checkbox", "radio") or "checked" in attrs:
                self._open[name] = attrs.get("value", "on" if attrs.get("type") in ("checkbox", "radio") else "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and ("selected" in attrs or self._select not in self._open):
            self._open[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self._open[name] = ""

    def handle_data(self, data):
        if self._open is not None and self._textarea:
            self._open[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._open is not None:
            if self.action is not None or "csrf_token" in self._open:
                self.fields = self._open
            self._open = None
