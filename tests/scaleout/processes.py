"""Real database processes for the scale-out tests, on loopback and free ports: PgBouncer
in transaction mode, and a hot-standby replica of the machine's PostgreSQL made with
``pg_basebackup``. Each runs from its own temporary directory and is stopped and removed
afterwards, even when a test fails.

Where the binaries are missing the tests are skipped with one line saying how to get them,
except where ``DUOSHOP_REQUIRE_SCALEOUT=1`` (``.ci/run``): there it is a failure, as for the
browser (tests/e2e/chromium.py).
"""
import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core.config import normalize_database_url

REQUIRE_ENV = "DUOSHOP_REQUIRE_SCALEOUT"
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
# PostgreSQL and PgBouncer refuse to run as root: as root, they run as this user.
SERVICE_USER = "postgres"
START_SECONDS = 30


def missing_binaries(*paths):
    return [str(path) for path in paths if not os.access(path, os.X_OK)]


def require_binaries(*paths, package):
    """Skip (or, where required, fail) the test when a binary is missing."""
    missing = missing_binaries(*paths)
    if not missing:
        return
    message = (f"{', '.join(missing)} not found: the scale-out tests need Debian's {package} "
               f"(`apt-get install -y {package}` as root)")
    if os.environ.get(REQUIRE_ENV, "") not in ("", "0"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port, process, seconds=START_SECONDS, log=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode}: {_tail(log)}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listened on 127.0.0.1:{port} within {seconds} s: {_tail(log)}")


def _tail(log):
    if log is None or not Path(log).exists():
        return ""
    return Path(log).read_text(errors="replace")[-2000:]


def _as_service_user():
    """Arguments for subprocess: drop to SERVICE_USER when running as root."""
    if os.geteuid() != 0:
        return {}
    user = pwd.getpwnam(SERVICE_USER)
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


def _own_directory(prefix):
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        user = pwd.getpwnam(SERVICE_USER)
        os.chown(directory, user.pw_uid, user.pw_gid)
    directory.chmod(0o700)
    return directory


# --- PgBouncer -------------------------------------------------------------------------


@contextlib.contextmanager
def pgbouncer(server_url, users, databases):
    """PgBouncer in transaction mode in front of ``server_url``'s server; yields its port.

    ``databases`` maps a name clients use to ``(database on the server, pool_size)``; each
    (database, user) pair gets at most that many server connections. ``users`` may log in
    (trust, as the server behind it: the test server trusts loopback)."""
    require_binaries(PGBOUNCER, package="pgbouncer")
    server = make_url(server_url)
    directory = _own_directory("duoshop-pgbouncer-")
    port = free_port()
    entries = "\n".join(
        f"{alias} = host={server.host or '127.0.0.1'} port={server.port or 5432} dbname={name} pool_size={size}"
        for alias, (name, size) in databases.items())
    (directory / "users.txt").write_text("".join(f'"{user}" ""\n' for user in users))
    (directory / "pgbouncer.ini").write_text(f"""[databases]
{entries}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {directory}/users.txt
pool_mode = transaction
max_client_conn = 200
default_pool_size = 2
reserve_pool_size = 0
server_reset_query =
query_wait_timeout = 20
logfile = {directory}/pgbouncer.log
pidfile = {directory}/pgbouncer.pid
admin_users = {SERVICE_USER}
""")
    if os.geteuid() == 0:
        user = pwd.getpwnam(SERVICE_USER)
        for path in directory.iterdir():
            os.chown(path, user.pw_uid, user.pw_gid)
    log = directory / "pgbouncer.log"
    process = subprocess.Popen([PGBOUNCER, str(directory / "pgbouncer.ini")], stdout=subprocess.DEVNULL,
                               stderr=subprocess.STDOUT, **_as_service_user())
    try:
        wait_for_port(port, process, log=log)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(directory, ignore_errors=True)


# --- a streaming replica -----------------------------------------------------------------


def allow_replication(admin_engine):
    """The primary must accept a replication connection from loopback: add the rule once,
    next to the loopback trust rule the test server already has, and reload."""
    with admin_engine.connect() as conn:
        allowed = conn.execute(text(
            "SELECT 1 FROM pg_hba_file_rules WHERE 'replication' = ANY(database) "
            "AND (address IS NULL OR address = '127.0.0.1') AND auth_method = 'trust' AND error IS NULL")).first()
        if allowed:
            return
        hba_file = conn.execute(text("SHOW hba_file")).scalar()
    try:
        with open(hba_file, "a") as rules:
            rules.write("\n# duoshop tests (tests/scaleout): streaming replicas on loopback\n"
                        "host replication all 127.0.0.1/32 trust\n")
    except OSError as error:
        pytest.fail(f"the primary refuses replication from 127.0.0.1 and {hba_file} cannot be changed "
                    f"({error}): add `host replication all 127.0.0.1/32 trust` to it and reload", pytrace=False)
    with admin_engine.connect() as conn:
        conn.execute(text("SELECT pg_reload_conf()"))
    time.sleep(0.2)


# Hot standbys need these at least as large as the primary's.
_MATCH_PRIMARY = ("max_connections", "max_worker_processes", "max_wal_senders", "max_prepared_transactions",
                  "max_locks_per_transaction")


@contextlib.contextmanager
def streaming_replica(admin_url):
    """A hot standby of ``admin_url``'s server (a superuser's URL), streaming from it on a
    free loopback port; yields the port."""
    require_binaries(PG_BIN / "pg_basebackup", PG_BIN / "pg_ctl", package="postgresql-15")
    primary = make_url(normalize_database_url(admin_url))
    admin = create_engine(primary.set(database="postgres"), isolation_level="AUTOCOMMIT")
    allow_replication(admin)
    with admin.connect() as conn:
        settings = {name: conn.execute(text(f"SHOW {name}")).scalar() for name in _MATCH_PRIMARY}
    admin.dispose()
    directory = _own_directory("duoshop-replica-")
    data = directory / "data"
    port = free_port()
    as_user = _as_service_user()
    try:
        subprocess.run([str(PG_BIN / "pg_basebackup"), "-h", primary.host or "127.0.0.1",
                        "-p", str(primary.port or 5432), "-U", primary.username or "postgres",
                        "-D", str(data), "-X", "stream", "-R", "--checkpoint=fast", "--no-sync"],
                       check=True, capture_output=True, timeout=120, **as_user)
        # Debian keeps the server's configuration outside the data directory: write our own.
        (data / "postgresql.conf").write_text("\n".join([
            f"port = {port}", "listen_addresses = '127.0.0.1'", f"unix_socket_directories = '{directory}'",
            "hot_standby = on", "shared_buffers = 32MB", "fsync = off", "logging_collector = off",
            *(f"{name} = {value}" for name, value in settings.items()), ""]))
        (data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        (data / "pg_ident.conf").write_text("")
        if as_user:
            for path in (data / "postgresql.conf", data / "pg_hba.conf", data / "pg_ident.conf"):
                os.chown(path, as_user["user"], as_user["group"])
        log = directory / "replica.log"
        subprocess.run([str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", str(START_SECONDS),
                        "start"], check=True, capture_output=True, timeout=START_SECONDS + 10, **as_user)
        yield port
    except subprocess.CalledProcessError as error:
        raise RuntimeError(f"{error.cmd[0]} failed: {error.stderr.decode(errors='replace')}"
                           f"{_tail(directory / 'replica.log')}") from None
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                           capture_output=True, timeout=30, **as_user)
        shutil.rmtree(directory, ignore_errors=True)
