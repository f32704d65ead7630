"""Console lists (products, members, pages, team) page by keyset with a count: a second
store's rows never appear, and "Next page" / "Previous page" walk the whole list once."""
import html
import re

import pytest

from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tests.factories import create_member, create_product, create_staff, create_store, login_staff
from themes.pages import create_page

NEXT = re.compile(r'rel="next" href="([^"]+)"')
PREVIOUS = re.compile(r'rel="prev" href="([^"]+)"')


def add_product(store, name):
    create_product(store, name)


def add_member(store, name):
    create_member(store, nickname=name)


def add_page(store, name):
    with tenant_context(store.id):
        create_page(actor=None, title=name, slug=name.lower())
        db.session.commit()


def add_staff(store, name):
    create_staff(store, f"{name.lower()}@example.com", StaffUser.OPERATOR)


LISTS = [  # (path, module whose PAGE_SIZE pages it, add one row named ``name``)
    pytest.param("/console/products", "builder.views.catalog", add_product, id="products"),
    pytest.param("/console/members", "builder.views.members", add_member, id="members"),
    pytest.param("/console/pages", "builder.views.pages", add_page, id="pages"),
    pytest.param("/console/staff", "builder.views.staff", add_staff, id="staff"),
]


@pytest.fixture
def stores(app_ctx):
    return create_store("demo"), create_store("tea")


@pytest.mark.parametrize("path, module, add", LISTS)
def test_a_console_list_shows_only_its_own_stores_rows(stores, platform_client, path, module, add):
    demo, tea = stores
    for i in range(3):
        add(demo, f"Mine{i}")
    for i in range(2):
        add(tea, f"Theirs{i}")
    login_staff(platform_client, demo)
    body = platform_client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert all(f"Mine{i}" in body or f"mine{i}" in body for i in range(3))
    assert "Theirs" not in body and "theirs" not in body
    assert " in all" in body


@pytest.mark.parametrize("path, module, add", LISTS)
def test_next_and_previous_pages_walk_a_console_list_once(stores, platform_client, monkeypatch, path, module, add):
    demo, _tea = stores
    names = [f"Row{i}x" for i in range(5)]
    for name in names:
        add(demo, name)
    monkeypatch.setattr(f"{module}.PAGE_SIZE", 2)
    login_staff(platform_client, demo)
    seen, url, pages = [], path, []
    while url:
        body = platform_client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
        pages.append(body)
        seen += [name for name in names if name in body or name.lower() in body]
        found = NEXT.search(body)
        url = html.unescape(found.group(1)) if found else None
        assert len(pages) < 10
    assert sorted(seen) == names  # each row on exactly one page
    assert len(pages) >= 3 and "Previous page" not in pages[0] and PREVIOUS.search(pages[1])
    back = platform_client.get(html.unescape(PREVIOUS.search(pages[1]).group(1)))
    assert back.get_data(as_text=True).count("Row") == pages[0].count("Row")


def test_a_forged_console_cursor_is_a_400_not_an_error(stores, platform_client):
    demo, _tea = stores
    login_staff(platform_client, demo)
    assert platform_client.get("/console/products?cursor=forged").status_code == 400
