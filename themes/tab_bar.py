"""The storefront's bottom tab bar (底部导航): on or off, which tabs in which order, and
their labels. Kept per store beside the theme's settings (``StoreTheme.settings["tab_bar"]``)
so saving it bumps the theme's version and every cached page shows it at once; switching
theme keeps it. A store that never chose shows it with 首页 / 分类 / 购物车 / 我的."""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel import pgettext

from core.audit import record_audit
from core.errors import DomainError
from core.extensions import db
from themes.fields import N_
from themes.pages import store_theme

TABS = {"home": N_("Home"), "categories": N_("Categories"), "cart": N_("Cart"), "me": N_("Me")}
STORED_KEY = "tab_bar"  # one of themes.pages.STORE_WIDE_SETTINGS: kept when the theme changes
LABEL_LENGTH = 6
MIN_TABS = 2


def tab_name(key):
    """A tab's default label in the shopper's language (首页 / 分类 / 购物车 / 我的)."""
    return pgettext("tab bar", TABS[key])


class TabBarRefused(DomainError):
    status = 422


@dataclass(frozen=True)
class Tab:
    key: str  # one of TABS
    label: str  # the merchant's own words, or "" for the translated default

    @property
    def shown_label(self):
        return self.label or tab_name(self.key)


@dataclass(frozen=True)
class TabBar:
    enabled: bool
    tabs: tuple  # of Tab, in order; only the shown ones

    def label_of(self, key):
        return next((tab.label for tab in self.tabs if tab.key == key), "")


DEFAULT = TabBar(enabled=True, tabs=tuple(Tab(key, "") for key in TABS))


def _checked(enabled, tabs):
    """:raise TabBarRefused: an unknown or repeated tab, a label too long, too few tabs"""
    seen, clean = set(), []
    for key, label in tabs:
        label = (label or "").strip()
        if key not in TABS or key in seen:
            raise TabBarRefused(_l("Unknown or repeated tab."), field="tabs")
        if len(label) > LABEL_LENGTH:
            raise TabBarRefused(_l("A tab's label can have at most %(n)d characters.", n=LABEL_LENGTH), field="tabs")
        seen.add(key)
        clean.append(Tab(key, label))
    if enabled and len(clean) < MIN_TABS:
        raise TabBarRefused(_l("Show at least %(n)d tabs, or turn the tab bar off.", n=MIN_TABS), field="tabs")
    return TabBar(enabled=bool(enabled), tabs=tuple(clean))


def store_tab_bar(row=None):
    """The store's tab bar; the default when it never chose or what is stored is unusable."""
    stored = ((row or store_theme()).settings or {}).get(STORED_KEY)
    if not isinstance(stored, dict):
        return DEFAULT
    try:
        return _checked(stored.get("enabled", True),
                        [(tab.get("key"), tab.get("label", "")) for tab in stored.get("tabs", [])])
    except (TabBarRefused, AttributeError, TypeError):
        return DEFAULT


def save_tab_bar(*, actor, enabled, tabs):
    """Keep the store's tab bar: ``tabs`` is ``[(key, label), …]`` in order, the shown ones.

    :raise TabBarRefused: see ``_checked``; nothing is written
    """
    bar = _checked(enabled, tabs)
    row = store_theme()
    row.settings = {**(row.settings or {}), STORED_KEY: {
        "enabled": bar.enabled, "tabs": [{"key": tab.key, "label": tab.label} for tab in bar.tabs]}}
    row.version += 1
    record_audit("tab_bar.changed", actor=actor, target=row,
                 details={"enabled": bar.enabled, "tabs": [tab.key for tab in bar.tabs]})
    db.session.flush()
    return bar
