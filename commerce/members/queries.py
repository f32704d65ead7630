"""Named reads of a store's members for the console (the session scopes every select to the
current store, so another store's id finds nothing)."""
from sqlalchemy import select

from commerce.members.models import Address, Member
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


def member_addresses(member_id):
    """The member's addresses, the default first, then the newest."""
    return db.session.scalars(select(Address).where(Address.member_id == member_id)
                              .order_by(Address.is_default.desc(), Address.id.desc())).all()


def member_address(member_id, address_id):
    """One of the member's addresses, or None (another member's, another store's, none)."""
    return db.session.scalar(select(Address).where(Address.id == address_id, Address.member_id == member_id))
