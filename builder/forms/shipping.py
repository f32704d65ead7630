"""The shipping template form: name, free-shipping threshold, default flag, regions not
delivered to, and one small form per rule row.

Rule rows keep the names the page has always posted (``rule_0_first_fee``,
``rule_0_regions``, ``rule_0_remove`` …, with ``rule_count`` rows): each row is a
``ShippingRuleForm`` with the prefix ``rule_<i>_``. Fees are typed in yuan (``YuanField``;
an empty rule fee is 0, an empty threshold is "no threshold"); weights are whole grams. The
ranges (weights above 0, fees at least 0, at most ``MAX_FEE``) are the verb's rules
(``commerce.shipping.service``); the form only reads what was typed.
"""
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, Form, StringField

from commerce.shipping.errors import InvalidShippingTemplate
from commerce.shipping.service import MAX_RULES
from core.forms import WholeField, YuanField

RULE_INPUTS = ("first_weight_g", "first_fee", "extra_weight_g", "extra_fee")


class CodeListField(Field):
    """Ticked checkboxes of one name (region codes) as a list; the verb checks each code."""

    def process_formdata(self, valuelist):
        self.data = list(valuelist)

    def process_data(self, value):
        self.data = list(value or ())


class ShippingRuleForm(Form):
    """One rule row: first weight and fee, extra weight and fee, its regions."""

    first_weight_g = WholeField(default=1000)
    first_fee = YuanField(minimum=None)
    extra_weight_g = WholeField(default=1000)
    extra_fee = YuanField(minimum=None)
    regions = CodeListField(default=())
    remove = BooleanField()

    def arguments(self, number):
        """The rule as ``create_template`` takes it; an empty fee is 0.

        :raise InvalidShippingTemplate: a weight or fee that cannot be read, naming rule ``number``
        """
        rule = {"regions": self.regions.data or []}
        for name in RULE_INPUTS:
            field = self[name]
            field.validate(self)
            if field.errors:
                typed = field.raw_data[0] if field.raw_data else ""
                message = (_("Rule %(n)d: %(value)s is not an amount in yuan.", n=number, value=typed)
                           if name.endswith("_fee") else _("Rule %(n)d: weights must be whole grams above 0.", n=number))
                raise InvalidShippingTemplate(message, field=f"rule_{number - 1}_{name}")
            rule[name] = field.data if field.data is not None else (0 if name.endswith("_fee") else None)
        return rule


class ShippingTemplateForm(FlaskForm):
    name = StringField(default="")
    free_over = YuanField(minimum=None)
    is_default = BooleanField()
    not_delivered = CodeListField(default=())
    rule_count = WholeField(minimum=0)
    action = StringField()  # "add_rule" re-renders with one more empty rule; "save" saves

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        formdata = self.meta.wrap_formdata(self, formdata)
        super().process(formdata, obj, data, extra_filters, **kwargs)
        if formdata is not None:  # posted: the rows as typed, less those ticked for removal
            count = min(self.rule_count.data or 0, MAX_RULES) if not self.rule_count.errors else 0
            rows = (ShippingRuleForm(formdata, prefix=f"rule_{index}_") for index in range(count))
            self.rules = [row for row in rows if not row.remove.data]
        elif obj is not None and obj.rules:
            self.rules = [ShippingRuleForm(obj=rule) for rule in obj.rules]
        else:
            self.rules = [ShippingRuleForm()]

    @property
    def adding_a_rule(self):
        return self.action.data == "add_rule"

    def add_rule(self):
        if len(self.rules) < MAX_RULES:
            self.rules.append(ShippingRuleForm())

    def entered(self):
        """What the page shows in its inputs: as typed, or as saved."""
        return {"name": self.name.data or "", "free_over": self.free_over._value(),
                "is_default": bool(self.is_default.data), "not_delivered": self.not_delivered.data or [],
                "rules": [{"regions": row.regions.data or [], **{name: row[name]._value() for name in RULE_INPUTS}}
                          for row in self.rules]}

    def arguments(self):
        """What ``create_template``/``update_template`` take.

        :raise InvalidShippingTemplate: a fee or weight that cannot be read, with the field at fault
        """
        rules = [row.arguments(number) for number, row in enumerate(self.rules, start=1)]
        self.free_over.validate(self)
        if self.free_over.errors:
            typed = self.free_over.raw_data[0] if self.free_over.raw_data else ""
            raise InvalidShippingTemplate(_("%(value)s is not an amount in yuan.", value=typed), field="free_over")
        return {"name": self.name.data or "", "rules": rules, "not_delivered": self.not_delivered.data or [],
                "is_default": bool(self.is_default.data), "free_over": self.free_over.data}
