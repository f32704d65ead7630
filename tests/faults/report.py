"""The harness's results table: scenario → outcome, fen compared, events applied, worst
lateness; written as Markdown and JSON under bench/results/ and printed."""
import json
import time
from pathlib import Path

from tests.faults.scenarios import LATE_LIMIT

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results"


def table(outcomes, seconds):
    lines = ["| scenario | outcome | fen compared | events applied | lateness (s) | what diverged |",
             "|---|---|---:|---|---:|---|"]
    for o in outcomes:
        events = ", ".join(f"{kind} {count}" for kind, count in sorted(o.events.items())) or "—"
        diverged = "; ".join(o.problems + [f"5xx: {e}" for e in o.server_errors]) or "—"
        lateness = "—" if o.lateness is None else f"{o.lateness:.1f}" + (f" ({o.slowest})" if o.slowest else "")
        lines.append(f"| ({o.key}) {o.title} | {'PASS' if o.passed else 'FAIL'} | {o.fen_compared} | {events} | "
                     f"{lateness} | {diverged.replace('|', '/')} |")
    worst = max((o.lateness for o in outcomes if o.lateness is not None), default=None)
    lines.append("")
    lines.append(f"Worst lateness: {'—' if worst is None else f'{worst:.1f} s'} (limit {LATE_LIMIT:.0f} s); "
                 f"run took {seconds:.0f} s.")
    return "\n".join(lines)


def write(outcomes, seconds, long_form):
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    markdown = table(outcomes, seconds)
    form = "long" if long_form else "quick"
    (RESULTS / f"chaos-{stamp}.md").write_text(f"# make chaos ({form} form), {stamp} UTC\n\n{markdown}\n")
    (RESULTS / f"chaos-{stamp}.json").write_text(json.dumps({
        "form": form, "seconds": round(seconds, 1), "late_limit": LATE_LIMIT,
        "scenarios": [{"key": o.key, "title": o.title, "passed": o.passed, "fen_compared": o.fen_compared,
                       "events": o.events, "lateness": o.lateness, "slowest": o.slowest, "problems": o.problems,
                       "server_errors": o.server_errors} for o in outcomes]}, ensure_ascii=False, indent=2))
    LAST.append(f"{markdown}\n(bench/results/chaos-{stamp}.md and .json)")
    print(f"\n{LAST[-1]}")
    return RESULTS / f"chaos-{stamp}.md"


LAST = []  # the table of this session, for pytest's terminal summary
