"""Named reads of a store's members for the console (the session scopes every select to the
current store, so another store's id finds nothing)."""
from sqlalchemy import select

from commerce.members.models import Member
from core.extensions import db
from core.pagination import Ordering, paginate

CONSOLE_MEMBERS = Ordering("console:members", Member.id.desc())  # newest first


def find_member(member_id):
    """The current store's member, or None."""
    return db.session.scalar(select(Member).where(Member.id == member_id))


def console_members(*, nickname="", cursor=None, per_page=50):
    """A ``core.pagination.Page`` of members, newest first, whose nickname contains
    ``nickname`` (literally: ``%`` and ``_`` are not wildcards), with the total count.

    :raise BadCursor: ``cursor`` is not from this list
    """
    statement = select(Member)
    if nickname:
        statement = statement.where(Member.nickname.contains(nickname, autoescape=True))
    return paginate(statement, CONSOLE_MEMBERS, per_page=per_page, cursor=cursor, with_total=True)
