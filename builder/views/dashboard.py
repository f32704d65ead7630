"""The console's first screen, 概况: today's and yesterday's figures with the change between
them, the 待办 counts linking to the lists that hold them, a 30-day chart, then the store's
addresses, plan and next steps. ``/console/overview.json`` answers the same figures for
``builder/static/overview.js``, which refreshes them in place every minute.

The figures are read from the analytics roll-ups only (``commerce.analytics.queries``);
every staff role sees them (they are aggregates, no shopper is named)."""
from datetime import timedelta
from pathlib import Path

from flask import current_app, g, jsonify, redirect, render_template, request, send_from_directory, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from billing.queries import store_subscription, unpaid_invoice_count
from builder.blueprints import console_bp
from commerce.aftersales.queries import waiting_count
from commerce.analytics.queries import daily_series, day_figures
from commerce.inventory.planning import low_stock_count
from commerce.orders.models import Order
from commerce.orders.queries import count_orders
from commerce.support.queries import waiting_tickets
from core.clock import china_today
from core.database import reads_lag_tolerant
from core.money import format_money
from tenants.queries import READY, provisioning_state

CHART_DAYS = 30


def store_urls(tenant):
    scheme = current_app.config["PREFERRED_URL_SCHEME"]
    return {
        "storefront": f"{scheme}://{tenant.slug}.{current_app.config['PLATFORM_DOMAIN']}/",
        "api": f"{scheme}://{current_app.config['PLATFORM_DOMAIN']}/api/v1/",
    }


@console_bp.route("/setting-up")
def setting_up():
    """The page after sign-up: progress until the store is provisioned, then the dashboard;
    says so when provisioning failed, and what happens next."""
    state = provisioning_state(g.tenant)
    if state == READY:
        return redirect(url_for("console.dashboard", welcome=1))
    return render_template("builder/setting_up.html", state=state)


@console_bp.route("/setting-up/status")
def setting_up_status():
    """What the set-up page polls: ``{"state": "setting_up" | "ready" | "failed", "next": url}``."""
    state = provisioning_state(g.tenant)
    response = jsonify(state=state, next=url_for("console.dashboard", welcome=1) if state == READY else None)
    response.headers["Cache-Control"] = "no-store"
    return response


@console_bp.route("/")
@reads_lag_tolerant  # figures a second old are fine; replica when there is one
def dashboard():
    subscription = store_subscription()
    return render_template("builder/dashboard.html", urls=store_urls(g.tenant), subscription=subscription,
                           overview=overview(china_today()), welcome=request.args.get("welcome") == "1")


@console_bp.route("/overview.json")
@reads_lag_tolerant
def dashboard_figures():
    """The 概况's figures, to-dos and chart as JSON (what ``overview.js`` polls)."""
    response = jsonify(overview(china_today()))
    response.headers["Cache-Control"] = "no-store"
    return response


@console_bp.route("/vendor/chart.js")
def chart_js():
    """Chart.js as ``make assets`` installed it from npm (never committed), as the platform
    console serves it (``billing.views.chart_js``)."""
    return send_from_directory(Path(current_app.root_path) / "node_modules" / "chart.js" / "dist", "chart.umd.min.js",
                               max_age=3600)


# --- the figures ------------------------------------------------------------------------

def overview(today):
    """``{"day", "cards", "todos", "chart"}``: everything the 概况 shows that changes, ready to
    show (amounts formatted, changes worked out), for the page and the JSON alike."""
    now, before = day_figures(today), day_figures(today - timedelta(days=1))
    cards = [_card("gmv", _("Paid amount"), now.gmv, before.gmv, format_money),
             _card("paid_orders", _("Paid orders"), now.paid_orders, before.paid_orders, str),
             _card("average_order_value", _("Average order value"), now.average_order_value,
                   before.average_order_value, format_money),
             _card("visitors", _("Visitors"), now.visitors, before.visitors, str),
             _card("conversion", _("Conversion"), now.conversion, before.conversion, format_percent)]
    series = daily_series(today - timedelta(days=CHART_DAYS - 1), today)
    return {
        "day": today.isoformat(),
        "cards": cards,
        "todos": todos(),
        "chart": {"labels": [format_date(figures.day, "MM-dd") for figures in series],
                  "gmv": [figures.gmv / 100 for figures in series],
                  "orders": [figures.paid_orders for figures in series],
                  "gmvLabel": _("Paid amount (¥)"), "ordersLabel": _("Paid orders")},
    }


def _card(key, label, today, yesterday, show):
    return {"key": key, "label": label, "value": show(today), "yesterday": show(yesterday),
            **change_between(today, yesterday)}


def change_between(today, yesterday):
    """``{"change": "+12.5%" | "-3.0%" | "—", "trend": "up" | "down" | "flat"}``: today against
    yesterday (no change can be told from nothing yesterday)."""
    if today == yesterday:
        return {"change": "0%" if yesterday else "—", "trend": "flat"}
    if not yesterday:
        return {"change": "—", "trend": "up" if today > 0 else "flat"}
    percent = (today - yesterday) * 100 / yesterday
    return {"change": f"{percent:+.1f}%", "trend": "up" if percent > 0 else "down"}


def format_percent(ratio):
    return f"{ratio * 100:.1f}%"


def todos():
    """The 待办: what waits for the merchant, each counted and linked to the list showing exactly it."""
    return [
        {"key": "to_ship", "label": _("Orders to ship"), "count": count_orders(Order.PAID),
         "url": url_for("console.orders_list", status=Order.PAID)},
        {"key": "after_sales", "label": _("After-sales to handle"), "count": waiting_count(),
         "url": url_for("console.after_sales_list")},
        {"key": "support_waiting", "label": _("Customers waiting for a reply"), "count": waiting_tickets(),
         "url": url_for("console.support_inbox")},
        {"key": "low_stock", "label": _("Low stock"), "count": low_stock_count(),  # at or below safety stock
         "url": url_for("console.inventory_levels", show="low")},
        {"key": "refunding", "label": _("Refunds in progress"), "count": count_orders(Order.REFUNDING),
         "url": url_for("console.orders_list", status=Order.REFUNDING)},
        {"key": "unpaid_invoices", "label": _("Unpaid invoices"), "count": unpaid_invoice_count(),
         "url": url_for("console.billing", invoices="unpaid", _anchor="invoices")},
    ]
