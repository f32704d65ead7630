"""The import graph keeps its shape: layers point one way, no package cycles, few
in-function imports and each with its reason, no product code reaching into sandboxes or
tests, and the picture in docs/architecture.md drawn from the code as it is."""
import re
from pathlib import Path

from tools import import_graph
from tools.import_graph import (
    LAYERS,
    collect_imports,
    cross_package_cycles,
    forbidden_imports,
    in_function_statements,
    mermaid,
    upward_imports,
)

ROOT = Path(__file__).resolve().parents[2]
IMPORTS = collect_imports()
MAX_IN_FUNCTION_IMPORTS = 20


def _where(imports):
    return [f"{imp.source}:{imp.line} -> {imp.target}" for imp in imports]


def test_no_import_cycle_spans_two_packages():
    assert cross_package_cycles(IMPORTS) == []


def test_no_package_imports_a_higher_layer_or_a_higher_commerce_area():
    assert _where(upward_imports(IMPORTS)) == []


def test_core_imports_no_feature_package():
    assert sorted({imp.target_package for imp in IMPORTS if imp.source_package == "core"}) == ["core"]


def test_in_function_imports_are_few_and_each_says_why():
    statements = in_function_statements(IMPORTS)
    assert len(statements) < MAX_IN_FUNCTION_IMPORTS, _where(statements)
    assert _where(i for i in statements if not i.reason) == []


def test_product_code_never_imports_sandboxes_tests_or_tools():
    assert forbidden_imports() == []


def test_every_product_package_has_a_layer():
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - set(import_graph.FORBIDDEN)
    assert packages <= {p for layer in LAYERS for p in layer}


def test_views_read_typed_input_only_through_form_classes():
    readers = []
    for package in ("builder", "storefront", "billing"):
        for path in (ROOT / package).rglob("*.py"):
            if "forms" in path.parts or path.stem == "forms":
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if re.search(r"request\.form\b", line):
                    readers.append(f"{path.relative_to(ROOT)}:{number}")
    assert readers == []


def test_the_architecture_picture_is_drawn_from_the_code():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    drawn = text.split("```mermaid\n", 1)[1].split("```", 1)[0].strip()
    assert drawn == mermaid(IMPORTS).strip(), "run `make graph` and commit docs/architecture.md"
