"""Read the project's imports from its source and check them against the layer order.

`python -m tools.import_graph` prints the figures (cycles, upward imports, in-function
imports); `--mermaid` prints the package graph for docs/architecture.md. The layer test
(tests/architecture/test_layers.py) asserts the same figures.
"""
from __future__ import annotations

import argparse
import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Lowest first. A package may import its own layer's other packages (without a cycle
# between them) and any lower layer, never a higher one.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("core",),
    ("tenants",),
    ("payments", "commerce", "themes", "channels"),
    ("storefront", "builder", "billing"),
    ("duoshop",),
)
PRODUCT_PACKAGES = tuple(p for layer in LAYERS for p in layer)
# Inside commerce, the areas are layered too (lowest first): orders never reaches up into a
# campaign; a campaign hooks into orders through registries (price rules, sweep steps,
# order hooks) and outbox subscribers. An entry is an area ("orders") or a sub-area
# ("marketing.coupons": a module belongs to its longest listed prefix), or a tuple of
# areas on one level (they may import each other, without a cycle).
# - the coupons a member holds are a pricing input: their models and errors sit below
#   pricing, while spending them on an order, like every campaign, is above orders;
# - shipping.parcels sends an order (moves its state) and packing lists ship through it:
#   it sits with orders; fees, regions and tracking stay below.
COMMERCE_AREAS: tuple[str | tuple[str, ...], ...] = (
    "catalog", "shipping", "members", ("marketing.coupons.models", "marketing.coupons.errors"), "pricing", ("orders", "shipping.parcels"),
    ("shipping.waybills", "shipping.printing"), "aftersales", "support", "inventory", "marketing", "analytics",
)
# Packages outside the product that product code must never import.
FORBIDDEN = ("sandbox", "tests", "bench", "tools", "migrations")


def layer_of(package: str) -> int:
    for index, layer in enumerate(LAYERS):
        if package in layer:
            return index
    raise KeyError(package)


@dataclass(frozen=True)
class Import:
    source: str       # importing module, dotted
    target: str       # imported module, dotted (resolved to a module that exists)
    line: int
    in_function: bool
    reason: str       # the comment on the import's line, for in-function imports

    @property
    def source_package(self) -> str:
        return self.source.split(".")[0]

    @property
    def target_package(self) -> str:
        return self.target.split(".")[0]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def product_modules() -> dict[str, Path]:
    found = {}
    for package in PRODUCT_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[module_name(path)] = path
    return found


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The longest prefix of `name` that is one of our modules."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


class _Collector(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, lines: list[str], modules):
        self.module, self.is_package, self.lines, self.modules = module, is_package, lines, modules
        self.depth = 0
        self.type_checking = 0
        self.found: list[Import] = []

    def _enter_scope(self, node):
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _enter_scope

    def visit_If(self, node):
        guard = ast.unparse(node.test)
        if guard in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            return  # annotations only: never executed, never a runtime edge
        self.generic_visit(node)

    def _add(self, target: str | None, node):
        if target is None or target == self.module:
            return
        line = self.lines[node.lineno - 1]
        comment = line.split("#", 1)[1] if "#" in line else ""
        reason = re.sub(r"noqa(:\s*[A-Z]+\d+(,\s*[A-Z]+\d+)*)?", "", comment).strip(" ()—-")
        self.found.append(Import(self.module, target, node.lineno, self.depth > 0, reason))

    def visit_Import(self, node):
        for alias in node.names:
            self._add(_resolve(alias.name, self.modules), node)

    def visit_ImportFrom(self, node):
        if node.level:
            base = self.module.split(".")
            if not self.is_package:
                base = base[:-1]
            base = base[: len(base) - (node.level - 1)]
            stem = ".".join(base + ([node.module] if node.module else []))
        else:
            stem = node.module or ""
        for alias in node.names:
            target = _resolve(f"{stem}.{alias.name}", self.modules) or _resolve(stem, self.modules)
            self._add(target, node)


def collect_imports() -> list[Import]:
    modules = product_modules()
    imports: list[Import] = []
    for module, path in modules.items():
        text = path.read_text(encoding="utf-8")
        collector = _Collector(module, path.name == "__init__.py", text.splitlines(), modules)
        collector.visit(ast.parse(text, filename=str(path)))
        imports.extend(collector.found)
    return imports


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative; returns components with more than one member."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(component)
    return components


def module_graph(imports: list[Import], *, top_level_only: bool) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for imp in imports:
        if top_level_only and imp.in_function:
            continue
        graph.setdefault(imp.source, set()).add(imp.target)
    return graph


