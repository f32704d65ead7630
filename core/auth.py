"""Flask-Login wiring shared by the two kinds of accounts (store staff, platform admins).

An account's id is ``kind:...``; each package registers the loader for its own kind, so
core never imports business models.
"""
from core.extensions import login_manager

_loaders = {}


def register_user_loader(kind, loader):
    """``loader(rest_of_id)`` returns the account or None."""
    _loaders[kind] = loader


@login_manager.user_loader
def _load_user(user_id):
    kind, _, rest = (user_id or "").partition(":")
    loader = _loaders.get(kind)
    return loader(rest) if loader else None
