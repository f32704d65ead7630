"""The app of the worker process that test_outbox kills: the real app plus one subscriber,
slow by ``SLOW_SECONDS`` (set in that worker's environment only) so it dies mid-way."""
import os
import time

from commerce.catalog.models import Category
from core.extensions import db
from core.outbox import subscriber
from duoshop.app import create_app

SLOW_WRITE = "test.slow_write"


@subscriber(SLOW_WRITE)
def write_slowly(event):
    db.session.add(Category(name=event.payload["name"]))
    db.session.flush()
    time.sleep(float(os.environ.get("SLOW_SECONDS", "0")))


def make_app():
    return create_app("test")
