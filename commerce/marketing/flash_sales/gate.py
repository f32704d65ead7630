"""The flash-sale gate: an atomic counter of campaign units per store and SKU that turns the
sold-out away before any database work.

A checkout for a SKU on a flash sale first takes its units from the counter (one Redis
script: take when enough are left, never below zero). Only as many buyers as there are units
get past it to ``place_order``, whose conditional UPDATE stays the final word; the rest get
``FlashSaleSoldOut`` at the cost of one round trip. Units taken go back when the order's
transaction rolls back, or when the request ends without one (``flash_gate``); a cancelled
order's units go back once the cancellation is committed (``service.release_flash_units``).

The database is the source of truth, and the counter is rebuilt from it:
- lost (Redis flushed or restarted, the key evicted or expired): the next buyer sets it again
  from the live sale item's stock, in one query (``SET`` only if absent, so one of many wins);
- stale high (the database refused units the counter let through): dropped after that
  transaction, so the next buyer rebuilds it;
- stale low (says sold out while the database has units, e.g. a give-back lost while Redis
  was away): a sold-out verdict is trusted for ``RECHECK_SECONDS``; then one buyer (the script
  hands the re-check to exactly one) reads the stock and sets the counter to it.
Rebuilding can only let too many through to the database, never turn a buyer away wrongly
for longer than the re-check interval.

Keys start with the tenant id (``t{id}:flash-gate:sku:{sku}``): another store's SKU of the
same id has its own counter. Redis away: every buyer passes to the database path. No Redis
at all (``make run``, SQLite tests): the same logic in process, under a lock.
"""
import math
import threading
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from commerce.marketing.flash_sales.errors import FlashSaleSoldOut
from commerce.marketing.flash_sales.models import FlashSale
from commerce.marketing.flash_sales.queries import live_item_for_sku
from core.breaker import Unavailable
from core.cache import RedisCache
from core.database import savepoint_only
from core.extensions import db
from core.models import utcnow

RECHECK_SECONDS = 2.0  # how long a sold-out verdict is trusted before one buyer checks the database
NO_SALE_SECONDS = 5  # how long "no sale on this SKU" is remembered (it only sends buyers to the database)

UNKNOWN, NO_SALE, TAKEN, RECHECK, SOLD_OUT = range(5)

_TAKEN = "duoshop_flash_gate_taken"  # session.info: [Taken] to give back if the transaction rolls back
_FORGET = "duoshop_flash_gate_forget"  # session.info: counters to drop once the transaction ends
_GIVE_AFTER_COMMIT = "duoshop_flash_gate_give_after_commit"  # session.info: [Taken] a cancellation gives back

# KEYS[1]: the SKU's counter (a hash: item, units, checked). ARGV: quantity, now, re-check
# interval, 1 to only look. Returns {verdict, item id}.
TAKE = """
local item = redis.call('HGET', KEYS[1], 'item')
if not item then return {0, 0} end
if item == '0' then return {1, 0} end
local q = tonumber(ARGV[1])
if tonumber(redis.call('HGET', KEYS[1], 'units')) >= q then
  if ARGV[4] ~= '1' then redis.call('HINCRBY', KEYS[1], 'units', -q) end
  return {2, tonumber(item)}
end
if tonumber(ARGV[2]) - tonumber(redis.call('HGET', KEYS[1], 'checked') or '0') >= tonumber(ARGV[3]) then
  redis.call('HSET', KEYS[1], 'checked', ARGV[2])
  return {3, tonumber(item)}
end
return {4, tonumber(item)}
"""
# Set the counter only if there is none. ARGV: item id (0: no sale), units, now, ttl seconds.
BUILD = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'item', ARGV[1], 'units', ARGV[2], 'checked', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""
# Add units to the counter if it still counts that item. ARGV: item id, units, 1 to set instead.
GIVE = """
if redis.call('HGET', KEYS[1], 'item') ~= ARGV[1] then return 0 end
if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'units', ARGV[2]) else
  redis.call('HINCRBY', KEYS[1], 'units', ARGV[2]) end
return 1
"""


@dataclass(frozen=True)
class Taken:
    tenant_id: int
    sku_id: int
    item_id: int
    quantity: int


def gate_key(sku_id):
    return f"flash-gate:sku:{sku_id}"


def gate_on():
    return bool(current_app.config["FLASH_SALE_GATE"])


# --- the verbs ------------------------------------------------------------------------------

