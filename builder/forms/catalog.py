"""Catalog forms: the product form with its spec slots and SKU table, the bulk status change,
and the category screen's forms.

The product form keeps the field names the template has always posted (``spec_name_0``,
``sku_0_price`` …): the SKU table has one ``SkuRowForm`` per row, prefixed ``sku_<i>_``.
Amounts are typed in yuan (``YuanField``), stock and weight as whole numbers; the catalog's
own rules (one SKU per combination, market price above price …) stay in
``commerce.catalog.service``, which names the field to fix.
"""
import json
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from wtforms import Field, Form, HiddenField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from commerce.catalog.errors import InvalidProduct
from commerce.catalog.models import Product
from commerce.catalog.skus import MAX_SKUS, MAX_SPECS
from core.forms import WholeField, YuanField

VALUE_SEPARATORS = re.compile(r"[,，、]")  # spec values as typed on Chinese and Western keyboards


def media_name_of(url):
    """The media name at the end of a picked ``/media/<store>/<name>`` address ("" for none);
    the catalog checks it is one of this store's library images."""
    return (url or "").rsplit("/", 1)[-1]


def _strip(text):
    return text.strip() if isinstance(text, str) else text


class PickedIdField(Field):
    """The id of an option picked from a ``<select>`` (``""``: none); anything else is none."""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        self.data = int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


class PickedIdsField(Field):
    """Every id ticked in a list of checkboxes of one name; anything not an id is left out."""

    def process_formdata(self, valuelist):
        self.data = [int(v) for v in valuelist if v.isascii() and v.isdigit() and len(v) <= 9]


class SkuRowForm(Form):
    """One row of the SKU table; ``key`` is the JSON list of the spec values it stands for."""

    key = HiddenField()
    price = YuanField(_l("Price"), validators=[InputRequired(message=_l("Enter a price."))])
    market_price = YuanField(_l("Market price"), validators=[Optional()])
    stock = WholeField(_l("Stock"), validators=[InputRequired(message=_l("Enter the stock."))])
    weight = WholeField(_l("Weight (g)"), validators=[Optional()])
    code = StringField(_l("Code"), filters=[_strip])
    image = StringField(_l("Image"), filters=[_strip])  # the picker's /media/<store>/<name> address

    @property
    def spec_values(self):
        """The spec values this row stands for; junk becomes ``()``."""
        try:
            values = json.loads(self.key.data or "")
        except ValueError:
            return ()
        return tuple(str(v) for v in values) if isinstance(values, list) else ()

    def shown(self):
        """The row's cells as typed (or as saved), for the template."""
        return {name: self[name]._value() for name in ("price", "market_price", "stock", "weight", "code", "image")}

    def sku_arguments(self):
        return {"spec_values": list(self.spec_values), "price": self.price.data,
                "market_price": self.market_price.data, "stock": self.stock.data, "weight": self.weight.data,
                "code": self.code.data or None, "image": media_name_of(self.image.data)}


class ProductForm(FlaskForm):
    """The product form. ``rows`` holds the SKU table's rows (read from the post, or given by
    ``for_product``); ``action`` is ``matrix`` for "Update SKU table", else a save."""

    title = StringField(_l("Title"))
    subtitle = StringField(_l("Subtitle"))
    category_id = PickedIdField(_l("Category"))
    status = StringField(_l("Status"), default=Product.DRAFT)
    tags = StringField(_l("Tags"))
    video_url = StringField(_l("Video"))
    description = TextAreaField(_l("Details"))
    action = StringField()
    sku_count = PickedIdField()

    def __init__(self, formdata=_Auto, **kwargs):
        super().__init__(formdata, **kwargs)
        posted = self.meta.wrap_formdata(self, formdata)
        count = min(self.sku_count.data or 0, MAX_SKUS) if posted is not None else 0
        self.rows = [SkuRowForm(posted, prefix=f"sku_{index}_") for index in range(count)]

    @classmethod
    def for_product(cls, product):
        """The form filled from a saved product (nothing posted)."""
        data = {"title": product.title, "subtitle": product.subtitle or "", "category_id": product.category_id,
                "status": product.status, "tags": ", ".join(product.tags), "video_url": product.video_url or "",
                "description": product.description}
        for slot, spec in enumerate(product.specs):
            data[f"spec_name_{slot}"], data[f"spec_values_{slot}"] = spec.name, ", ".join(spec.values)
        form = cls(formdata=None, data=data)
        form.rows = [SkuRowForm(data={"key": json.dumps(list(sku.spec_values)), "price": sku.price,
                                      "market_price": sku.market_price, "stock": sku.stock, "weight": sku.weight,
                                      "code": sku.code or "", "image": sku.image_url() or ""},
                                      prefix=f"sku_{index}_")
                     for index, sku in enumerate(product.skus)]
        return form

    @property
    def wants_matrix(self):
        return self.action.data == "matrix"

    def specs(self):
        """``[(name, [values…]), …]`` for the slots filled in."""
        specs = []
        for slot in range(MAX_SPECS):
            name = (self[f"spec_name_{slot}"].data or "").strip()
            values = [v.strip() for v in VALUE_SEPARATORS.split(self[f"spec_values_{slot}"].data or "") if v.strip()]
            if name or values:
                specs.append((name, values))
        return specs

    def rows_by_spec_values(self):
        return {row.spec_values: row for row in self.rows}

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        return all([row.validate() for row in self.rows]) and valid  # every row, so each shows its errors

    def first_problem(self):
        """The first error as the catalog's own refusal (the template shows one), a SKU row's
        named after its spec values; None when the form is valid."""
        for name, messages in self.errors.items():
            return InvalidProduct(str(messages[0]), field=name)
        for row in self.rows:
            for name, messages in row.errors.items():
                label = " / ".join(row.spec_values) or _("the product")
                return InvalidProduct(_("%(sku)s: %(problem)s", sku=label, problem=messages[0]), field=name)
        return None

    def product_arguments(self):
        """Keyword arguments of ``create_product`` / ``update_product``."""
        return {"title": self.title.data or "", "subtitle": self.subtitle.data or "",
                "category_id": self.category_id.data, "status": self.status.data or Product.DRAFT,
                "specs": self.specs(), "skus": [row.sku_arguments() for row in self.rows],
                "description": self.description.data or "", "video_url": self.video_url.data or "",
                "tags": self.tags.data or ""}


for _slot in range(MAX_SPECS):  # spec_name_0, spec_values_0, … as the template names them
    setattr(ProductForm, f"spec_name_{_slot}", StringField(_l("Spec name")))
    setattr(ProductForm, f"spec_values_{_slot}", StringField(_l("Values")))
del _slot


class ProductStatusForm(FlaskForm):
    """The product list's bulk action: put the ticked products on sale or off the shelf."""

    product_id = PickedIdsField()
    status = StringField()


class MoveForm(FlaskForm):
    """An up/down button (images, categories); ``parent_id`` moves a category under another."""

    direction = StringField()
    parent_id = PickedIdField()


class CategoryForm(FlaskForm):
    """Add or rename a category; ``commerce.catalog.categories`` checks the name and depth."""

    name = StringField(_l("Name"))
    parent_id = PickedIdField(_l("Parent"))
