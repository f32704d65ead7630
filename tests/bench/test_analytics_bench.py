"""The analytics benchmark runs end to end on its quick form (20,000 events, 400 orders) and
writes a complete result: a roll-up of every day and every console query timed. A check that
it works; the numbers of the quick form are asserted only against the issue's targets."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QUERIES = {"day_figures(day)", "daily_series(30 days)", "funnel(30 days)", "funnel(30 days, channel)",
           "top_products(views)", "top_products(sales)", "buyer_mix(30 days)", "empty_searches(30 days)",
           "channel_table(30 days)"}


@pytest.mark.postgres
def test_quick_analytics_benchmark_rolls_up_and_times_every_query(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "bench.analytics", "--tiny", "--out-dir", str(tmp_path),
         "--database-url", os.environ["DATABASE_URL"]],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    [result_file] = tmp_path.glob("*-analytics.json")
    report = json.loads(result_file.read_text())
    assert report["tiny"] is True and report["seed"]["events"] >= 20_000 and report["seed"]["paid_orders"] >= 400
    assert report["rollup"]["days"] == 30 and report["rollup"]["busiest_s"] < 30
    assert {query["query"] for query in report["queries"]} == QUERIES
    assert all(query["pass"] for query in report["queries"]), report["queries"]
    assert "roll-up of the busiest day" in result_file.with_name(result_file.name.replace(".json", ".md")).read_text()
