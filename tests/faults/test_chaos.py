"""Issue 12's faults, made for real against gunicorn + rq + PostgreSQL + Redis + the shared
WeChat Pay sandbox; each test states one scenario's end state after recovery."""
import pytest

from tests.faults.scenarios import LATE_LIMIT, SCENARIOS

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def _report(outcome):
    lines = [f"({outcome.key}) {outcome.title}:"]
    lines += [f"  diverged: {problem}" for problem in outcome.problems]
    lines += [f"  a person saw: {error}" for error in outcome.server_errors]
    if outcome.lateness is None:
        lines.append("  the end state was never right")
    elif outcome.lateness > LATE_LIMIT:
        lines.append(f"  right only {outcome.lateness:.0f}s after the fault ended (limit {LATE_LIMIT:.0f}s)")
    return "\n".join(lines)


@pytest.mark.parametrize("key", [scenario.key for scenario in SCENARIOS])
def test_end_state_agrees_with_wechat_after_the_fault(chaos, key):
    if key not in chaos:
        pytest.skip(f"scenario {key} not selected (CHAOS_SCENARIOS)")
    outcome = chaos[key]
    assert outcome.passed, _report(outcome)
