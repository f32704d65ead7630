"""`make bench`'s flash sale over HTTP runs end to end in its tiny form: gunicorn, signed-in
members racing at once, exactly the units sold, every other buyer told 「已抢光」."""
import json
import os
import subprocess
import sys

import pytest

from bench.run import ROOT


@pytest.mark.postgres
@pytest.mark.redis
def test_tiny_flash_sale_over_http_sells_exactly_the_units_and_tells_the_rest(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "bench.flash_sale_http", "--tiny", "--out-dir", str(tmp_path),
         "--database-url", os.environ["DATABASE_URL"], "--redis-url", os.environ["REDIS_URL"]],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )
    assert completed.returncode == 0, completed.stderr[-4000:] + completed.stdout[-2000:]
    [result_file] = tmp_path.glob("*-flash-http.json")
    report = json.loads(result_file.read_text())
    result = report["result"]
    assert result["outcomes"] == {"ordered": 5, "sold out": 45, "other": 0}
    assert (result["payable_orders"], result["units_left"]) == (5, 0)
    assert result["ceiling"]["ok"] == 50
    assert [t["pass"] for t in report["targets"][:2]] == [True, True]
    assert "PASS  exactly 5 payable orders" in completed.stdout
    assert "| 50 | 5 |" in result_file.with_suffix(".md").read_text()
