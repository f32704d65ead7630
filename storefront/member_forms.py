"""Forms a signed-in shopper types into on the account screens (the mobile number)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import InputRequired

from core.forms import CNMobileField


class PhoneForm(FlaskForm):
    phone = CNMobileField(_l("Mobile number"), validators=[
        InputRequired(message=_l("Enter an 11-digit mobile number, like 13812345678."))])
