"""Templates show money the services worked out: no template adds, subtracts, multiplies
or sums amounts it formats (the order's price lines come from the quote)."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = ("core", "storefront", "builder", "billing", "themes", "tenants")
MONEY = re.compile(r"\(([^()]*(?:\([^()]*\)[^()]*)*)\)\|money|([\w.()]+(?:\s*[-+*]\s*[\w.()]+)+)\|money")
SUMS = re.compile(r"\|sum\b|\bsum\(")


def money_arithmetic(text):
    found = []
    for match in MONEY.finditer(text):
        expression = match.group(1) if match.group(1) is not None else match.group(2)
        if re.search(r"\s[-+*]\s|\|sum|sum\(", expression):
            found.append(expression)
    found.extend(line for line in text.splitlines() if "money" in line and SUMS.search(line))
    return found


def test_no_template_does_arithmetic_on_money():
    offending = {}
    for folder in TEMPLATE_DIRS:
        for path in (ROOT / folder).rglob("*.html"):
            if found := money_arithmetic(path.read_text(encoding="utf-8")):
                offending[str(path.relative_to(ROOT))] = found
    assert offending == {}


def test_the_check_catches_a_sum_in_a_template():
    assert money_arithmetic("{{ (subtotal - (member_discount or 0) + (shipping or 0) - discount)|money }}")
    assert money_arithmetic("{{ (order.subtotal + order.member_discount)|money }}")
    assert not money_arithmetic("{{ receipt.total|money }} {{ line.amount|money }}")
