"""The four fault scenarios of issue 12. Each ``inject`` drives people over HTTP while it
breaks something for real (the sandbox's switches, SIGKILL, the Redis proxy); each
``check`` reads the database and the sandbox's ledger and returns what still diverges, in
words (empty: the end state is right). The runner polls every check after the faults until
all are clean or the recovery window closes; how long that took after the work was due is
the scenario's lateness."""
import re
import subprocess
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import text

from tests.faults.cluster import BIN, PROJECT_ROOT, ClusterError, wait_for
from tests.faults.people import (
    ActionFailed,
    Browser,
    ask_for_refund,
    console_refund_form,
    merchant,
    place_order,
    shopper,
    sign_up,
    start_group_team,
    start_wechat_payment,
)

LATE_LIMIT = 60.0  # seconds: scheduled work may be this late after the fault, no more
PAYMENT_MINUTES = 1
STUCK_PROVISIONING = 60.0  # seconds: the design re-provisions a store stuck this long
OWNERS = {"demo": ("owner@demo.test", "demo-owner-2026"), "tea": ("owner@tea.test", "tea-owner-2026")}


@dataclass
class Outcome:
    key: str
    title: str
    problems: list = field(default_factory=list)  # what diverged, in words
    fen_compared: int = 0
    events: dict = field(default_factory=dict)  # kind → how many applied (expected once each)
    lateness: float | None = None  # seconds after the work was due until the end state was right
    slowest: str | None = None  # the piece of work that was latest
    server_errors: list = field(default_factory=list)

    @property
    def passed(self):
        return not self.problems and not self.server_errors and self.lateness is not None \
            and self.lateness <= LATE_LIMIT


