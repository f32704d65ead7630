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

    table = result_file.with_suffix(".md").read_text()
    assert "(a) bare hello route (ceiling)" in table and "| target |" in table
    assert "(a) bare hello route (ceiling)" in completed.stdout  # the table is printed too


def test_hello_route_exists_only_with_the_flag(app, platform_client):
    assert app.config["BENCH_ROUTES"] is False
    assert platform_client.get("/__bench/hello").status_code == 404
    flagged = create_app("test", overrides={**{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "PLATFORM_DOMAIN")},
                                            "BENCH_ROUTES": "1"})
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
