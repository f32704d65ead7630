"""Stored value (储值), integer fen: topped up (with the store's bonus rules, "充100送10"),
spent at checkout, refunded back, corrected by staff. Every change is a ``BalanceEntry``
posted through ``commerce.members.ledger.post_entry``.

A top-up is paid with WeChat Pay like an order: ``start_top_up`` makes a pending ``TopUp``
whose number is the ``out_trade_no``; ``apply_top_up`` applies WeChat's confirmation once
(a conditional ``UPDATE … WHERE status = 'pending'``, then the ledger entry keyed by the
top-up). The WeChat side of a top-up is ``commerce.members.top_ups``; paying an order from
the balance is ``commerce.orders.payments.pay_with_balance``.
"""
import secrets

from flask_babel import gettext as _
from sqlalchemy import update

from commerce.members.ledger import member_settings, post_adjustment, post_entry
from commerce.members.models import BalanceEntry, TopUp
from core.errors import DomainError
from core.extensions import db
from core.models import utcnow

MAX_TOP_UP = 5_000_000  # fen: ¥50,000 in one go


def top_up_bonus(amount, rules):
    """The bonus for paying ``amount`` fen: the largest ``[threshold, bonus]`` rule reached."""
    reached = [bonus for threshold, bonus in rules if amount >= threshold]
    return max(reached, default=0)


def top_up_plans():
    """The store's top-up choices ("充100送10"), ``[(pay fen, bonus fen)]``, smallest first."""
    return sorted((pay, bonus) for pay, bonus in member_settings().top_up_bonuses)


def start_top_up(member, amount):
    """A pending top-up of ``amount`` fen with the store's bonus. Does not commit.

    :raise DomainError: the amount is not a whole number of fen from 1 to ``MAX_TOP_UP``
    """
    if not isinstance(amount, int) or not 0 < amount <= MAX_TOP_UP:
        raise DomainError(_("Choose an amount from ¥0.01 to ¥50,000."), field="amount")
    top_up = TopUp(number=_top_up_number(), member_id=member.id, amount=amount,
                   bonus=top_up_bonus(amount, member_settings().top_up_bonuses), status=TopUp.PENDING)
    db.session.add(top_up)
    db.session.flush()
    return top_up


def apply_top_up(top_up, transaction_id, *, paid_at=None):
    """WeChat confirmed the payment of ``top_up``: credit amount + bonus once. Returns True
    when this call applied it, False when it had been applied before. Does not commit."""
    changed = db.session.execute(
        update(TopUp).where(TopUp.id == top_up.id, TopUp.status == TopUp.PENDING)
        .values(status=TopUp.PAID, transaction_id=transaction_id, paid_at=paid_at or utcnow())
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(top_up)
    if not changed:
        return False
    post_entry(BalanceEntry, top_up.member_id, top_up.amount + top_up.bonus, BalanceEntry.TOP_UP,
               f"top_up:{top_up.id}", note=f"{top_up.amount}+{top_up.bonus}")
    return True


def spend_balance(member, amount, *, order_id, part=None):
    """Pay ``amount`` fen of order ``order_id`` (or of its ``part``, for an order paid in
    parts) from the balance, once per order or part. Returns the entry (None if it was paid
    from the balance before). Does not commit.

    :raise NotEnough: the balance is smaller
    """
    ref = f"pay:order:{order_id}" if part is None else f"pay:order:{order_id}:{part}"
    return post_entry(BalanceEntry, member.id, -amount, BalanceEntry.REDEEM, ref, order_id=order_id)


def refund_to_balance(member, amount, *, order_id, ref):
    """Give ``amount`` fen back to the balance for order ``order_id``; ``ref`` names the
    refund so each is credited once. Does not commit."""
    return post_entry(BalanceEntry, member.id, amount, BalanceEntry.REFUND, f"refund:{ref}", order_id=order_id)


def adjust_balance(member, delta, *, actor, note, ref):
    """Staff correction of ``delta`` fen (either sign), audited; see ``post_adjustment``."""
    return post_adjustment(BalanceEntry, member, delta, actor=actor, note=note, ref=ref)


def _top_up_number():
    """``T`` + time + 8 random digits: unguessable, valid as an out_trade_no."""
    return "T" + utcnow().strftime("%Y%m%d%H%M%S") + f"{secrets.randbelow(10**8):08d}"
