"""The data screens (数据) under /console/data: the conversion funnel, top products, new and
returning buyers against the repurchase target, searches that found nothing, the channel
table — each over a date range (``builder.forms.data.RangeForm``) with a CSV export of its
table — and the share-link builder that puts the channel into the links the merchant shares.

Every staff role may open them: the figures are aggregates read from the analytics roll-ups
(``commerce.analytics.queries``), and no shopper is named. A range that cannot be read is
answered with the screen and its message (422), never a 500.
"""
import csv
import io

from flask import Response, g, render_template, request
from flask_babel import gettext as _

from builder.blueprints import console_bp
from builder.forms.data import RangeForm, ShareLinkForm
from builder.share_links import share_link, share_targets
from builder.views.dashboard import store_urls
from commerce.analytics.channels import CHANNELS
from commerce.analytics.queries import (
    REPURCHASE_TARGET,
    buyer_mix,
    channel_table,
    empty_searches,
    funnel,
    top_products,
)
from core.clock import china_today
from core.database import reads_lag_tolerant

TOP_PRODUCTS = 20
EMPTY_SEARCHES = 50
RANKINGS = ("views", "cart_adds", "sales")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet runs such a cell as a formula


def channel_labels():
    """``{code: label}`` in ``CHANNELS``' order, in the words of the seed's channel table."""
    words = {"mp_article": _("Official Account article"), "miniprogram": _("Mini-program"), "group": _("Group chat"),
             "moments": _("WeChat Moments"), "direct": _("Direct visit")}
    return {code: words.get(code, str(label)) for code, label in CHANNELS.items()}


def step_labels():
    return {"visit": _("Store visit"), "product_view": _("Product view"), "cart": _("Add to cart"),
            "checkout": _("Checkout started"), "paid": _("Paid order")}


def ranking_labels():
    return {"views": _("By views"), "cart_adds": _("By cart adds"), "sales": _("By sales")}


def _range_form():
    return RangeForm(request.args, today=china_today(), channels=channel_labels())


def _percent(ratio):
    return "—" if ratio is None else f"{ratio * 100:.1f}%"


# --- the screens ------------------------------------------------------------------------

@reads_lag_tolerant  # every data screen: figures a second old are fine
def _screen(name, template, read, **context):
    """Load the range → read the figures → render; a refused range renders the screen with
    its message and nothing else (422)."""
    form = _range_form()
    if not form.validate():
        return render_template(template, screen=name, form=form, result=None, **context), 422
    return render_template(template, screen=name, form=form, result=read(form), **context)


@console_bp.route("/data/")
def data_funnel():
    return _screen("funnel", "builder/data/funnel.html", _funnel_result, channels=channel_labels())


@console_bp.route("/data/products")
def data_products():
    ranking = _ranking()
    return _screen("products", "builder/data/products.html", lambda form: _products_result(form, ranking),
                   ranking=ranking, rankings=ranking_labels())


@console_bp.route("/data/buyers")
def data_buyers():
    return _screen("buyers", "builder/data/buyers.html", _buyers_result)


@console_bp.route("/data/searches")
def data_searches():
    return _screen("searches", "builder/data/searches.html", _searches_result)


@console_bp.route("/data/channels")
def data_channels():
    return _screen("channels", "builder/data/channels.html", _channels_result)


@console_bp.route("/data/<any(funnel, products, buyers, searches, channels):table>.csv")
@reads_lag_tolerant
def data_export(table):
    """The screen's table as CSV (UTF-8 with a BOM, which Excel needs to read UTF-8)."""
    form = _range_form()
    if not form.validate():
        template = f"builder/data/{table}.html"
        return render_template(template, screen=table, form=form, result=None, channels=channel_labels(),
                               ranking=_ranking(), rankings=ranking_labels()), 422
    ranking = _ranking()
    reader = {"funnel": _funnel_result, "products": lambda f: _products_result(f, ranking),
              "buyers": _buyers_result, "searches": _searches_result, "channels": _channels_result}[table]
    result = reader(form)
    suffix = f"-{ranking}" if table == "products" else ""
    day_range = form.day_range
    filename = f"{table}{suffix}-{g.tenant.slug}-{day_range.start.isoformat()}-{day_range.end.isoformat()}.csv"
    return _csv_response([result["header"], *result["rows"]], filename)


def _ranking():
    by = request.args.get("by", "")
    return by if by in RANKINGS else RANKINGS[0]


