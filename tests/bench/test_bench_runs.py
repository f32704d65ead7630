"""`make bench` runs end to end on its tiny setting and writes a complete result.

A check that the benchmark works, not a timed test: the numbers are not asserted.
Needs PostgreSQL, Redis and wrk; CI installs wrk (.ci/run).
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.run import SCENARIOS
from core.bench_routes import enabled
from duoshop.app import create_app

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
@pytest.mark.redis
def test_tiny_benchmark_writes_every_scenario(tmp_path):
    if shutil.which("wrk") is None:
        pytest.fail("wrk is not installed: apt-get install -y wrk (the benchmark's load generator)")
    completed = subprocess.run(
        [sys.executable, "-m", "bench.run", "--tiny", "--out-dir", str(tmp_path),
         "--database-url", os.environ["DATABASE_URL"], "--redis-url", os.environ["REDIS_URL"]],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]

    [result_file] = tmp_path.glob("*.json")
    report = json.loads(result_file.read_text())
    assert report["tiny"] is True
    assert {r["scenario"] for r in report["results"]} == set(SCENARIOS)
    for result in report["results"]:
        assert result["connections"] == 10
        assert result["requests"] > 0, result
        assert result["rps"] > 0 and result["p50_ms"] > 0 and result["p99_ms"] >= result["p50_ms"]
        assert result["statuses"].get("200", 0) > 0, result
        assert result["status_5xx"] == 0, result
    assert report["seed"]["products"] == 200 and report["seed"]["home_blocks"] == 12
    assert {t["pass"] for t in report["targets"]} <= {True, False, None}

    memory = report["memory"]  # the app's four workers, each read after the bench and two home runs
    for key in ("after_bench", "after_home", "after_home_again", "uncached_after_bench"):
        assert len(memory[key]) == 4 and all(50 < rss < 2000 for rss in memory[key].values()), memory
    open_loop = report["open_loop"]  # fixed rate, briefly
    assert open_loop["offered_rps"] == 1000 and open_loop["scheduled"] == 1000
    assert open_loop["answered"] + open_loop["errors_total"] == open_loop["scheduled"]
    assert open_loop["statuses"].get("200", 0) > 0 and open_loop["status_5xx"] == 0
    assert open_loop["p50_ms"] <= open_loop["p99_ms"] <= open_loop["p999_ms"] <= open_loop["max_ms"]
    measured = " ".join(t["target"] for t in report["targets"])
    for words in ("≥ 75% of bare Flask", "page cache off ≥ 25%", "p99 < 50 ms", "RSS ≤ 200 MB", "RSS grows ≤ 5%",
                  "open loop"):
        assert words in measured

    table = result_file.with_suffix(".md").read_text()
    for label in ("(a) bare Flask hello (ceiling)", "(a′) in-app hello route", "(f) storefront home, page cache off",
                  "| target |", "| gunicorn worker RSS, MB |", "| open loop (home) |"):
        assert label in table
    assert "(a) bare Flask hello (ceiling)" in completed.stdout  # the table is printed too


def test_hello_route_exists_only_with_the_flag(app, app_overrides, platform_client):
    assert app.config["BENCH_ROUTES"] is False
    assert platform_client.get("/__bench/hello").status_code == 404
    flagged = create_app("test", overrides={**app_overrides, "BENCH_ROUTES": "1"})
    response = flagged.test_client().get("/__bench/hello", base_url="http://" + app.config["PLATFORM_DOMAIN"])
    assert response.status_code == 200 and response.data == b"hello"


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("true", True), (True, True), ("0", False),
                                                 ("false", False), ("", False), (None, False), (False, False)])
def test_flag_reads_environment_strings(value, expected):
    class FakeApp:
        config = {"BENCH_ROUTES": value}

    assert enabled(FakeApp) is expected


@pytest.mark.postgres
@pytest.mark.redis
def test_tiny_flash_sale_benchmark_measures_both_ways_and_both_are_exact(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "bench.flash_sale", "--tiny", "--out-dir", str(tmp_path),
         "--database-url", os.environ["DATABASE_URL"], "--redis-url", os.environ["REDIS_URL"]],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    [result_file] = tmp_path.glob("*-flash.json")
    report = json.loads(result_file.read_text())
    assert {row["strategy"] for row in report["summary"]} == {"conditional_update", "redis_gate"}
    for result in report["results"]:
        assert (result["ordered"], result["orders"], result["units_left"]) == (5, 5, 0), result
    updates = {row["strategy"]: row["stock_updates_median"] for row in report["summary"]}
    assert updates == {"conditional_update": 40, "redis_gate": 5}  # the gate turned 35 away before the row lock
    assert "| redis_gate |" in result_file.with_suffix(".md").read_text()


def test_the_open_loop_generator_counts_latency_from_the_schedule():
    """A server that takes 50 ms to answer the first request and answers the rest at once:
    the requests scheduled behind it on the one connection wait too, and say so."""
    import socket
    import threading
    import time as clock

    from bench.open_loop import run_open_loop

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    stop = threading.Event()

    def serve(conn):
        first = True
        with conn:
            buffer = b""
            while not stop.is_set():
                data = conn.recv(65536)
                if not data:
                    return
                buffer += data
                while b"\r\n\r\n" in buffer:
                    _request, buffer = buffer.split(b"\r\n\r\n", 1)
                    if first:
                        clock.sleep(0.05)
                        first = False
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        result = run_open_loop(port, "/", {"Host": "x"}, rate=200, duration=0.5, max_connections=1)
    finally:
        stop.set()
        thread.join()
        listener.close()
    assert result["scheduled"] == 100 and result["answered"] == 100 and result["errors_total"] == 0
    assert result["statuses"] == {"200": 100}
    assert result["max_ms"] >= 50  # the first one
    assert result["p99_ms"] >= 30  # the ones queued behind it (every 5 ms) are charged their wait
    assert result["p50_ms"] < 10  # the rest are quick