class Context:
    def __init__(self, cluster, log, long_form=False):
        self.cluster, self.log, self.long_form = cluster, log, long_form
        self.db = cluster.owner_engine
        self.unheard_refunds = set()  # refunds whose notification the merchant has not yet accepted
        with self.db.begin() as conn:  # the demo store gives one minute to pay: timeouts fall due during the run
            conn.execute(text(f"UPDATE tenants SET payment_timeout_minutes = {PAYMENT_MINUTES} WHERE slug = 'demo'"))

    def scalar(self, sql, **params):
        with self.db.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def rows(self, sql, **params):
        with self.db.connect() as conn:
            return conn.execute(text(sql), params).mappings().all()

    def tenant_id(self, slug):
        return self.scalar("SELECT id FROM tenants WHERE slug = :s", s=slug)

    def plain_sku(self, slug, skip=()):
        """A SKU on sale in the store, not in a flash sale or group buy, with stock."""
        return self.scalar(
            "SELECT s.id FROM skus s JOIN products p ON p.id = s.product_id AND p.tenant_id = s.tenant_id "
            "WHERE s.tenant_id = :t AND p.status = 'on_sale' AND s.stock >= 3 AND s.id <> ALL(:skip) "
            "AND s.id NOT IN (SELECT sku_id FROM flash_sale_items) AND s.id NOT IN (SELECT sku_id FROM group_buys) "
            "ORDER BY s.stock DESC, s.id LIMIT 1", t=self.tenant_id(slug), skip=list(skip))

    def order(self, number):
        return self.rows("SELECT * FROM orders WHERE number = :n", n=number)[0]

    def due_of(self, number):
        """When the order's payment time runs out, on this process's monotonic clock."""
        left = self.scalar("SELECT extract(epoch FROM expires_at - now()) FROM orders WHERE number = :n", n=number)
        return time.monotonic() + float(left)

    def wait_paid(self, number, timeout=20):
        wait_for(lambda: self.scalar("SELECT paid_at IS NOT NULL FROM orders WHERE number = :n", n=number),
                 timeout, what=f"order {number} paid in the database")

    def buy_and_pay(self, slug, who, sku_id=None):
        """A shopper orders one unit and pays with WeChat; returns (browser, order number)."""
        browser = shopper(self.cluster, self.log, slug, who)
        number = place_order(browser, sku_id or self.plain_sku(slug))
        start_wechat_payment(browser, number)
        self.cluster.sandbox.pay(number)
        return browser, number

    def distributor_code(self, who):
        """A shopper who has ordered applies to distribute, the owner approves, and the
        shopper's share link gives their ``?ref=`` code."""
        browser, number = self.buy_and_pay("demo", who)
        browser.form_post("/me/distribution", "/me/distribution/apply", {})
        member_id = self.order(number)["member_id"]
        distributor = self.scalar("SELECT id FROM distributors WHERE member_id = :m AND tenant_id = :t",
                                  m=member_id, t=self.tenant_id("demo"))
        boss = merchant(self.cluster, self.log, "demo", *OWNERS["demo"], who=who + "-owner")
        boss.form_post("/console/distribution", f"/console/distribution/applications/{distributor}/approve", {})
        match = re.search(r"ref=([0-9]+-[A-Za-z0-9_-]{10})", browser.get("/me/distribution").text)
        if not match:
            raise ActionFailed(f"{who}: no share link on /me/distribution after the owner approved")
        return match.group(1)

    def run_python(self, code):
        """A short script in the cluster's environment (as rq's scheduler or cron would act)."""
        result = subprocess.run([str(BIN / "python"), "-c", code], cwd=PROJECT_ROOT, env=self.cluster.env(),
                                capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise ClusterError(f"script failed:\n{result.stderr[-2000:]}")
        return result.stdout

    def waiting_on_a_lock(self):
        """Backends of this run's database blocked on a row lock (a job stuck mid-way)."""
        return self.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND wait_event_type = 'Lock'")

    def settle_wechat_refunds(self):
        """WeChat settles every refund it accepted and notifies, as it does a little later,
        and notifies again each time until the merchant answers 200/204."""
        sandbox = self.cluster.sandbox
        for refund in sandbox.ledger()["refunds"]:
            number = refund["out_refund_no"]
            if refund["status"] == "PROCESSING":
                status = sandbox.complete_refund(number)["notify_status"]
            elif number in self.unheard_refunds:
                status = sandbox.notify_refund_again(number)
            else:
                continue
            if status in (200, 204):
                self.unheard_refunds.discard(number)
            else:
                self.unheard_refunds.add(number)


# --- end-state checks shared by the scenarios ---------------------------------------------

def money_divergences(ctx, numbers):
    """Per order: paid and refunded fen, and the refund numbers, here against WeChat's ledger.
    Returns ``(problems, fen compared)``."""
    ledger = ctx.cluster.sandbox.ledger()
    trades = {t["out_trade_no"]: t for t in ledger["transactions"]}
    wechat_refunds = defaultdict(list)
    for refund in ledger["refunds"]:
        wechat_refunds[refund["out_trade_no"]].append(refund)
    problems, fen = [], 0
    for number in numbers:
        order = ctx.order(number)
        rows = ctx.rows("SELECT number, amount, status FROM refunds WHERE order_id = :o AND tenant_id = :t",
                        o=order["id"], t=order["tenant_id"])
        trade = trades.get(number)
        wechat_paid = trade["total"] if trade and trade["trade_state"] in ("SUCCESS", "REFUND") else 0
        here_paid = order["paid_amount"] if order["transaction_id"] else 0
        theirs = {r["out_refund_no"]: r for r in wechat_refunds[number]}
        ours = {r["number"]: r for r in rows if r["status"] != "failed"}
        wechat_refunded, here_refunded = sum(r["refund"] for r in theirs.values()), sum(r["amount"] for r in ours.values())
        fen += wechat_paid + wechat_refunded
        if wechat_paid != here_paid:
            problems.append(f"order {number}: WeChat has {wechat_paid} fen paid, the database {here_paid}")
        if wechat_refunded != here_refunded or set(theirs) != set(ours):
            problems.append(f"order {number}: WeChat refunded {wechat_refunded} fen in {len(theirs)} refund(s) "
                            f"{sorted(theirs)}, the database records {here_refunded} fen in {len(ours)} "
                            f"{sorted(ours)} (status {order['status']})")
        settled_there = {n for n, r in theirs.items() if r["status"] == "SUCCESS"}
        settled_here = {n for n, r in ours.items() if r["status"] == "succeeded"}
        if settled_there != settled_here:
            problems.append(f"order {number}: WeChat settled refunds {sorted(settled_there)}, "
                            f"the database {sorted(settled_here)}")
        if order["refunded_amount"] != sum(r["refund"] for n, r in theirs.items() if n in settled_there):
            problems.append(f"order {number}: refunded_amount is {order['refunded_amount']} fen, WeChat settled "
                            f"{sum(r['refund'] for n, r in theirs.items() if n in settled_there)}")
        if wechat_paid and wechat_refunded == wechat_paid and order["status"] != "refunded":
            problems.append(f"order {number}: refunded in full at WeChat but the order is still {order['status']}")
    return problems, fen


def points_applied(ctx, number):
    """How many times the order's points were credited (exactly once is right)."""
    order = ctx.order(number)
    return ctx.scalar("SELECT count(*) FROM points_entries WHERE order_id = :o AND tenant_id = :t AND reason = 'order'",
                      o=order["id"], t=order["tenant_id"])


def commissions_of(ctx, number):
    """Commission rows of the order's level-1 referrer (exactly one is right)."""
    order = ctx.order(number)
    return ctx.scalar("SELECT count(*) FROM commissions WHERE order_id = :o AND tenant_id = :t AND level = 1",
                      o=order["id"], t=order["tenant_id"])


def once(problems, what, count):
    if count != 1:
        problems.append(f"{what} applied {count} times, not once")
    return count


# --- scenarios ------------------------------------------------------------------------------

class Scenario:
    key = title = ""

    def __init__(self, ctx):
        self.ctx = ctx
        self.due = None  # when the work became due (the fault ended)
        self.dues, self.done = {}, {}  # item → when it was due / first seen right (monotonic)
        self.setup_problems = []
        self.outcome = Outcome(self.key, self.title)

    def mark(self, item, right, due=None):
        """Note when ``item`` of the end state was first right; it fell due at ``due``
        (default: when the fault ended). Returns ``right``."""
        self.dues.setdefault(item, self.due if due is None else due)
        if right and item not in self.done:
            self.done[item] = time.monotonic()
        return right

    def lateness(self):
        """Seconds the latest item was right after it fell due (0 when all were on time)."""
        return max(0.0, *(self.done.get(item, time.monotonic()) - due for item, due in self.dues.items()))

    def slowest(self):
        """The item that was right latest after it fell due."""
        return max(self.dues, key=lambda item: self.done.get(item, time.monotonic()) - self.dues[item], default=None)

    def last_due(self):
        return max([self.due, *self.dues.values()])

    def who(self, name):
        return f"{self.key}:{name}"

    def inject(self):
        raise NotImplementedError

    def check(self):
        """``(problems, fen compared, events)`` of the end state as it is now."""
        raise NotImplementedError

    def errors_seen(self):
        return [f"{a.method} {a.host}{a.path} → {a.status or 'no answer'} ({a.who})"
                for a in self.ctx.log.server_errors() if a.who.startswith(self.key + ":")]


class NoFault(Scenario):
    key, title = "0", "control: the same journeys with nothing broken"

    def inject(self):
        ctx, cluster = self.ctx, self.ctx.cluster
        self.slug = f"chaos-0-{uuid.uuid4().hex[:6]}"
        answer = sign_up(Browser(cluster, cluster.platform_host, ctx.log, self.who("signup")), self.slug)
        if answer.status_code != 302:
            self.setup_problems.append(f"sign-up answered HTTP {answer.status_code}")
        _, self.number = ctx.buy_and_pay("demo", self.who("shopper"))
        ctx.wait_paid(self.number)
        boss = merchant(cluster, ctx.log, "demo", *OWNERS["demo"], who=self.who("merchant"))
        action, fields = console_refund_form(boss, self.number, ctx.order(self.number)["paid_amount"] // 2)
        refunded = boss.post(action, data=fields, follow=False)
        if refunded.status_code != 302:
            self.setup_problems.append(f"a plain console refund answered HTTP {refunded.status_code}")
        self.due = time.monotonic()

    def check(self):
        ctx = self.ctx
        problems, fen = money_divergences(ctx, [self.number])
        points = once(problems, f"points of order {self.number}", points_applied(ctx, self.number))
        refunds = once(problems, f"refund of order {self.number}", ctx.scalar(
            "SELECT count(*) FROM refunds r JOIN orders o ON o.id = r.order_id WHERE o.number = :n", n=self.number))
        status = ctx.scalar("SELECT status FROM tenants WHERE slug = :s", s=self.slug)
        if status != "active":
            problems.append(f"store {self.slug} is {status}, not active")
        return problems, fen, {"points": points, "refund": refunds, "provisioned": int(status == "active")}


class RefundAnswerLate(Scenario):
    key, title = "a", "WeChat accepts a refund and answers after the client timeout"

    def inject(self):
        ctx, sandbox = self.ctx, self.ctx.cluster.sandbox
        self.numbers = []
        boss = merchant(ctx.cluster, ctx.log, "demo", *OWNERS["demo"], who=self.who("merchant"))
        for i in range(3 if ctx.long_form else 1):
            _, number = ctx.buy_and_pay("demo", self.who(f"shopper{i}"))
            ctx.wait_paid(number)
            self.numbers.append(number)
            sandbox.set_faults(refund_answer_delay=ctx.cluster.wechatpay_timeout + 3)
            try:
                action, fields = console_refund_form(boss, number, ctx.order(number)["paid_amount"])
                boss.post(action, data=fields)
            finally:
                sandbox.reset_faults()
        self.due = time.monotonic()

    def check(self):
        problems, fen = money_divergences(self.ctx, self.numbers)
        refunds = sum(self.ctx.scalar("SELECT count(*) FROM refunds r JOIN orders o ON o.id = r.order_id "
                                      "WHERE o.number = :n AND r.status <> 'failed'", n=n) for n in self.numbers)
        if refunds != len(self.numbers):
            problems.append(f"{refunds} refund rows for {len(self.numbers)} refunded order(s), not one each")
        return problems, fen, {"refund": refunds}


class WorkerKilled(Scenario):
    key, title = "b", "worker and work-horse SIGKILLed mid-job, then restarted"

    def inject(self):
        ctx, cluster = self.ctx, self.ctx.cluster
        # 0. an order left unpaid: its timeout waits in the outbox, due after the crash.
        unpaid = shopper(cluster, ctx.log, "demo", self.who("unpaid-shopper"))
        self.unpaid_order = place_order(unpaid, ctx.plain_sku("demo"))
        start_wechat_payment(unpaid, self.unpaid_order)
        self.unpaid_due = ctx.due_of(self.unpaid_order)
        # 1. store provisioning: the job blocks on the new store's row, and dies there.
        cluster.kill_worker()
        self.slug = f"chaos-b-{uuid.uuid4().hex[:6]}"
        self.signed_up = time.monotonic()
        answer = sign_up(Browser(cluster, cluster.platform_host, ctx.log, self.who("signup")), self.slug)
        if answer.status_code != 302:
            self.setup_problems.append(f"sign-up answered HTTP {answer.status_code}")
        self._kill_mid_job("SELECT 1 FROM tenants WHERE slug = :k FOR UPDATE", k=self.slug)
        # 2. the points job of a paid order: queued while no worker runs, then blocks on the member's row.
        cluster.kill_worker()
        _, self.points_order = ctx.buy_and_pay("demo", self.who("shopper"))
        ctx.wait_paid(self.points_order)
        member_id = ctx.order(self.points_order)["member_id"]
        self._kill_mid_job("SELECT 1 FROM members WHERE id = :k FOR UPDATE", k=member_id)
        # 3. a group-buy team expires unfilled: killed while WeChat is still answering the refund.
        campaign = ctx.scalar("SELECT id FROM group_buys WHERE tenant_id = :t LIMIT 1", t=ctx.tenant_id("demo"))
        browser = shopper(cluster, ctx.log, "demo", self.who("team-leader"))
        self.team_order = start_group_team(browser, campaign)
        start_wechat_payment(browser, self.team_order)
        cluster.sandbox.pay(self.team_order)
        ctx.wait_paid(self.team_order)
        team = ctx.rows("SELECT m.team_id, m.tenant_id FROM group_team_members m JOIN orders o ON o.id = m.order_id "
                        "WHERE o.number = :n", n=self.team_order)[0]
        cluster.sandbox.set_faults(refund_answer_delay=cluster.wechatpay_timeout * 0.75)
        try:
            with ctx.db.begin() as conn:  # the team's 24 hours are up: its deadline event falls due now
                conn.execute(text("UPDATE group_teams SET expires_at = now() - interval '1 second' WHERE id = :i"),
                             {"i": team["team_id"]})
                conn.execute(text("UPDATE outbox_events SET available_at = now() WHERE topic = 'group_buy.team_deadline' "
                                  "AND done_at IS NULL AND (payload->>'team_id')::int = :i"), {"i": team["team_id"]})
            wait_for(lambda: any(r["out_trade_no"] == self.team_order
                                 for r in cluster.sandbox.ledger()["refunds"]), 30,
                     what="WeChat receiving the group-buy refund")
            cluster.kill_worker()
        finally:
            cluster.sandbox.reset_faults()
        cluster.start_worker()
        self.due = time.monotonic()

    def _kill_mid_job(self, lock_sql, **params):
        ctx, cluster = self.ctx, self.ctx.cluster
        with ctx.db.connect() as conn:
            transaction = conn.begin()
            conn.execute(text(lock_sql), params)
            cluster.start_worker()
            try:
                wait_for(lambda: ctx.waiting_on_a_lock() > 0, 30, what="the job blocking mid-way")
            except ClusterError as error:
                self.setup_problems.append(str(error))
            cluster.kill_worker()
            transaction.rollback()
        cluster.start_worker()

    def check(self):
        ctx = self.ctx
        problems, fen = money_divergences(ctx, [self.points_order, self.team_order])
        self.mark("refund", not problems)
        status = ctx.scalar("SELECT status FROM tenants WHERE slug = :s", s=self.slug)
        if not self.mark("provisioning", status == "active", due=self.signed_up + STUCK_PROVISIONING):
            problems.append(f"store {self.slug} is {status}, not active (provisioning was killed)")
        pages = ctx.scalar("SELECT count(*) FROM pages p JOIN tenants t ON t.id = p.tenant_id WHERE t.slug = :s",
                           s=self.slug)
        if status == "active" and pages != 2:
            problems.append(f"store {self.slug} has {pages} pages, not the 2 provisioning makes once")
        points = once(problems, f"points of order {self.points_order}", points_applied(ctx, self.points_order))
        self.mark("points", points == 1)
        unpaid = ctx.order(self.unpaid_order)["status"]
        if not self.mark("payment timeout", unpaid == "cancelled", due=self.unpaid_due):
            overdue = time.monotonic() - self.unpaid_due
            problems.append(f"order {self.unpaid_order} is {unpaid} " + (
                f"{overdue:.0f}s after its payment time ran out" if overdue > 0 else
                f"(its payment time runs out in {-overdue:.0f}s)"))
        member = ctx.scalar("SELECT m.status FROM group_team_members m JOIN orders o ON o.id = m.order_id "
                            "WHERE o.number = :n", n=self.team_order)
        if not self.mark("group-buy expiry", member == "refunded"):
            problems.append(f"the expired team's paid member is {member}, not refunded")
        return problems, fen, {"provisioned": int(status == "active"), "points": points,
                               "refund": ctx.scalar("SELECT count(*) FROM refunds r JOIN orders o ON o.id = r.order_id "
                                                    "WHERE o.number = :n", n=self.team_order)}


class RedisUnreachable(Scenario):
    key, title = "c", "Redis unreachable during checkout, a payment notification and sign-up"

    def inject(self):
        ctx, cluster = self.ctx, self.ctx.cluster
        # Before the outage: a shopper who came by a distributor's link, with an order waiting for its payment.
        code = ctx.distributor_code(self.who("distributor"))
        self.browser = shopper(cluster, ctx.log, "demo", self.who("shopper"))
        self.browser.get(f"/?ref={code}")
        self.paid_order = place_order(self.browser, ctx.plain_sku("demo"))
        start_wechat_payment(self.browser, self.paid_order)
        outage_from = ctx.scalar("SELECT now()")
        cluster.proxy.down()
        self.slug, self.during, self.checkout_order = f"chaos-c-{uuid.uuid4().hex[:6]}", [], None
        try:
            for path in ("/", f"/products/{ctx.scalar('SELECT product_id FROM skus WHERE id = :s', s=ctx.plain_sku('demo'))}"):
                self._try(lambda p=path: self.browser.get(p))
            self.notify_status = cluster.sandbox.pay(self.paid_order)["notify_status"]  # WeChat notifies
            late = shopper(cluster, ctx.log, "demo", self.who("late-shopper"))
            self.checkout_order = self._try(lambda: place_order(late, ctx.plain_sku("demo")))
            if self.checkout_order is not None:
                self.checkout_due = ctx.due_of(self.checkout_order)
            self._try(lambda: sign_up(Browser(cluster, cluster.platform_host, ctx.log, self.who("signup")), self.slug))
            time.sleep(2)
        finally:
            cluster.proxy.up()
        self.due = time.monotonic()
        if self.checkout_order is None:  # the shopper saw an error page: did the order get written all the same?
            self.checkout_order = ctx.scalar(
                "SELECT number FROM orders WHERE created_at >= :t AND number <> :n ORDER BY id LIMIT 1",
                t=outage_from, n=self.paid_order)
            if self.checkout_order is not None:
                self.checkout_due = ctx.due_of(self.checkout_order)
        if self.notify_status not in (200, 204):
            time.sleep(1)  # WeChat retries a notification that was not answered 200/204
            self.retry_status = cluster.sandbox.notify_again(self.paid_order)
        # Redis is back: the same people carry on (a pooled connection reset by the outage must not show).
        back = self.who("after")
        self._try(lambda: shopper(cluster, ctx.log, "demo", back).get("/"))
        self._try(lambda: merchant(cluster, ctx.log, "demo", *OWNERS["demo"], who=back))

    def _try(self, action):
        try:
            return action()
        except Exception as error:  # noqa: BLE001  (the 5xx is in the answer log; the outage goes on)
            self.during.append(f"during or right after the outage: {error}")
            return None

    def check(self):
        ctx = self.ctx
        problems, fen = money_divergences(ctx, [self.paid_order])
        problems[:0] = self.during
        points = once(problems, f"points of order {self.paid_order} (paid during the outage)",
                      points_applied(ctx, self.paid_order))
        commissions = once(problems, f"the distributor's commission on order {self.paid_order}",
                           commissions_of(ctx, self.paid_order))
        self.mark("commission", commissions == 1)
        self.mark("points", points == 1)
        if self.checkout_order is not None:  # its timeout must have been kept for when Redis is back
            due = self.checkout_due
            status = ctx.order(self.checkout_order)["status"]
            if not self.mark("payment timeout", status == "cancelled", due=due):
                overdue = time.monotonic() - due
                problems.append(f"order {self.checkout_order} placed during the outage is {status} " + (
                    f"{overdue:.0f}s after its payment time ran out" if overdue > 0 else
                    f"(its payment time runs out in {-overdue:.0f}s)"))
        status = ctx.scalar("SELECT status FROM tenants WHERE slug = :s", s=self.slug)
        if not self.mark("sign-up provisioning", status == "active"):
            problems.append(f"store {self.slug} signed up during the outage is {status or 'not there'}, not active")
        return problems, fen, {"points": points, "commission": commissions, "provisioned": int(status == "active")}


class ConcurrentRefunds(Scenario):
    key, title = "d", "20 simultaneous refunds and 20 simultaneous after-sales approvals of one order"

    def inject(self):
        ctx, cluster = self.ctx, self.ctx.cluster
        n = 50 if ctx.long_form else 20
        _, self.refund_order = ctx.buy_and_pay("demo", self.who("shopper"))
        tea_shopper, self.after_sale_order = ctx.buy_and_pay("tea", self.who("tea-shopper"))  # a second tenant
        ctx.wait_paid(self.refund_order)
        ctx.wait_paid(self.after_sale_order)
        demo = merchant(cluster, ctx.log, "demo", *OWNERS["demo"], who=self.who("demo-merchant"))
        action, fields = console_refund_form(demo, self.refund_order, ctx.order(self.refund_order)["paid_amount"])
        self._all_at_once(n, lambda i: demo.clone(self.who(f"refund{i}")).post(action, data=fields, follow=False))
        ask_for_refund(tea_shopper, self.after_sale_order, ctx.order(self.after_sale_order)["paid_amount"])
        request_id = ctx.scalar("SELECT a.id FROM after_sales a JOIN orders o ON o.id = a.order_id "
                                "WHERE o.number = :n", n=self.after_sale_order)
        tea = merchant(cluster, ctx.log, "tea", *OWNERS["tea"], who=self.who("tea-merchant"))
        token = {"csrf_token": tea.csrf("/console/after-sales"), "note": "chaos"}
        self._all_at_once(n, lambda i: tea.clone(self.who(f"approve{i}")).post(
            f"/console/after-sales/{request_id}/approve", data=token, follow=False))
        self.due = time.monotonic()

    @staticmethod
    def _all_at_once(n, post):
        barrier = threading.Barrier(n, timeout=60)

        def one(i):
            barrier.wait()
            try:
                return post(i).status_code
            except Exception:  # noqa: BLE001  (logged as "no answer")
                return None

        with ThreadPoolExecutor(n) as pool:
            return list(pool.map(one, range(n)))

    def check(self):
        ctx = self.ctx
        problems, fen = money_divergences(ctx, [self.refund_order, self.after_sale_order])
        counts = {}
        for number in (self.refund_order, self.after_sale_order):
            counts[number] = once(problems, f"refund of order {number}", ctx.scalar(
                "SELECT count(*) FROM refunds r JOIN orders o ON o.id = r.order_id WHERE o.number = :n", n=number))
        return problems, fen, {"refund": sum(counts.values())}


# Redis last: what its outage leaves behind (reset pooled connections) shows in its own row only.
SCENARIOS = (NoFault, RefundAnswerLate, WorkerKilled, ConcurrentRefunds, RedisUnreachable)


def _judge(scenario):
    """Check the scenario's end state now; True once it is right (what people saw during the
    fault stays on the record, but does not keep the harness waiting)."""
    problems, fen, events = scenario.check()
    scenario.outcome.problems, scenario.outcome.fen_compared, scenario.outcome.events = problems, fen, events
    right = not [p for p in problems if not p.startswith("during or right after the outage")]
    # Due once the last piece of work is due (an order's payment time may end after the fault).
    if scenario.mark("end state", right, due=scenario.last_due()):
        scenario.outcome.lateness = round(scenario.lateness(), 1)
        scenario.outcome.slowest = scenario.slowest()
    return right


def run_all(ctx, recovery_window, selected=None):
    """Inject every scenario's faults in turn while a poller checks the end state of those
    already injected, every second, until each is right or the window closes (counted from
    the last injection). Returns the ``Outcome`` of each."""
    scenarios = [cls(ctx) for cls in SCENARIOS if not selected or cls.key in selected]
    injected, waiting, stop = [], set(), threading.Event()
    lock = threading.Lock()
    window = {}

    def poll():
        while True:
            with lock:
                current = [s for s in injected if s in waiting]
            if current:
                ctx.settle_wechat_refunds()
            for scenario in current:
                try:
                    right = _judge(scenario)
                except Exception as error:  # noqa: BLE001  (say so in its row; keep polling the others)
                    scenario.outcome.problems = [f"the end-state check itself failed: {type(error).__name__}: {error}"]
                    right = False
                if right:
                    with lock:
                        waiting.discard(scenario)
            with lock:
                if stop.is_set() and (not waiting or time.monotonic() > window["deadline"]()):
                    return
            time.sleep(1)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    for scenario in scenarios:
        try:
            scenario.inject()
        except (ActionFailed, ClusterError, AssertionError) as error:
            scenario.setup_problems.append(f"could not set the scenario up: {error}")
        except Exception as error:  # noqa: BLE001  (report it, run the others)
            scenario.setup_problems.append(f"could not set the scenario up: {type(error).__name__}: {error}")
        if scenario.due is None:
            scenario.due = time.monotonic()
        if scenario.setup_problems:
            scenario.outcome.problems = list(scenario.setup_problems)
            continue
        with lock:
            injected.append(scenario)
            waiting.add(scenario)
    started = time.monotonic()
    # Wait for the latest item due plus the lateness allowed, within the window.
    window["deadline"] = lambda: min(started + recovery_window, max(
        [started + 60, *(s.last_due() + LATE_LIMIT + 10 for s in waiting)]))
    stop.set()
    poller.join()
    for scenario in scenarios:
        scenario.outcome.server_errors = scenario.errors_seen()
        if scenario in waiting:
            scenario.outcome.problems.append(f"still diverging {time.monotonic() - scenario.due:.0f}s after the fault ended")
    return [scenario.outcome for scenario in scenarios]
