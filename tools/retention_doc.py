"""The retention table of docs/privacy.md, drawn from the rules registered with
``core.personal_data`` (`python -m tools.retention_doc --write`; a test fails when the
committed table is out of date)."""
import sys
from pathlib import Path

from flask_babel import force_locale

from duoshop.app import create_app
from tenants.retention import retention_table
from tools import doc_table

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "privacy.md"
BEGIN, END = "<!-- retention: begin (python -m tools.retention_doc --write) -->", "<!-- retention: end -->"


def markdown_table(rules):
    rows = ["| Data (rule) | Kept for (default) | Why |", "|---|---|---|"]
    rows += [f"| `{rule['rule']}` | {rule['keep_days']} days | {str(rule['why']).replace('|', '/')} |" for rule in rules]
    return "\n".join(rows)


def current_table():
    app = create_app()
    with app.app_context(), force_locale("en"):
        return markdown_table(retention_table())


def main(argv=None):
    return doc_table.print_or_write(argv, description=__doc__, doc=DOC, begin=BEGIN, end=END, table=current_table)


if __name__ == "__main__":
    sys.exit(main())