def _csv_response(rows, filename):
    buffer = io.StringIO()
    buffer.write("\ufeff")
    csv.writer(buffer).writerows([[_cell(value) for value in row] for row in rows])
    return Response(buffer.getvalue().encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


def _cell(value):
    """Text a spreadsheet would run as a formula is kept as text (CSV injection): search words
    are typed by shoppers."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _plain_yuan(fen):
    return f"{fen // 100}.{fen % 100:02d}"


# --- what each screen shows (the table's header and rows, as shown and as exported) -----

def _funnel_result(form):
    day_range, channel = form.day_range, form.chosen_channel
    steps = funnel(day_range.start, day_range.end, channel=channel)
    labels = step_labels()
    shown = [{"step": step.step, "label": labels.get(step.step, step.label), "visitors": step.visitors, "rate": step.rate,
              "rate_label": _percent(step.rate),
              "drop_off_label": None if index == 0 else _percent(step.drop_off)}  # the first step has none
             for index, step in enumerate(steps)]
    return {
        "steps": shown,
        "overall_label": _percent(steps[-1].rate) if steps else "—",
        "chart": {"labels": [step["label"] for step in shown], "visitors": [step["visitors"] for step in shown],
                  "visitorsLabel": _("Visitors")},
        "header": [_("Step"), _("Visitors"), _("Share of visitors"), _("Drop-off from the step before")],
        "rows": [[step["label"], step["visitors"], step["rate_label"], step["drop_off_label"] or ""]
                 for step in shown],
    }


def _products_result(form, ranking):
    day_range = form.day_range
    rows = top_products(day_range.start, day_range.end, by=ranking, limit=TOP_PRODUCTS)
    return {
        "products": rows, "limit": TOP_PRODUCTS,
        "header": [_("Rank"), _("Product"), _("Views"), _("Cart adds"), _("Units sold"), _("Sales (¥)")],
        "rows": [[rank, row.title or _("A deleted product"), row.views, row.cart_adds, row.units_sold, _plain_yuan(row.sales)]
                 for rank, row in enumerate(rows, start=1)],
    }


def _buyers_result(form):
    day_range = form.day_range
    mix = buyer_mix(day_range.start, day_range.end)
    rate = mix.repurchase_rate if mix.buyers else None  # no buyers: no rate, rather than 0 %
    header = [_("New buyers"), _("Returning buyers"), _("Buyers"), _("Repurchase rate"), _("Repurchase target")]
    row = [mix.new_buyers, mix.returning_buyers, mix.buyers, _percent(rate), _percent(REPURCHASE_TARGET)]
    return {
        "pairs": list(zip(header, row, strict=True)), "mix": mix, "rate": _percent(rate), "target": _percent(REPURCHASE_TARGET),
        "target_met": None if rate is None else rate >= REPURCHASE_TARGET,
        "chart": {"labels": [_("New buyers"), _("Returning buyers")],
                  "values": [mix.new_buyers, mix.returning_buyers]},
        "header": header,
        "rows": [row],
    }


def _searches_result(form):
    day_range = form.day_range
    rows = empty_searches(day_range.start, day_range.end, limit=EMPTY_SEARCHES)
    return {
        "searches": rows,
        "header": [_("Search words"), _("Searches with no result")],
        "rows": [[row.words, row.searches] for row in rows],
    }


def _channels_result(form):
    day_range = form.day_range
    labels = channel_labels()
    rows = [{"code": row.channel, "label": labels.get(row.channel, row.label), "visitors": row.visitors, "paid_orders": row.paid_orders,
             "gmv": row.gmv, "conversion_label": _percent(row.conversion)}
            for row in channel_table(day_range.start, day_range.end)]
    return {
        "channels": rows,
        "chart": {"labels": [row["label"] for row in rows], "visitors": [row["visitors"] for row in rows],
                  "gmv": [row["gmv"] / 100 for row in rows], "visitorsLabel": _("Visitors"),
                  "gmvLabel": _("Paid amount (¥)")},
        "header": [_("Source channel"), _("Visitors"), _("Paid orders"), _("Paid amount (¥)"), _("Conversion")],
        "rows": [[row["label"], row["visitors"], row["paid_orders"], _plain_yuan(row["gmv"]),
                  row["conversion_label"]] for row in rows],
    }


# --- share links ------------------------------------------------------------------------

@console_bp.route("/data/links")
def data_links():
    """Pick a page of the store and a channel → its H5 link and mini-program path with
    ``utm_source``; nothing is written, so it is a GET form."""
    targets = share_targets()
    form = ShareLinkForm(request.args, targets=targets, channels=channel_labels())
    link = None
    status = 200
    if form.was_submitted():
        if form.validate():
            link = share_link(form.target.data, form.channel.data, storefront_url=store_urls(g.tenant)["storefront"])
        else:
            status = 422
    return render_template("builder/data/links.html", screen="links", form=form, targets=targets,
                           channels=channel_labels(), link=link), status

