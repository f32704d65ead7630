"""Forms of the printing and waybill screens: the store's waybill sender and carrier, and a
selection of packing lists (the check boxes on the packing-list page)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, PasswordField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from commerce.shipping.tracking import CARRIERS


def _strip(text):
    return text.strip() if isinstance(text, str) else text


def _required():
    return InputRequired(message=_l("This field is required."))


class WaybillSettingsForm(FlaskForm):
    """面单设置: the carrier account waybills are printed on and the sender on every label.
    The password is never shown again: left empty, the stored one is kept."""

    carrier = SelectField(_l("Carrier"), choices=[], validators=[_required()])
    partner_id = StringField(_l("Carrier account (月结账号)"), filters=[_strip], validators=[Optional(), Length(max=64)])
    partner_key = PasswordField(_l("Account password"), validators=[Optional(), Length(max=128)])
    sender_name = StringField(_l("Sender"), filters=[_strip], validators=[_required(), Length(max=40)])
    sender_phone = StringField(_l("Sender's phone"), filters=[_strip], validators=[
        _required(), Length(max=20), Regexp(r"^[0-9+\- ]+$", message=_l("Digits, spaces, + and - only."))])
    sender_region = StringField(_l("Province, city and district"), filters=[_strip],
                                validators=[_required(), Length(max=120)])
    sender_detail = StringField(_l("Street address"), filters=[_strip], validators=[_required(), Length(max=120)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.carrier.choices = [("", _l("Choose a carrier"))] + list(CARRIERS.items())


class IdsField(Field):
    """Repeated whole numbers (ticked check boxes); anything else is dropped, repeats too."""

    def process_formdata(self, valuelist):
        self.data = list(dict.fromkeys(int(value) for value in valuelist if value.strip().isdigit()))

    def _value(self):
        return ",".join(map(str, self.data or ()))


class PackingSelectionForm(FlaskForm):
    """The buttons over the packing lists: which one was pressed (``action``), the ticked
    lists (``packing``) and the paper for packing lists (``size``)."""

    action = StringField(default="")
    packing = IdsField(default=())
    size = StringField(default="a4")
