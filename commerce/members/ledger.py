"""Posting to a member's points or balance ledger, the one way either total changes.

``post_entry`` moves the cached total on the member row with a conditional UPDATE
(``points = points + :delta WHERE points + :delta >= 0``) and inserts the ledger entry in
the same savepoint. Concurrent spends of one total queue on the member's row lock and
each re-checks the condition, so a total never goes below zero; an entry whose
``source_ref`` was posted before (the same order, day or top-up) violates the unique key
and undoes its UPDATE, so nothing is credited twice.
"""
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from commerce.members.models import BalanceEntry, Member, MemberSettings, PointsEntry
from core.audit import record_audit
from core.errors import DomainError
from core.extensions import db


class NotEnough(DomainError):
    """The member has fewer points, or less stored value, than this would take."""

    status = 409


_TOTAL_OF = {PointsEntry: "points", BalanceEntry: "balance"}


def post_entry(entry_class, member_id, delta, reason, source_ref, *, order_id=None, actor_id=None, note=None):
    """Add ``delta`` to the member's points (``PointsEntry``) or balance (``BalanceEntry``)
    and record it. Returns the new entry, or None when ``source_ref`` was posted before.
    Does not commit.

    :raise NotEnough: the total would go below zero (nothing changed)
    """
    if delta == 0:
        raise ValueError("a ledger entry moves the total")
    if posted(entry_class, source_ref) is not None:  # a replay, told apart before "not enough"
        return None
    column = getattr(Member, _TOTAL_OF[entry_class])
    try:
        with db.session.begin_nested():
            new_total = db.session.execute(
                update(Member).where(Member.id == member_id, column + delta >= 0)
                .values({column: column + delta}).returning(column)
                .execution_options(synchronize_session=False)).scalar()
            if new_total is None:
                raise NotEnough(_not_enough_message(entry_class))
            entry = entry_class(member_id=member_id, delta=delta, balance_after=new_total, reason=reason,
                                source_ref=source_ref, order_id=order_id, actor_id=actor_id, note=note)
            db.session.add(entry)
            db.session.flush()
    except IntegrityError:
        return None
    member = db.session.identity_map.get(db.session.identity_key(Member, member_id))
    if member is not None:
        set_committed_value(member, _TOTAL_OF[entry_class], new_total)
    return entry


def post_adjustment(entry_class, member, delta, *, actor, note, ref):
    """A staff correction of ``delta`` (either sign), audited. ``note`` (the reason) is
    required; ``ref`` (the form's one-time token) makes a double submit count once.
    Returns the entry, or None for a double submit. Does not commit.

    :raise NotEnough: it would take more than the member has
    :raise ValueError: no reason, or a zero delta
    """
    if not (note or "").strip() or not delta:
        raise ValueError("an adjustment needs a reason and a non-zero amount")
    entry = post_entry(entry_class, member.id, delta, entry_class.ADJUST, f"adjust:{ref}",
                       actor_id=getattr(actor, "id", None), note=note.strip()[:200])
    if entry is not None:
        record_audit(f"member.{_TOTAL_OF[entry_class]}_adjusted", actor=actor, tenant_id=member.tenant_id,
                     target=member, details={"delta": delta, "note": entry.note, "after": entry.balance_after})
    return entry


def posted(entry_class, source_ref):
    """The entry posted for ``source_ref`` in this store, or None."""
    return db.session.scalar(select(entry_class).where(entry_class.source_ref == source_ref))


def recent_entries(entry_class, member_id, limit=20):
    return db.session.scalars(select(entry_class).where(entry_class.member_id == member_id)
                              .order_by(entry_class.id.desc()).limit(limit)).all()


def ledger_sum(entry_class, member_id):
    """What the ledger says the total is; equals the member's cached total."""
    return db.session.scalar(select(func.coalesce(func.sum(entry_class.delta), 0))
                             .where(entry_class.member_id == member_id))


def member_settings():
    """The current store's member rules: its saved row, or the defaults (not saved)."""
    saved = db.session.scalar(select(MemberSettings))
    if saved is not None:
        return saved
    defaults = {column.key: column.default.arg for column in MemberSettings.__table__.columns
                if column.default is not None and not callable(column.default.arg)}
    defaults["top_up_bonuses"] = []
    return MemberSettings(**defaults)


def _not_enough_message(entry_class):
    from flask_babel import gettext as _

    if entry_class is PointsEntry:
        return _("Not enough points.")
    return _("Not enough balance.")


def reason_labels():
    """What each ledger reason is called on screens."""
    from flask_babel import gettext as _

    return {PointsEntry.EARN_ORDER: _("Order paid"), PointsEntry.SIGN_IN: _("Daily sign-in"),
            PointsEntry.REDEEM: _("Spent"), PointsEntry.REFUND: _("Given back"), PointsEntry.EXPIRE: _("Expired"),
            PointsEntry.TOP_UP: _("Top-up"), PointsEntry.ADJUST: _("Adjusted by the store"),
            PointsEntry.COMMISSION: _("Distribution commission"), PointsEntry.INVITE: _("Invite reward"),
            PointsEntry.ACCOUNT_CLOSED: _("Account closed")}
