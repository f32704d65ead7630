"""The endpoint table of docs/api.md, drawn from the OpenAPI document the app serves
(`make api-doc`; a test fails when the committed table is out of date)."""
import sys
from pathlib import Path

from duoshop.app import create_app
from storefront.api.spec import openapi_document
from tools import doc_table

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "api.md"
BEGIN, END = "<!-- endpoints: begin (make api-doc) -->", "<!-- endpoints: end -->"


def endpoint_table(document):
    rows = ["| Method | Path | What it does | Token | Answers |", "|---|---|---|---|---|"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            summary = (operation.get("summary") or "").replace("|", "\\|")
            token = "yes" if operation.get("security") else ""
            statuses = ", ".join(sorted(operation["responses"]))
            rows.append(f"| {method.upper()} | `{path.removeprefix('/api/v1')}` | {summary} | {token} | {statuses} |")
    return "\n".join(rows)


def with_table(text, table):
    return doc_table.with_table(text, table, BEGIN, END)


def current_document():
    app = create_app()
    with app.app_context():
        return openapi_document()


def main(argv=None):
    return doc_table.print_or_write(argv, description=__doc__, doc=DOC, begin=BEGIN, end=END,
                                    table=lambda: endpoint_table(current_document()))


if __name__ == "__main__":
    sys.exit(main())
