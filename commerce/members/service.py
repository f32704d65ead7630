"""Members joining a store. Levels, points, the wallet, addresses and WeChat sign-in have
their own modules beside this one."""
from commerce.members.models import Member
from core.extensions import db


def add_member(**fields):
    """A new member of the current store, flushed so it has its id (not committed)."""
    member = Member(**fields)
    db.session.add(member)
    db.session.flush()
    return member