@contextmanager
def flash_gate(tenant_id, wanted):
    """Around one checkout of ``wanted`` (``[(sku_id, quantity)]``): take the units of every
    SKU on a flash sale first; units not consumed by a committed order go back at the end.

    :raise FlashSaleSoldOut: a SKU's flash units are gone (nothing was taken, nothing written)
    """
    session = db.session()
    mine = []
    try:
        for sku_id, quantity in sorted(wanted):
            taken = take_units(tenant_id, sku_id, quantity)
            if taken is not None:
                mine.append(taken)
        yield
    finally:
        pending = session.info.get(_TAKEN, [])
        for taken in mine:
            if taken in pending:  # neither committed nor rolled back (a refusal before any transaction)
                pending.remove(taken)
                _give(taken.tenant_id, taken.sku_id, taken.item_id, taken.quantity)


def take_units(tenant_id, sku_id, quantity):
    """Take ``quantity`` flash units of the SKU from its counter for this session's transaction;
    the ``Taken`` (None: no sale on the SKU, the gate off, or the counter unreachable: the
    database decides alone).

    :raise FlashSaleSoldOut: the units are gone
    """
    if not gate_on():
        return None
    verdict, item_id = _run(tenant_id, sku_id, quantity)
    if verdict == UNKNOWN:
        _build(tenant_id, sku_id)
        verdict, item_id = _run(tenant_id, sku_id, quantity)
    if verdict == RECHECK and _rebuilt(tenant_id, sku_id, item_id, quantity):
        verdict, item_id = _run(tenant_id, sku_id, quantity)
    if verdict in (RECHECK, SOLD_OUT):
        raise FlashSaleSoldOut()
    if verdict != TAKEN:
        return None
    taken = Taken(tenant_id, sku_id, item_id, quantity)
    db.session().info.setdefault(_TAKEN, []).append(taken)
    return taken


def check_not_sold_out(tenant_id, sku_id, quantity=1):
    """Look without taking (the H5 "buy now"): :raise FlashSaleSoldOut: the units are gone"""
    if not gate_on():
        return
    verdict, item_id = _run(tenant_id, sku_id, quantity, look=True)
    if verdict == RECHECK and _rebuilt(tenant_id, sku_id, item_id, quantity):
        return
    if verdict in (RECHECK, SOLD_OUT):
        raise FlashSaleSoldOut()


def taken_here(item):
    """True when this transaction already took ``item``'s units at the gate; a counter that
    named another item for the SKU is stale and is dropped once the transaction ends."""
    for taken in db.session().info.get(_TAKEN, []):
        if taken.tenant_id == item.tenant_id and taken.sku_id == item.sku_id:
            if taken.item_id != item.id:
                forget_after_transaction(item.tenant_id, item.sku_id)
            return True
    return False


def forget_after_transaction(tenant_id, sku_id):
    """The counter disagrees with the database (it let through units that are not there, or
    the sale changed): drop it when this transaction ends, the next buyer rebuilds it."""
    db.session().info.setdefault(_FORGET, set()).add((tenant_id, sku_id))


def give_back_after_commit(tenant_id, sku_id, item_id, quantity):
    """A cancelled order's units, once the cancellation is committed."""
    db.session().info.setdefault(_GIVE_AFTER_COMMIT, []).append(Taken(tenant_id, sku_id, item_id, quantity))


def forget(tenant_id, sku_id):
    """Drop the SKU's counter now (tests; the console after a sale changes)."""
    with suppress(Unavailable):
        _backend().forget(_full_key(tenant_id, sku_id))


# --- the transaction's end -----------------------------------------------------------------

@event.listens_for(Session, "after_commit")
def _after_commit(session):
    if savepoint_only(session):
        return
    session.info.pop(_TAKEN, None)  # the order holds them now
    for taken in session.info.pop(_GIVE_AFTER_COMMIT, []):
        _give(taken.tenant_id, taken.sku_id, taken.item_id, taken.quantity)
    for tenant_id, sku_id in session.info.pop(_FORGET, ()):
        forget(tenant_id, sku_id)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session, previous_transaction):
    if previous_transaction.nested:
        return  # a savepoint: the order's transaction goes on
    session.info.pop(_GIVE_AFTER_COMMIT, None)
    for taken in session.info.pop(_TAKEN, []):
        _give(taken.tenant_id, taken.sku_id, taken.item_id, taken.quantity)
    for tenant_id, sku_id in session.info.pop(_FORGET, ()):
        forget(tenant_id, sku_id)


# --- the counter ---------------------------------------------------------------------------

