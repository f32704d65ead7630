"""Two web hosts behind HAProxy (tests/scaleout/hosts.py): whatever one host does, the other
serves at once — a product edit, a signed-in merchant or shopper, an uploaded picture — and
a second store never shows the first one's content through either host. Every request goes
through the balancer; ``via=`` picks the host and the balancer's header proves who answered."""
import io
import os
import re
from urllib.parse import urlsplit

import pytest
import requests
from PIL import Image

from tests.scaleout.hosts import HAPROXY, HOSTS, STORES, TwoHosts, Visitor
from tests.scaleout.processes import require_binaries

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

OWNERS = {slug: spec["owner"] for slug, spec in STORES.items()}
IN_WECHAT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.50 NetType/WIFI"


@pytest.fixture(autouse=True)
def _clean_database():
    """Overrides the suite's per-test clean-up: the hosts have a database of their own."""
    yield


@pytest.fixture(scope="module")
def hosts(tmp_path_factory):
    require_binaries(HAPROXY, package="haproxy")
    workdir = tmp_path_factory.mktemp("two-web-hosts")
    with TwoHosts(os.environ["DATABASE_URL"], os.environ["REDIS_URL"], workdir) as running:
        yield running


# --- what people do, through the balancer -----------------------------------------------

def merchant(hosts, slug, *, via):
    console = Visitor(hosts, hosts.platform_host)
    email, password = OWNERS[slug]
    fields = console.form("/console/login", via=via)
    answer = console.post("/console/login", {**fields, "slug": slug, "email": email, "password": password},
                          via=via, follow=False)
    assert answer.status_code == 302, f"console login to {slug} answered HTTP {answer.status_code}"
    return console


def product_id(hosts, slug, title):
    (row,) = hosts.query("SELECT p.id FROM products p JOIN tenants t ON t.id = p.tenant_id "
                         "WHERE t.slug = :slug AND p.title = :title", slug=slug, title=title)
    return row.id


def tenant_id(hosts, slug):
    return hosts.query("SELECT id FROM tenants WHERE slug = :slug", slug=slug)[0].id


def rename_product(console, product, title, *, via):
    fields = console.form(f"/console/products/{product}", via=via, action=f"/console/products/{product}")
    answer = console.post(f"/console/products/{product}", {**fields, "title": title, "action": "save"},
                          via=via, follow=False)
    assert answer.status_code == 302, f"saving product {product} answered HTTP {answer.status_code}"


def png(colour, side=48):
    out = io.BytesIO()
    Image.new("RGB", (side, side), colour).save(out, format="PNG")
    return out.getvalue()


def upload_image(hosts, console, product, content, *, via):
    """Upload a picture to the product in the console; its media name."""
    token = console.form(f"/console/products/{product}", via=via)["csrf_token"]
    answer = console.post(f"/console/products/{product}/images", {"csrf_token": token},
                          files={"file": ("photo.png", content, "image/png")}, via=via, follow=False)
    assert answer.status_code == 302, f"the upload answered HTTP {answer.status_code}"
    (row,) = hosts.query("SELECT filename FROM product_images WHERE product_id = :id ORDER BY id DESC LIMIT 1",
                         id=product)
    return row.filename


def page_text(visitor, path, *, via):
    answer = visitor.get(path, via=via)
    assert answer.status_code == 200, f"{visitor.host}{path} on {via} answered HTTP {answer.status_code}"
    return answer.text


# --- the balancer ------------------------------------------------------------------------

def test_the_balancer_sends_requests_to_both_hosts_in_turn(hosts):
    before = {row["name"]: row["requests"] for row in hosts.server_stats()}
    shopper = Visitor(hosts, hosts.store_host("demo"))
    for _ in range(6):
        assert shopper.get("/").status_code == 200
    after = {row["name"]: row["requests"] for row in hosts.server_stats()}
    assert sorted(shopper.served_by) == ["web1"] * 3 + ["web2"] * 3  # round-robin, named by the balancer
    assert {name: after[name] - before[name] for name in HOSTS} == {"web1": 3, "web2": 3}  # and counted by it


# --- a cache invalidation ----------------------------------------------------------------

def test_a_product_edited_on_one_host_shows_at_once_on_the_other(hosts):
    mug = product_id(hosts, "demo", "北欧陶瓷马克杯")
    shopper = Visitor(hosts, hosts.store_host("demo"))
    for via in (*HOSTS, "web2"):  # each host renders the page and keeps it; web2 serves its kept copy
        assert "北欧陶瓷马克杯" in page_text(shopper, f"/products/{mug}", via=via)
    kept = shopper.get(f"/products/{mug}", via="web2")
    assert kept.headers.get("ETag") and "Set-Cookie" not in kept.headers  # the anonymous page cache's answer

    renamed = f"跨主机改名的马克杯 {hosts.run_id}"
    rename_product(merchant(hosts, "demo", via="web1"), mug, renamed, via="web1")

    fresh = shopper.get(f"/products/{mug}", via="web2")
    assert fresh.status_code == 200 and renamed in fresh.text and "北欧陶瓷马克杯" not in fresh.text
    assert fresh.headers["ETag"] != kept.headers["ETag"]
    revalidated = shopper.session.get(  # a browser holding the old page asks web2 whether it is still good
        f"https://127.0.0.1:{hosts.lb_port}/products/{mug}", verify=str(hosts.ca_file), allow_redirects=False,
        headers={"Host": shopper.host, "If-None-Match": kept.headers["ETag"], "X-Duoshop-Test-Host": "web2"})
    assert revalidated.status_code == 200 and renamed in revalidated.text
    assert renamed in page_text(shopper, f"/products/{mug}", via="web1")


