"""People using the cluster over HTTP as a browser would: a shopper (guest cart, checkout
form, pay page), a merchant (console login, refund form, after-sales decisions), someone
signing up. Every answer is logged with what the person was doing, so the harness can say
which page answered 5xx during a fault."""
import re
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlparse

import requests

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ADDRESS = {"name": "混沌测试", "phone": "13812345678", "province_code": "330000", "city": "杭州市",
           "district": "西湖区", "detail": "文三路 1 号"}


@dataclass
class Answer:
    who: str
    method: str
    host: str
    path: str
    status: int | None  # None: no answer at all (connection refused or timed out)
    seconds: float
    at: float


class AnswerLog:
    def __init__(self):
        self._lock = threading.Lock()
        self.answers = []

    def add(self, answer):
        with self._lock:
            self.answers.append(answer)

    def server_errors(self, since=0.0):
        """Answers a person saw as an error page: 5xx, or no answer."""
        with self._lock:
            return [a for a in self.answers if a.at >= since and (a.status is None or a.status >= 500)]


class ActionFailed(AssertionError):
    """A step a person takes did not end where it should."""


class Browser:
    """One person's browser on one host of the cluster (``demo.localhost:<port>`` …),
    connecting to 127.0.0.1 with the right Host header, following redirects itself."""

    def __init__(self, cluster, host, log, who, timeout=30):
        self.cluster, self.host, self.log, self.who, self.timeout = cluster, host, log, who, timeout
        self.session = requests.Session()

    def clone(self, who):
        """Another tab of the same browser (same cookies), for concurrent requests."""
        other = Browser(self.cluster, self.host, self.log, who, self.timeout)
        other.session.cookies.update(self.session.cookies)
        return other

    def request(self, method, path, *, data=None, follow=True, headers=None):
        host, response = self.host, None
        for _ in range(6):
            started = time.monotonic()
            try:
                response = self.session.request(
                    method, f"http://127.0.0.1:{self.cluster.port}{path}", data=data, allow_redirects=False,
                    timeout=self.timeout, headers={"Host": host, "Accept-Language": "en", **(headers or {})})
            except requests.RequestException:
                self.log.add(Answer(self.who, method, host, path, None, time.monotonic() - started, time.time()))
                raise
            self.log.add(Answer(self.who, method, host, path, response.status_code, time.monotonic() - started,
                                time.time()))
            if not (follow and response.status_code in (301, 302, 303) and response.headers.get("Location")):
                return response
            target = urlparse(response.headers["Location"])
            if target.netloc and target.netloc != host:
                if not target.netloc.endswith(f"localhost:{self.cluster.port}"):
                    return response  # off the cluster (e.g. the sandbox's page): the caller looks
                host = target.netloc
            method, data, path = "GET", None, target.path + (f"?{target.query}" if target.query else "")
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, data=None, **kwargs):
        return self.request("POST", path, data=data, **kwargs)

    def csrf(self, path):
        response = self.get(path)
        match = CSRF_RE.search(response.text)
        if not match:
            raise ActionFailed(f"{self.who}: no CSRF token on {self.host}{path} (HTTP {response.status_code})")
        return match.group(1)

    def form_post(self, page, action, fields, **kwargs):
        """Open ``page``, take its CSRF token, post ``fields`` to ``action``."""
        return self.post(action, data={**fields, "csrf_token": self.csrf(page)}, **kwargs)


# --- what people do ------------------------------------------------------------------------

def store_host(cluster, slug):
    return f"{slug}.{cluster.platform_host}"


def shopper(cluster, log, slug, who="shopper"):
    return Browser(cluster, store_host(cluster, slug), log, who)


def place_order(browser, sku_id):
    """Cart → checkout form → the order's pay page. Returns the order number."""
    return _checkout(browser, "/cart/items", {"sku_id": str(sku_id), "quantity": "1", "then": "checkout"},
                     "/checkout", f"adding SKU {sku_id} to the cart")


def start_wechat_payment(browser, number):
    """Press "Pay with WeChat" on the pay page: WeChat gets the order (Native QR)."""
    answer = browser.form_post(f"/orders/{number}/pay", f"/orders/{number}/pay", {})
    if answer.status_code != 200 or "weixin://" not in answer.text and "<svg" not in answer.text:
        raise ActionFailed(f"{browser.who}: starting WeChat Pay for {number} answered HTTP {answer.status_code}: "
                           f"{_visible_error(answer.text)}")


def start_group_team(browser, campaign_id):
    """"Start a team" on a group buy → its checkout form → the pay page. Returns the order number."""
    return _checkout(browser, f"/group-buys/{campaign_id}/start", None, "/checkout/group", "starting a team")


def _checkout(browser, start, data, checkout, what):
    # The first step is posted from a cached product page: no token, the browser's Origin instead.
    started = browser.post(start, data=data, headers={"Origin": f"http://{browser.host}"}, follow=False)
    if started.status_code != 302:
        raise ActionFailed(f"{browser.who}: {what} answered HTTP {started.status_code}")
    placed = browser.form_post(checkout, checkout, ADDRESS, follow=False)
    match = re.search(r"/orders/([^/]+)/pay", placed.headers.get("Location", ""))
    if placed.status_code != 302 or not match:
        raise ActionFailed(f"{browser.who}: {checkout} answered HTTP {placed.status_code}, not the pay page: "
                           f"{_visible_error(placed.text)}")
    return match.group(1)


def ask_for_refund(browser, number, amount_fen):
    """The shopper's after-sales request: refund only, the whole amount."""
    answer = browser.form_post(f"/orders/{number}/after-sale", f"/orders/{number}/after-sale",
                               {"kind": "refund_only", "reason": "not_received", "description": "chaos",
                                "amount": f"{amount_fen / 100:.2f}"}, follow=False)
    if answer.status_code != 302:
        raise ActionFailed(f"{browser.who}: the after-sales request for {number} answered HTTP {answer.status_code}: "
                           f"{_visible_error(answer.text)}")


def merchant(cluster, log, slug, email, password, who="merchant"):
    """A console session of the store's owner."""
    browser = Browser(cluster, cluster.platform_host, log, who)
    answer = browser.form_post("/console/login", "/console/login",
                               {"slug": slug, "email": email, "password": password}, follow=False)
    if answer.status_code != 302:
        raise ActionFailed(f"{who}: console login to {slug} answered HTTP {answer.status_code}")
    return browser


def console_refund_form(browser, number, amount_fen):
    """``(action, fields)`` of the refund form on the console's order page, token included."""
    return f"/console/orders/{number}/refund", {"amount": f"{amount_fen / 100:.2f}", "reason": "chaos",
                                                 "csrf_token": browser.csrf(f"/console/orders/{number}")}


def sign_up(browser, slug):
    answer = browser.form_post("/signup", "/signup", {"store_name": f"混沌 {slug}", "slug": slug,
                                                      "email": f"{slug}@example.com", "password": "chaos-owner-2026"},
                               follow=False)
    return answer


def _visible_error(html):
    """The page's alert, else its title: what the person read."""
    for pattern in (r'role="alert"[^>]*>\s*([^<]+)', r"<title>([^<]+)</title>"):
        match = re.search(pattern, html or "", re.S)
        if match and match.group(1).strip():
            return match.group(1).strip()
    return (html or "")[:120].replace("\n", " ") or "(empty page)"
