"""Inventory forms: receiving a batch, the store's safety-stock settings, one SKU's plan.

Quantities and days are whole numbers (``WholeField``); dates are China days (``DateField``,
an ``<input type=date>``). Ranges are the verbs' rules (``commerce.inventory``); the forms
only read what was typed.
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields import DateField
from wtforms.validators import Optional

from commerce.inventory.batches import MAX_BATCH_NUMBER, MAX_SUPPLIER
from core.forms import WholeField


class BatchReceiveForm(FlaskForm):
    sku_id = SelectField(_l("Product and option"), coerce=int, validate_choice=True)
    batch_number = StringField(_l("Batch number"), render_kw={"maxlength": MAX_BATCH_NUMBER, "autocomplete": "off"})
    supplier = StringField(_l("Supplier"), render_kw={"maxlength": MAX_SUPPLIER})
    quantity = WholeField(_l("Quantity received"), minimum=1)
    produced_on = DateField(_l("Production date"), validators=[Optional()])
    expires_on = DateField(_l("Expiry date"), validators=[Optional()],
                           description=_l("Goods with an expiry date ship first expiring first; others first received first."))


class PlanSettingsForm(FlaskForm):
    window_days = WholeField(_l("Sales window (days)"), description=_l("Daily sales are averaged over these days."))
    lead_time_days = WholeField(_l("Default lead time (days)"),
                                description=_l("From ordering from the supplier to goods on the shelf."))
    buffer_percent = WholeField(_l("Buffer (%)"))
    hot_buffer_percent = WholeField(_l("Buffer for hot items (%)"), description=_l("At least 20%."))
    hot_share_percent = WholeField(_l("Hot items: top sellers (%)"),
                                   description=_l("This share of the SKUs that sold, by units, counts as hot."))
    turnover_target_days = WholeField(_l("Turnover target (days of inventory)"))


class SkuPlanForm(FlaskForm):
    safety_stock = WholeField(_l("Safety stock (your own)"), minimum=0,
                              description=_l("Leave empty to use the computed figure."))
    lead_time_days = WholeField(_l("Lead time of this product (days)"), minimum=1,
                                description=_l("Leave empty to use the store default."))
