"""What the printed documents hold, worked out once here so the templates only lay it out:
packing lists (发货单, one document each), a picking list (拣货单: the lines of several
packing lists added up per warehouse and SKU), and waybill labels (面单) with their barcode.

Receivers are given as stored: the console view masks them for the staff member's role.
This module sits with the waybills, above the orders (``tools/import_graph``).
"""
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field

from barcode import Code128
from barcode.writer import SVGWriter
from markupsafe import Markup
from sqlalchemy import select

from commerce.orders.models import Fulfillment, Order, OrderLine
from commerce.shipping.parcels import packing_progress
from commerce.shipping.waybill_models import Waybill
from core.extensions import db

MAX_DOCUMENTS = 200  # one print job; a bigger batch is printed in parts


@dataclass
class PackingItem:
    line: OrderLine
    quantity: int  # units to pack: what is left to send on an open list, else what the list held
    order_number: str


@dataclass
class PackingDocument:
    packing: Fulfillment
    receiver: Order  # the first order: every order on a list goes to the same address
    orders: list
    items: list
    units: int
    waybill: Waybill | None = None


@dataclass
class PickingRow:
    warehouse: str
    sku_id: int
    title: str
    sku_label: str
    quantity: int
    packing_ids: list = field(default_factory=list)


def parse_ids(text, limit=MAX_DOCUMENTS):
    """``"3,1,3"`` → ``[3, 1]``: whole numbers in the order given, repeats and junk dropped."""
    seen = []
    for part in (text or "").split(","):
        part = part.strip()
        if part.isdigit() and int(part) not in seen:
            seen.append(int(part))
    return seen[:limit]


def packing_documents(packing_ids):
    """The current store's packing lists among ``packing_ids``, in that order (others' ids find nothing)."""
    if not packing_ids:
        return []
    found = {packing.id: packing for packing in db.session.scalars(
        select(Fulfillment).where(Fulfillment.id.in_(packing_ids)))}
    packings = [found[packing_id] for packing_id in packing_ids if packing_id in found]
    items = [item for packing in packings for item in packing.lines]
    if not items:
        return []
    left, _shipped = packing_progress(items)
    lines = {line.id: line for line in db.session.scalars(
        select(OrderLine).where(OrderLine.id.in_({item.order_line_id for item in items})))}
    orders = {order.id: order for order in db.session.scalars(
        select(Order).where(Order.id.in_({item.order_id for item in items})))}
    waybills = {waybill.fulfillment_id: waybill for waybill in db.session.scalars(
        select(Waybill).where(Waybill.fulfillment_id.in_(found), Waybill.status != Waybill.CANCELLED))}
    documents = []
    for packing in packings:
        if not packing.lines:
            continue
        rows = [PackingItem(lines[item.order_line_id],
                            left[item.order_line_id] if packing.status == Fulfillment.OPEN else item.quantity,
                            orders[item.order_id].number) for item in packing.lines]
        its_orders = sorted({item.order_id for item in packing.lines})
        documents.append(PackingDocument(packing, orders[its_orders[0]], [orders[i] for i in its_orders], rows,
                                         sum(row.quantity for row in rows), waybills.get(packing.id)))
    return documents


def picking_rows(documents):
    """The lines of ``documents`` added up per warehouse and SKU, by warehouse then product."""
    rows = {}
    for document in documents:
        for item in document.items:
            if item.quantity <= 0:
                continue
            key = (document.packing.warehouse, item.line.sku_id)
            row = rows.get(key) or rows.setdefault(key, PickingRow(document.packing.warehouse, item.line.sku_id,
                                                                   item.line.title, item.line.sku_label, 0))
            row.quantity += item.quantity
            if document.packing.id not in row.packing_ids:
                row.packing_ids.append(document.packing.id)
    return sorted(rows.values(), key=lambda row: (row.warehouse, row.title, row.sku_label, row.sku_id))


def picking_totals(rows):
    """``{warehouse: units}`` and the grand total."""
    by_warehouse = defaultdict(int)
    for row in rows:
        by_warehouse[row.warehouse] += row.quantity
    return dict(by_warehouse), sum(by_warehouse.values())


def waybill_documents(waybill_ids):
    """``[(waybill, packing document)]`` for the current store's issued or used waybills among ``waybill_ids``."""
    if not waybill_ids:
        return []
    found = {waybill.id: waybill for waybill in db.session.scalars(select(Waybill).where(
        Waybill.id.in_(waybill_ids), Waybill.status.in_((Waybill.ISSUED, Waybill.USED))))}
    waybills = [found[waybill_id] for waybill_id in waybill_ids if waybill_id in found]
    documents = {document.packing.id: document
                 for document in packing_documents([waybill.fulfillment_id for waybill in waybills])}
    return [(waybill, documents[waybill.fulfillment_id]) for waybill in waybills
            if waybill.fulfillment_id in documents]


_STYLE_FILL = re.compile(r'style="fill:(\w+);?"')
_SIZE_MM = re.compile(r'width="([\d.]+)mm" height="([\d.]+)mm"')
PX_PER_MM = 96 / 25.4  # the rectangles are in mm; the viewBox is in CSS pixels, so the bars scale with the box


def barcode_svg(number):
    """A Code 128 barcode of ``number`` as inline SVG, bars 0.33 mm wide and 14 mm high (a
    scanner reads it off a 100 × 180 mm label), scaling with the box CSS gives it. Fill colours
    are attributes, not ``style``: the console's Content-Security-Policy allows no inline styles."""
    out = io.BytesIO()
    Code128(number, writer=SVGWriter()).write(out, options={
        "module_width": 0.33, "module_height": 14, "quiet_zone": 3, "write_text": False})
    svg = out.getvalue().decode("utf-8")
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<!--.*?-->", "", _STYLE_FILL.sub(r'fill="\1"', svg))
    width, height = (float(value) * PX_PER_MM for value in _SIZE_MM.search(svg).groups())
    head = Markup('<svg class="barcode" role="img" aria-label="%s" viewBox="0 0 %.2f %.2f" preserveAspectRatio="none" ')
    return Markup(svg.replace("<svg ", head % (number, width, height), 1))
