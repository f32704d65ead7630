"""quote_shipping: first weight, every started extra weight, free-over threshold, catch-all
rule and regions not delivered to — table-driven, no database."""
import pytest

from commerce.shipping.errors import NotDeliverable
from commerce.shipping.models import ShippingRule, ShippingTemplate
from commerce.shipping.regions import AREAS, OVERSEAS, PROVINCES, REGIONS
from commerce.shipping.service import quote_shipping

BEIJING, SHANGHAI, XINJIANG, TIBET, HONG_KONG = "110000", "310000", "650000", "540000", "810000"


def rule(regions=(), first_weight_g=1000, first_fee=800, extra_weight_g=500, extra_fee=300):
    return ShippingRule(regions=list(regions), first_weight_g=first_weight_g, first_fee=first_fee,
                        extra_weight_g=extra_weight_g, extra_fee=extra_fee)


def template(*rules, free_over=None, not_delivered=()):
    return ShippingTemplate(name="t", free_over=free_over, not_delivered=list(not_delivered), rules=list(rules))


# 1 kg first for ¥8, then ¥3 per started 500 g; 新疆 and 西藏 ¥20 + ¥10 per started kg.
STANDARD = template(
    rule([XINJIANG, TIBET], first_weight_g=1000, first_fee=2000, extra_weight_g=1000, extra_fee=1000),
    rule(),
    free_over=9900,
    not_delivered=[HONG_KONG, OVERSEAS],
)


@pytest.mark.parametrize("province, lines, subtotal, fee", [
    (SHANGHAI, [(200, 1)], 1000, 800),                 # under the first weight
    (SHANGHAI, [(1000, 1)], 1000, 800),                # exactly the first weight: no extra
    (SHANGHAI, [(1001, 1)], 1000, 1100),               # one gram over starts an extra unit
    (SHANGHAI, [(500, 3)], 1000, 1100),                # 1500 g: exactly one extra unit
    (SHANGHAI, [(500, 3), (1, 1)], 1000, 1400),        # 1501 g: two extra units
    (SHANGHAI, [(750, 2), (250, 4)], 1000, 1700),      # 2500 g: lines add up with their quantities
    (SHANGHAI, [(None, 5)], 1000, 800),                # no weight given: the first-weight fee
    (SHANGHAI, [], 1000, 800),                         # nothing weighed at all
    (SHANGHAI, [(None, 1), (1200, 1)], 1000, 1100),    # weightless lines add nothing
    (XINJIANG, [(2500, 1)], 1000, 4000),               # the named rule wins over the catch-all
    (TIBET, [(1000, 1)], 1000, 2000),
    (BEIJING, [(3000, 1)], 9899, 2000),                # one fen under free_over pays
    (BEIJING, [(3000, 1)], 9900, 0),                   # exactly free_over ships free
    (XINJIANG, [(30000, 1)], 20000, 0),                # free_over applies to every rule
])
def test_quote(province, lines, subtotal, fee):
    assert quote_shipping(STANDARD, province_code=province, lines=lines, subtotal=subtotal) == fee


@pytest.mark.parametrize("province, named", [(HONG_KONG, "香港特别行政区"), (OVERSEAS, "海外")])
def test_a_region_not_delivered_to_is_refused_by_name_even_above_free_over(province, named):
    with pytest.raises(NotDeliverable) as refusal:
        quote_shipping(STANDARD, province_code=province, lines=[(100, 1)], subtotal=10**6)
    assert named in str(refusal.value.message)
    assert refusal.value.province_code == province


def test_without_a_catch_all_rule_only_named_provinces_are_delivered():
    only_shanghai = template(rule([SHANGHAI], first_fee=500))
    assert quote_shipping(only_shanghai, province_code=SHANGHAI, lines=[(100, 1)], subtotal=0) == 500
    with pytest.raises(NotDeliverable, match="新疆维吾尔自治区"):
        quote_shipping(only_shanghai, province_code=XINJIANG, lines=[(100, 1)], subtotal=0)


def test_free_everywhere_template_charges_nothing_for_any_weight():
    free = template(rule(first_fee=0, extra_fee=0))
    assert quote_shipping(free, province_code=BEIJING, lines=[(50_000, 3)], subtotal=1) == 0


def test_fees_are_integer_fen():
    fee = quote_shipping(STANDARD, province_code=SHANGHAI, lines=[(333, 7)], subtotal=1)
    assert isinstance(fee, int) and fee == 800 + 3 * 300  # 2331 g: 1331 g over → 3 started 500 g units


def test_the_34_provincial_divisions_are_all_there_grouped_by_area():
    assert len(PROVINCES) == 34
    assert PROVINCES[BEIJING] == "北京市" and PROVINCES[XINJIANG] == "新疆维吾尔自治区"
    grouped = [code for _, regions in AREAS for code, _ in regions]
    assert sorted(grouped) == sorted(REGIONS) and len(grouped) == len(set(grouped))
