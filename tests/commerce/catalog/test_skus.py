"""The spec matrix and SKU number rules, table-driven."""
import pytest

from commerce.catalog.errors import InvalidProduct
from commerce.catalog.skus import MAX_SKUS, check_sku_numbers, displayed_price, spec_combinations

COLOURS = ("颜色", ["红", "蓝"])
SIZES = ("尺码", ["S", "M", "L"])


@pytest.mark.parametrize("specs, expected", [
    ([], [()]),
    ([COLOURS], [("红",), ("蓝",)]),
    ([COLOURS, SIZES], [("红", "S"), ("红", "M"), ("红", "L"), ("蓝", "S"), ("蓝", "M"), ("蓝", "L")]),
    ([(" 颜色 ", [" 红 "])], [("红",)]),
])
def test_combinations_cover_every_value_of_every_spec(specs, expected):
    assert spec_combinations(specs) == expected


def test_twenty_by_twenty_is_the_largest_matrix_allowed():
    specs = [("a", [str(i) for i in range(20)]), ("b", [str(i) for i in range(20)])]
    assert len(spec_combinations(specs)) == MAX_SKUS


@pytest.mark.parametrize("specs, message", [
    ([("a", ["1"]), ("b", ["1"]), ("c", ["1"]), ("d", ["1"])], "at most 3 specs"),
    ([("a", [str(i) for i in range(21)])], "at most 20 values"),
    ([("a", [str(i) for i in range(20)]), ("b", [str(i) for i in range(20)]), ("c", ["x", "y"])], "800 SKUs"),
    ([("颜色", ["红", "红"])], "duplicate value"),
    ([("颜色", ["红", " 红"])], "duplicate value"),
    ([("颜色", ["红"]), ("颜色", ["蓝"])], "appears twice"),
    ([("", ["红"])], "needs a name"),
    ([("颜色", [])], "non-empty values"),
    ([("颜色", ["红", ""])], "non-empty values"),
    ([("颜色" * 11, ["红"])], "too long"),
])
def test_bad_specs_are_refused_with_a_message(specs, message):
    with pytest.raises(InvalidProduct, match=message) as refusal:
        spec_combinations(specs)
    assert refusal.value.field == "specs"


@pytest.mark.parametrize("numbers, field", [
    ({"price": -1}, "price"),
    ({"price": None}, "price"),
    ({"price": 100, "market_price": 99}, "market_price"),
    ({"price": 100, "stock": -1}, "stock"),
    ({"price": 100, "weight": -5}, "weight"),
    ({"price": 10**10}, "price"),
    ({"price": 100, "market_price": 10**10}, "price"),
    ({"price": 100, "stock": 10**10}, "stock"),
])
def test_bad_sku_numbers_name_the_field(numbers, field):
    with pytest.raises(InvalidProduct) as refusal:
        check_sku_numbers(label="红 / S", **numbers)
    assert refusal.value.field == field
    assert "红 / S" in refusal.value.message


@pytest.mark.parametrize("numbers", [
    {"price": 0},
    {"price": 100, "market_price": 100},
    {"price": 100, "market_price": None, "stock": 0, "weight": 0},
    {"price": 100, "market_price": 200, "stock": 5, "weight": 250},
])
def test_good_sku_numbers_pass(numbers):
    check_sku_numbers(label="x", **numbers)


class _Sku:
    def __init__(self, price):
        self.price = price


@pytest.mark.parametrize("prices, shown", [([], 0), ([500], 500), ([900, 300, 700], 300)])
def test_product_shows_its_lowest_sku_price(prices, shown):
    assert displayed_price([_Sku(p) for p in prices]) == shown