def test_a_store_renamed_on_one_host_is_renamed_on_the_other_at_once(hosts):
    shopper = Visitor(hosts, hosts.store_host("tea"))
    for via in (*HOSTS, "web2"):  # both hosts know the store (and keep its home page) by its old name
        assert "一叶茶舍" in page_text(shopper, "/", via=via)
    console = merchant(hosts, "tea", via="web1")
    renamed = f"一叶新茶 {hosts.run_id}"
    fields = console.form("/console/settings", via="web1", action="/console/settings")
    saved = console.post("/console/settings", {**fields, "name": renamed, "contact_email": "service@yiye-tea.cn"},
                         via="web1", follow=False)
    assert saved.status_code == 302, f"saving the store settings answered HTTP {saved.status_code}"

    home = page_text(shopper, "/", via="web2")
    assert renamed in home and "一叶茶舍" not in home


# --- sessions ----------------------------------------------------------------------------

def test_a_merchant_signed_in_on_one_host_is_signed_in_on_the_other(hosts):
    console = merchant(hosts, "demo", via="web1")
    answer = console.get("/console/products", via="web2", follow=False)
    assert answer.status_code == 200 and "纯棉短袖T恤" in answer.text
    rename_product(console, product_id(hosts, "demo", "亚麻抱枕套"), "亚麻抱枕套", via="web2")  # its CSRF token too
    assert console.served_by[-2:] == ["web2", "web2"]


def test_a_shopper_signed_in_through_one_host_is_signed_in_on_the_other(hosts):
    shopper = Visitor(hosts, hosts.store_host("demo"), user_agent=IN_WECHAT)
    assert "Sign in or place an order" in page_text(shopper, "/me", via="web2")
    fields = shopper.form("/login", via="web1", action="/login")
    to_wechat = shopper.post("/login", {**fields, "agree": "y"}, via="web1", follow=False)
    assert to_wechat.status_code == 302 and to_wechat.headers["Location"].startswith(hosts.wechat_url)
    # WeChat's consent page (one service for every host): a new WeChat user allows.
    consent = requests.post(to_wechat.headers["Location"].split("#")[0], data={"nickname": "跨主机顾客"},
                            allow_redirects=False, timeout=10)
    back = urlsplit(consent.headers["Location"])
    assert consent.status_code == 302 and back.netloc == shopper.host and back.path == "/login/callback"
    # The login started on web1 (its state is in the shopper's cookie) and ends on web2.
    signed_in = shopper.get(f"{back.path}?{back.query}", via="web2")
    assert signed_in.status_code == 200
    me = page_text(shopper, "/me", via="web1")
    assert re.search(r'class="member-name">跨主机顾客<', me)
    assert re.search(r'class="member-name">跨主机顾客<', page_text(shopper, "/me", via="web2"))


# --- an uploaded image -------------------------------------------------------------------

def test_an_image_uploaded_through_one_host_is_served_by_the_other(hosts):
    console = merchant(hosts, "demo", via="web1")
    cushion = product_id(hosts, "demo", "亚麻抱枕套")
    name = upload_image(hosts, console, cushion, png((200, 30, 30)), via="web1")
    demo = tenant_id(hosts, "demo")
    stored = hosts.s3.get_object(Bucket=hosts.bucket, Key=f"{demo}/{name}")["Body"].read()  # in the shared bucket

    shopper = Visitor(hosts, hosts.store_host("demo"))
    served = shopper.get(f"/media/{demo}/{name}", via="web2")
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/png"
    assert served.content == stored
    assert Image.open(io.BytesIO(served.content)).getpixel((10, 10)) == (200, 30, 30)
    staff_view = console.get(f"/media/{demo}/{name}", via="web2")  # the console's own preview, on the platform host
    assert staff_view.status_code == 200 and staff_view.content == stored
    assert f"/media/{demo}/{name}" in page_text(shopper, f"/products/{cushion}", via="web2")


# --- a second store ----------------------------------------------------------------------

def test_a_second_store_never_shows_the_first_stores_content_through_either_host(hosts):
    demo_console = merchant(hosts, "demo", via="web2")
    earphones = product_id(hosts, "demo", "无线蓝牙耳机")
    secret_title = f"只属于演示店的商品 {hosts.run_id}"
    rename_product(demo_console, earphones, secret_title, via="web2")
    name = upload_image(hosts, demo_console, earphones, png((30, 200, 30)), via="web1")
    demo = tenant_id(hosts, "demo")
    tea_shirt = product_id(hosts, "tea", "纯棉短袖T恤")  # the same title in both stores

    tea_shopper = Visitor(hosts, hosts.store_host("tea"))
    tea_console = merchant(hosts, "tea", via="web1")
    for via in HOSTS:
        for path in ("/", "/products", f"/products/{tea_shirt}"):
            text = page_text(tea_shopper, path, via=via)
            assert secret_title not in text and name not in text, f"tea's {path} on {via} shows demo's content"
        found = page_text(tea_shopper, f"/search?q={secret_title}", via=via)
        assert "Nothing found" in found and f"/products/{earphones}" not in found and name not in found
        assert "69.00" in page_text(tea_shopper, f"/products/{tea_shirt}", via=via)  # tea's own price, not demo's 79.00
        assert tea_shopper.get(f"/products/{earphones}", via=via).status_code == 404
        assert tea_shopper.get(f"/media/{demo}/{name}", via=via).status_code == 404
        assert tea_console.get(f"/media/{demo}/{name}", via=via).status_code == 404
        listed = page_text(tea_console, "/console/products", via=via)
        assert secret_title not in listed and "无线蓝牙耳机" not in listed
        assert tea_console.get(f"/console/products/{earphones}", via=via, follow=False).status_code == 404
    assert secret_title in page_text(Visitor(hosts, hosts.store_host("demo")), f"/products/{earphones}", via="web1")