def _full_key(tenant_id, sku_id):
    if not isinstance(tenant_id, int):
        raise TypeError("gate keys start with a tenant id")
    return f"t{tenant_id}:{gate_key(sku_id)}"


def _run(tenant_id, sku_id, quantity, look=False):
    try:
        return _backend().take(_full_key(tenant_id, sku_id), quantity, time.time(), RECHECK_SECONDS, look)
    except Unavailable:
        return NO_SALE, 0


def _build(tenant_id, sku_id):
    """Set the SKU's counter from the database: the live item's units left, or "no sale"."""
    item = live_item_for_sku(sku_id)
    if item is None:
        item_id, units, ttl = 0, 0, NO_SALE_SECONDS
    else:
        ends_at = db.session.scalar(select(FlashSale.ends_at).where(FlashSale.id == item.flash_sale_id))
        item_id, units, ttl = item.id, item.stock, max(1, math.ceil((ends_at - utcnow()).total_seconds()))
    with suppress(Unavailable):
        _backend().build(_full_key(tenant_id, sku_id), item_id, units, time.time(), ttl)


def _rebuilt(tenant_id, sku_id, item_id, quantity):
    """The re-check of a sold-out verdict: True when the database disagrees (units left, another
    sale on the SKU, or none at all) and the counter was set again from it."""
    item = live_item_for_sku(sku_id)
    if item is not None and item.id == item_id:
        if item.stock < quantity:
            return False
        _give(tenant_id, sku_id, item_id, item.stock, replace=True)
        return True
    forget(tenant_id, sku_id)
    _build(tenant_id, sku_id)
    return True


def _give(tenant_id, sku_id, item_id, units, replace=False):
    with suppress(Unavailable):  # lost: a stale-low counter, which the re-check puts right
        _backend().give(_full_key(tenant_id, sku_id), item_id, units, replace)


def _backend():
    cache = current_app.extensions["duoshop_cache"]
    gate = current_app.extensions.get("duoshop_flash_gate")
    if gate is None or gate.cache is not cache:
        gate = RedisGate(cache) if isinstance(cache, RedisCache) else MemoryGate(cache)
        current_app.extensions["duoshop_flash_gate"] = gate
    return gate


class RedisGate:
    """The counter in Redis, each step one script, through the cache's circuit breaker."""

    def __init__(self, cache):
        self.cache = cache
        self._take = cache.redis.register_script(TAKE)
        self._build = cache.redis.register_script(BUILD)
        self._give = cache.redis.register_script(GIVE)

    def take(self, key, quantity, now, recheck, look):
        verdict, item_id = self.cache.breaker.call(
            self._take, keys=[self.cache.prefix + key], args=[quantity, f"{now:.3f}", recheck, "1" if look else "0"])
        return int(verdict), int(item_id)

    def build(self, key, item_id, units, now, ttl):
        self.cache.breaker.call(self._build, keys=[self.cache.prefix + key], args=[item_id, units, f"{now:.3f}", ttl])

    def give(self, key, item_id, units, replace):
        self.cache.breaker.call(self._give, keys=[self.cache.prefix + key], args=[item_id, units, "1" if replace else "0"])

    def forget(self, key):
        self.cache.breaker.call(self.cache.redis.delete, self.cache.prefix + key)


class MemoryGate:
    """The same counter in this process, kept in the in-process cache (cleared with it)."""

    def __init__(self, cache):
        self.cache = cache
        self._lock = threading.Lock()

    def take(self, key, quantity, now, recheck, look):
        with self._lock:
            entry = self._entry(key, now)
            if entry is None:
                return UNKNOWN, 0
            if entry["item"] == 0:
                return NO_SALE, 0
            if entry["units"] >= quantity:
                if not look:
                    entry["units"] -= quantity
                return TAKEN, entry["item"]
            if now - entry["checked"] >= recheck:
                entry["checked"] = now
                return RECHECK, entry["item"]
            return SOLD_OUT, entry["item"]

    def build(self, key, item_id, units, now, ttl):
        with self._lock:
            if self._entry(key, now) is None:
                self.cache.set(key, {"item": item_id, "units": units, "checked": now, "expires": now + ttl}, ttl)

    def give(self, key, item_id, units, replace):
        with self._lock:
            entry = self._entry(key, time.time())
            if entry is not None and entry["item"] == item_id:
                entry["units"] = units if replace else entry["units"] + units

    def forget(self, key):
        with self._lock:
            self.cache.set(key, None, 0)

    def _entry(self, key, now):
        entry = self.cache.get(key)
        return entry if entry is not None and entry["expires"] > now else None
