"""Named reads of the current store's own rows for the console (the session scopes each select)."""
from sqlalchemy import select

from core.extensions import db
from tenants.models import Domain, MiniProgram


def store_domains():
    return db.session.scalars(select(Domain).order_by(Domain.id)).all()


def store_mini_programs():
    return db.session.scalars(select(MiniProgram).order_by(MiniProgram.id)).all()