def package_graph(imports: list[Import]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {p: set() for p in PRODUCT_PACKAGES}
    for imp in imports:
        if imp.source_package != imp.target_package:
            graph[imp.source_package].add(imp.target_package)
    return graph


def _area_levels() -> dict[str, int]:
    levels = {}
    for index, entry in enumerate(COMMERCE_AREAS):
        for area in (entry,) if isinstance(entry, str) else entry:
            levels[area] = index
    return levels


def _area(module: str) -> int | None:
    """The level of the commerce area ``module`` belongs to (its longest listed prefix)."""
    parts = module.split(".")
    if parts[0] != "commerce":
        return None
    levels = _area_levels()
    for end in range(len(parts), 1, -1):
        area = ".".join(parts[1:end])
        if area in levels:
            return levels[area]
    return None


def upward_imports(imports: list[Import]) -> list[Import]:
    """Imports from a lower layer to a higher one, and from a lower commerce area to a higher."""
    found = []
    for imp in imports:
        if layer_of(imp.target_package) > layer_of(imp.source_package):
            found.append(imp)
            continue
        source_area, target_area = _area(imp.source), _area(imp.target)
        if source_area is not None and target_area is not None and target_area > source_area:
            found.append(imp)
    return found


def in_function_statements(imports: list[Import]) -> list[Import]:
    """One entry per in-function import statement (a statement naming three things is one)."""
    seen, found = set(), []
    for imp in imports:
        if imp.in_function and (imp.source, imp.line) not in seen:
            seen.add((imp.source, imp.line))
            found.append(imp)
    return found


def forbidden_imports() -> list[tuple[str, int, str]]:
    """(module, line, name) of product code importing sandbox, tests, bench, tools or migrations."""
    found = []
    for module, path in product_modules().items():
        if module.split(".")[0] == "duoshop":
            continue  # the composition root mounts the local sandboxes (each off unless configured)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            found.extend((module, node.lineno, name) for name in names if name.split(".")[0] in FORBIDDEN)
    return found


def cross_package_cycles(imports: list[Import]) -> list[set[str]]:
    """Cycles among modules (every import counts) that span more than one package."""
    return [
        component for component in strongly_connected(module_graph(imports, top_level_only=False))
        if len({m.split(".")[0] for m in component}) > 1
    ]


def mermaid(imports: list[Import]) -> str:
    graph = package_graph(imports)
    lines = ["flowchart BT"]
    for index, layer in enumerate(LAYERS):
        lines.append(f"  subgraph L{index}[layer {index}]")
        lines.extend(f"    {p}" for p in layer)
        lines.append("  end")
    for source in PRODUCT_PACKAGES:
        for target in sorted(graph[source]):
            lines.append(f"  {source} --> {target}")
    return "\n".join(lines)


def report(imports: list[Import]) -> str:
    in_function = in_function_statements(imports)
    cycles = cross_package_cycles(imports)
    all_cycles = strongly_connected(module_graph(imports, top_level_only=False))
    upward = upward_imports(imports)
    out = [
        f"modules: {len(product_modules())}",
        f"imports: {len(imports)} names; {len(in_function)} import statements inside functions",
        f"module cycles: {len(all_cycles)}, largest {max((len(c) for c in all_cycles), default=0)} modules",
        f"cycles spanning packages: {len(cycles)}",
        f"upward imports: {len(upward)}",
        f"imports of sandbox/tests/bench/tools: {len(forbidden_imports())}",
    ]
    for imp in upward:
        out.append(f"  up  {imp.source}:{imp.line} -> {imp.target}")
    for imp in in_function:
        out.append(f"  fn  {imp.source}:{imp.line} -> {imp.target}  # {imp.reason or '(no reason)'}")
    return "\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mermaid", action="store_true", help="print the package graph")
    parser.add_argument("--write-docs", action="store_true",
                        help="redraw the graph in docs/architecture.md (make graph)")
    args = parser.parse_args(argv)
    imports = collect_imports()
    if args.write_docs:
        write_docs(imports)
    print(mermaid(imports) if args.mermaid else report(imports))
    return 0


def write_docs(imports: list[Import], path: Path = ROOT / "docs" / "architecture.md") -> None:
    """Replace the first mermaid block of ``path`` with the graph as the code draws it."""
    text = path.read_text(encoding="utf-8")
    before, rest = text.split("```mermaid\n", 1)
    after = rest.split("```", 1)[1]
    path.write_text(f"{before}```mermaid\n{mermaid(imports)}\n```{after}", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
