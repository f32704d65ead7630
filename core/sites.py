"""The one URL both sites share: ``/`` is the platform's landing page on the platform host
and the store's home page on a store host. Each site registers its own view."""
from flask import g

_home_views = {}


def home_view(site):
    def register(view):
        _home_views[site] = view
        return view

    return register


def _home():
    return _home_views[g.site]()


def register_home(app):
    app.add_url_rule("/", "home", _home)
