"""The generated parts of docs/scaling.md: the Citus plan from ``tenants.distribution`` and the
models (which table goes where, and the SQL that puts it there), and the capacity model
from the bench's numbers below (`python -m tools.scaling_doc --write`; a test fails when the
committed doc is out of date). When a bench run gives new numbers, change MEASURED and write.
"""
import argparse
import sys
from pathlib import Path

from core.extensions import db
from duoshop.app import create_app
from tenants.distribution import COORDINATOR_TABLES, REFERENCE_TABLES, plan_of
from tools import doc_table

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "scaling.md"
PLAN = ("<!-- citus plan: begin (python -m tools.scaling_doc --write) -->", "<!-- citus plan: end -->")
SCRIPT = ("<!-- citus script: begin (python -m tools.scaling_doc --write) -->", "<!-- citus script: end -->")
CAPACITY = ("<!-- capacity: begin (python -m tools.scaling_doc --write) -->", "<!-- capacity: end -->")

# (name, value, where it was measured). One "host" is the bench's: 2 cores running gunicorn
# (4 gthread workers × 8 threads), PostgreSQL and Redis together.
MEASURED = (
    ("cached_page_rps", 3422, "cached storefront home at 50 connections (bench/README.md, run of 2026-11-25)"),
    ("uncached_page_rps", 175, "product page rendered on every request at 50 connections (bench/README.md, findings)"),
    ("checkout_attempts_per_s", 123, "flash-sale checkouts through place_order, threads in one process (issue 17)"),
    ("notifications_per_s", 117, "100 WeChat Pay notifications at once done in 0.85 s (p99), 1 process × 16 threads (issue 17)"),
)
# A store's day, assumed (not measured): change these to a real store's figures when known.
ASSUMED = (
    ("page_views_per_store_day", 2000, "storefront and API pages a store serves a day (assets from a CDN)"),
    ("orders_per_store_day", 20, "paid orders a store takes a day"),
    ("peak_hour_share", 0.15, "share of a day's traffic in its busiest hour"),
    ("burst", 2, "busiest minutes of that hour against its average"),
    ("cache_hit_ratio", 0.9, "pages answered from the whole-response cache"),
    ("headroom", 0.5, "share of measured capacity planned for use"),
)


def capacity_model(measured=MEASURED, assumed=ASSUMED):
    """Rows ``(quantity, value, how)``: inputs first, then what follows from them."""
    m = {name: value for name, value, _ in measured}
    a = {name: value for name, value, _ in assumed}
    page_cost = a["cache_hit_ratio"] / m["cached_page_rps"] + (1 - a["cache_hit_ratio"]) / m["uncached_page_rps"]
    pages_per_s = a["headroom"] / page_cost
    order_cost = 1 / m["checkout_attempts_per_s"] + 1 / m["notifications_per_s"]  # a checkout, then its payment
    orders_per_s = a["headroom"] / order_cost
    peak = a["peak_hour_share"] * a["burst"] / 3600  # a day's share arriving each second at the peak
    stores_by_pages = pages_per_s / (a["page_views_per_store_day"] * peak)
    stores_by_orders = orders_per_s / (a["orders_per_store_day"] * peak)
    stores = min(stores_by_pages, stores_by_orders)
    derived = (
        ("pages/s per host", pages_per_s, "headroom ÷ (hit ratio ÷ cached + misses ÷ uncached)"),
        ("orders/s per host", orders_per_s, "headroom ÷ (1 ÷ checkouts/s + 1 ÷ notifications/s)"),
        ("stores per host, by pages", stores_by_pages, "pages/s ÷ a store's pages/s at its peak"),
        ("stores per host, by orders", stores_by_orders, "orders/s ÷ a store's orders/s at its peak"),
        ("**stores per host**", stores, "the smaller of the two"),
        ("**orders per host per day**", stores * a["orders_per_store_day"], "stores × orders a store takes a day"),
        ("**orders per host at the peak, per hour**", orders_per_s * 3600, "orders/s × 3,600: one big sale's ceiling"),
    )
    return [(f"`{name}` (measured)", value, how) for name, value, how in measured] + \
        [(f"`{name}` (assumed)", value, how) for name, value, how in assumed] + list(derived)


def _number(value):
    if isinstance(value, float) and value < 1:
        return f"{value:g}"
    return f"{round(value):,}"


def capacity_table():
    rows = ["| quantity | value | how |", "|---|---:|---|"]
    rows += [f"| {name} | {_number(value)} | {how} |" for name, value, how in capacity_model()]
    return "\n".join(rows)


def tables_in_order():
    """Every model table, parents before children (what Citus needs when it follows foreign keys)."""
    return [(table.name, plan_of(table.name, "tenant_id" in table.c)) for table in db.metadata.sorted_tables]


def plan_table(tables):
    rows = ["| table | Citus holds it as | why |", "|---|---|---|"]
    for plan, listed in (("reference", REFERENCE_TABLES), ("coordinator", COORDINATOR_TABLES)):
        rows += [f"| `{name}` | {plan} table | {why} |" for name, why in sorted(listed.items())]
    distributed = [name for name, plan in tables if plan == "distributed"]
    rows.append(f"| the other {len(distributed)} | distributed by `tenant_id` | "
                f"{', '.join(f'`{name}`' for name in sorted(distributed))} |")
    return "\n".join(rows)


def citus_script(tables):
    distributed = [name for name, plan in tables if plan == "distributed"]
    anchor = distributed[0]
    lines = ["```sql", "-- Reference tables: a copy on every node.",
             *(f"SELECT create_reference_table('{name}');" for name, plan in tables if plan == "reference"),
             "-- Coordinator tables (the coordinator must be in the metadata: citus_set_coordinator_host).",
             *(f"SELECT citus_add_local_table_to_metadata('{name}');" for name, plan in tables
               if plan == "coordinator"),
             "-- Distributed by tenant_id, parents before children, all in the colocation group of the",
             "-- first: a store's rows of every table live in shards on the same node.",
             f"SELECT create_distributed_table('{anchor}', 'tenant_id');",
             *(f"SELECT create_distributed_table('{name}', 'tenant_id', colocate_with => '{anchor}');"
               for name in distributed[1:]),
             "```"]
    return "\n".join(lines)


def current_sections():
    app = create_app()
    with app.app_context():
        tables = tables_in_order()
        return {PLAN: plan_table(tables), SCRIPT: citus_script(tables), CAPACITY: capacity_table()}


def current_doc(text):
    for (begin, end), table in current_sections().items():
        text = doc_table.with_table(text, table, begin, end)
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="rewrite the generated parts of docs/scaling.md")
    args = parser.parse_args(argv)
    if args.write:
        DOC.write_text(current_doc(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        print("\n\n".join(current_sections().values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
