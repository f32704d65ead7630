"""One verb's transaction for handlers whose refusals the error handler answers (JSON
endpoints): ``with committed(): verb(...)`` commits, or rolls back and lets the error
through. HTML views that show a refusal on the page use ``core.refusals.Attempt``."""
from contextlib import contextmanager

from core.extensions import db


@contextmanager
def committed(session=None):
    session = session or db.session
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    session.commit()
