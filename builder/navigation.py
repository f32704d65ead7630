"""The console's navigation: sections grouped as Youzan's and Weimob's consoles group them
(订单, 商品, 客户, 营销 …). The top row holds the groups; the group being worked in shows its
sections in a second row. Twenty sections in one row no longer fit a screen.

A section is current when the request's path starts with its address (the longest match
wins, so /console/data/rfm marks 数据 and not 概况 at /console/); ``also`` lists further
path prefixes that belong to a section (the print views belong to 发货单).
"""
from dataclasses import dataclass, field

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from builder.blueprints import console_bp


@dataclass(frozen=True)
class Section:
    endpoint: str
    label: object
    also: tuple = ()
    badge: str | None = None  # a count the layout shows beside the link ("support": 客服 reminders)


@dataclass(frozen=True)
class Group:
    label: object
    sections: tuple = field(default_factory=tuple)


GROUPS = (
    Group(_l("Dashboard"), (Section("console.dashboard", _l("Dashboard")),)),
    Group(_l("Orders"), (
        Section("console.orders_list", _l("Orders")),
        Section("console.packing_lists", _l("Packing"), also=("/console/print/",)),
        Section("console.waybills_list", _l("Waybills")),
        Section("console.after_sales_list", _l("After-sales")),
    )),
    Group(_l("Products"), (
        Section("console.products_list", _l("Products")),
        Section("console.media_library", _l("Image library")),
        Section("console.shipping_list", _l("Shipping")),
        Section("console.inventory_levels", _l("Inventory")),
    )),
    Group(_l("Customers"), (
        Section("console.members_list", _l("Members")),
        Section("console.support_inbox", _l("Customer service"), also=("/console/support",), badge="support"),
    )),
    Group(_l("Marketing"), (Section("console.marketing", _l("Marketing")),)),
    Group(_l("Data"), (Section("console.data_funnel", _l("Data")),)),
    Group(_l("Store"), (
        Section("console.pages_list", _l("Pages")),
        Section("console.design", _l("Design")),
    )),
    Group(_l("Sales channels"), (
        Section("console.publishing", _l("Mini-program"), also=("/console/mini-program/",)),
        Section("console.official_account", _l("Official account")),
    )),
    Group(_l("Settings"), (
        Section("console.store_settings", _l("Settings")),
        Section("console.staff_list", _l("Team")),
        Section("console.billing", _l("Billing")),
    )),
)


@dataclass(frozen=True)
class Link:
    label: object
    href: str
    current: bool
    badge: str | None = None


def console_navigation(path):
    """``(groups, sections)``: the top row's links and the current group's section links
    (empty when the group has one section, or nothing is current)."""
    hrefs = {section: url_for(section.endpoint) for group in GROUPS for section in group.sections}
    current = _current_section(path, hrefs)
    groups, sections = [], []
    for group in GROUPS:
        holds = current in group.sections
        badge = next((section.badge for section in group.sections if section.badge), None)
        groups.append(Link(group.label, hrefs[group.sections[0]], holds, badge))
        if holds and len(group.sections) > 1:
            sections = [Link(section.label, hrefs[section], section is current, section.badge)
                        for section in group.sections]
    return groups, sections


def _current_section(path, hrefs):
    best, length = None, 0
    for section, href in hrefs.items():
        for prefix in (href, *section.also):
            # 概况's address is the console's root: only that page itself is 概况.
            matches = path == prefix if prefix == url_for("console.dashboard") else path.startswith(prefix)
            if matches and len(prefix) > length:
                best, length = section, len(prefix)
    return best


@console_bp.context_processor
def _navigation():
    if not current_user.is_authenticated:
        return {}
    groups, sections = console_navigation(request.path)
    return {"console_groups": groups, "console_sections": sections}
