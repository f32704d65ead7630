"""The console's grouped navigation: the group being worked in is marked in the top row and
its sections, the current one marked, in the second; a one-section group shows no second row."""
import re

import pytest

from tests.factories import create_store, login_staff

GROUP_RE = re.compile(r'<nav class="topnav">(.*?)</nav>', re.S)
SUBNAV_RE = re.compile(r'<nav class="subnav"[^>]*>(.*?)</nav>', re.S)
CURRENT_RE = re.compile(r'<a href="([^"]+)" aria-current="page">([^<]+)</a>')


@pytest.fixture
def demo(app_ctx):
    return create_store("demo")


def current_links(html, pattern):
    found = pattern.search(html)
    return CURRENT_RE.findall(found.group(1)) if found else None


@pytest.mark.parametrize(("path", "group", "section"), [
    ("/console/", ("/console/", "Dashboard"), None),
    ("/console/packing", ("/console/orders", "Orders"), ("/console/packing", "Packing")),
    ("/console/waybills", ("/console/orders", "Orders"), ("/console/waybills", "Waybills")),
    ("/console/media", ("/console/products", "Products"), ("/console/media", "Image library")),
    ("/console/data/rfm", ("/console/data/", "Data"), None),
    ("/console/staff", ("/console/settings", "Settings"), ("/console/staff", "Team")),
])
def test_the_current_group_and_section_are_marked(platform_client, demo, path, group, section):
    login_staff(platform_client, demo)
    html = platform_client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert current_links(html, GROUP_RE) == [group]
    subnav = current_links(html, SUBNAV_RE)
    assert subnav == ([section] if section else None)


def test_the_groups_read_as_a_chinese_console_does(platform_client, demo):
    login_staff(platform_client, demo)
    html = platform_client.get("/console/packing", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    groups = re.findall(r">([^<]+)</a>", GROUP_RE.search(html).group(1))
    assert [g.strip() for g in groups] == ["概况", "订单", "商品", "客户", "营销", "数据", "店铺", "渠道", "设置"]
    assert re.findall(r">([^<]+)</a>", SUBNAV_RE.search(html).group(1)) == ["订单", "发货单", "电子面单", "售后"]
