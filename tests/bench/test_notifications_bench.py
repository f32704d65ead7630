"""`make bench`'s notification burst runs end to end in its tiny form: signed and encrypted
WeChat Pay notifications posted at once to gunicorn, each answered 204 and its order paid."""
import json
import os
import subprocess
import sys

import pytest

from bench.run import ROOT


@pytest.mark.postgres
@pytest.mark.redis
def test_tiny_notification_burst_pays_every_order(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "bench.notifications", "--tiny", "--out-dir", str(tmp_path),
         "--database-url", os.environ["DATABASE_URL"], "--redis-url", os.environ["REDIS_URL"]],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )
    assert completed.returncode == 0, completed.stderr[-4000:] + completed.stdout[-2000:]
    [result_file] = tmp_path.glob("*-notifications.json")
    result = json.loads(result_file.read_text())["result"]
    assert (result["answered_204"], result["orders_paid"]) == (10, 10)
    assert "p99 < 200 ms" in completed.stdout
    assert "| 10 |" in result_file.with_suffix(".md").read_text()
