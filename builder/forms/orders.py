"""Forms of the order screens: the list's filters (a GET form), the export, and one order's
remark, parcel and refund forms. Parcel and refund forms carry one quantity input per order
line (``ship_<line id>``, ``restock_<line id>``), so they are made per order."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, StringField
from wtforms.validators import InputRequired, Optional

from commerce.orders.models import Order
from commerce.orders.queries import OrderFilters
from core.forms import ChinaDayField, WholeField, YuanField

MAX_LINE_QUANTITY = 9999  # a quantity typed per line; an order line never holds more
MAX_REFUND = 10**9  # fen; far above any order, so only the order's own limit ever refuses


def _strip(text):
    return text.strip() if isinstance(text, str) else text


class OrderFilterFields:
    """The list's status tab, search words and date range.

    Filters narrow a list and never refuse: a status or date that cannot be read is ignored.
    """

    status = StringField()  # a status outside Order.STATUSES shows every order
    q = StringField(filters=[_strip])
    date_from = ChinaDayField(name="from")
    date_to = ChinaDayField(name="to", last=True)

    def filters(self):
        return OrderFilters(status=self.status.data if self.status.data in Order.STATUSES else "",
                            query=(self.q.data or "")[:64], placed_from=self.date_from.data,
                            placed_before=self.date_to.data)

    def args(self, **changes):
        """The filters as query-string arguments (for tabs, pages and the export link)."""
        filters = self.filters()
        values = {"status": filters.status, "q": filters.query,
                  "from": self.date_from._value() if filters.placed_from else "",
                  "to": self.date_to._value() if filters.placed_before else "", **changes}
        return {name: value for name, value in values.items() if value}


class OrderFilterForm(OrderFilterFields, Form):
    """The filters as a GET form: ``OrderFilterForm(request.args)``."""


class ExportForm(OrderFilterFields, FlaskForm):
    """The audited export with full addresses: the list's filters, posted, and ``full``."""

    full = BooleanField()


class RemarkForm(FlaskForm):
    remark = StringField(filters=[_strip])  # its length is the verb's rule (set_merchant_remark)


class ShipForm(FlaskForm):
    """One parcel: a carrier, a tracking number and how many of each line go in it. The
    carrier and number are checked by ``ship_order`` (it knows the carriers)."""

    carrier = StringField(default="")
    tracking_number = StringField(default="")

    @classmethod
    def for_order(cls, order, **kwargs):
        fields = {f"ship_{line.id}": WholeField(validators=[Optional()], minimum=0, maximum=MAX_LINE_QUANTITY)
                  for line in order.lines}
        return type("OrderShipForm", (cls,), fields)(**kwargs)

    def contents(self, order):
        """``[(order line id, quantity)]`` of the lines typed with more than 0."""
        quantities = ((line.id, self[f"ship_{line.id}"].data) for line in order.lines)
        return [(line_id, quantity) for line_id, quantity in quantities if quantity]


class RefundForm(FlaskForm):
    amount = YuanField(validators=[InputRequired(message=_l("Enter an amount in yuan, e.g. 12.50."))],
                       minimum=0, maximum=MAX_REFUND)
    reason = StringField(default="")

    @classmethod
    def for_order(cls, order, **kwargs):
        fields = {f"restock_{line.id}": WholeField(validators=[Optional()], minimum=0, maximum=MAX_LINE_QUANTITY)
                  for line in order.lines}
        return type("OrderRefundForm", (cls,), fields)(**kwargs)

    def restock(self, order):
        """``{order line id: units back to stock}``, or None when nothing comes back."""
        quantities = {line.id: self[f"restock_{line.id}"].data for line in order.lines}
        return {line_id: quantity for line_id, quantity in quantities.items() if quantity} or None


class PackingShipForm(FlaskForm):
    """A packing list sent in one parcel; ``ship_fulfillment`` checks the carrier and number."""

    carrier = StringField(default="")
    tracking_number = StringField(default="")


class AfterSaleDecisionForm(FlaskForm):
    """The note to the shopper; a rejection needs one (``reject_after_sale`` says so)."""

    note = StringField(filters=[_strip])
