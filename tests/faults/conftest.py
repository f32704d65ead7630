"""The fault harness runs once per session against its own cluster (tests/faults/cluster.py);
each scenario's test then states its outcome. ``CHAOS_LONG=1`` (``make chaos``) is the
longer form: more orders, 50 concurrent requests, a five-minute recovery window."""
import os
import time

import pytest

from tests.faults.cluster import Cluster
from tests.faults.people import AnswerLog
from tests.faults.report import LAST, write
from tests.faults.scenarios import Context, run_all

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture(autouse=True)
def _clean_database():
    """Overrides the suite's per-test cleanup: the harness has its own database."""
    yield


@pytest.fixture(scope="session")
def chaos(tmp_path_factory):
    """``{scenario key: Outcome}`` of one run of every scenario."""
    if not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")):
        pytest.skip("the fault harness needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    long_form = os.environ.get("CHAOS_LONG") == "1"
    started = time.monotonic()
    workdir = tmp_path_factory.mktemp("chaos")
    with Cluster(os.environ["DATABASE_URL"], os.environ["REDIS_URL"], workdir) as cluster:
        outcomes = run_all(Context(cluster, AnswerLog(), long_form), recovery_window=300 if long_form else 180,
                           selected=os.environ.get("CHAOS_SCENARIOS"))
    write(outcomes, time.monotonic() - started, long_form)
    print(f"(process logs in {workdir})")
    return {outcome.key: outcome for outcome in outcomes}


def pytest_terminal_summary(terminalreporter):
    """The results table at the end of the run, also when output is captured (CI)."""
    for table in LAST:
        terminalreporter.write_sep("=", "fault harness (make chaos)")
        terminalreporter.write_line(table)
