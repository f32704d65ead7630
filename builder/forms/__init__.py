"""Forms of the platform site and the merchant console. Every form carries a CSRF token."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, PasswordField, SelectField, StringField, URLField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from core.forms import EmailAddress
from tenants.errors import WeakPassword
from tenants.models import StaffUser
from tenants.service import MIN_PASSWORD_LENGTH, check_password_strength


def _req():
    return InputRequired(message=_l("This field is required."))


def strong_password(form, field):
    """Check strength with the other fields, so every problem shows at once."""
    email = form.email.data if hasattr(form, "email") else ""
    try:
        check_password_strength(field.data or "", email=email or "")
    except WeakPassword as refusal:
        raise ValidationError(str(refusal.message)) from None


class SignupForm(FlaskForm):
    store_name = StringField(_l("Store name"), validators=[_req(), Length(max=80)])
    slug = StringField(_l("Store address"), validators=[_req(), Length(min=3, max=32)])
    email = EmailField(_l("Email"), validators=[_req(), EmailAddress(), Length(max=255)])
    password = PasswordField(_l("Password"), validators=[_req(), Length(max=128), strong_password],
                             description=_l("At least %(n)d characters, mixing letters with digits or symbols.",
                                            n=MIN_PASSWORD_LENGTH))


class StaffLoginForm(FlaskForm):
    # Optional: without it, the address and password find the store (or offer a choice).
    slug = StringField(_l("Store address (optional)"), validators=[Optional(), Length(max=32)])
    email = EmailField(_l("Email"), validators=[_req(), Length(max=255)])
    password = PasswordField(_l("Password"), validators=[_req(), Length(max=128)])


class ChooseStoreForm(FlaskForm):
    """The store chooser after signing in with an address that works for several."""

    tenant = IntegerField(validators=[InputRequired()])


class AcceptInviteForm(FlaskForm):
    password = PasswordField(_l("Choose a password"), validators=[_req(), Length(max=128), strong_password])


def _role_choices():
    labels = {
        StaffUser.ADMIN: _l("Admin — everything except billing"),
        StaffUser.OPERATOR: _l("Operator — catalog, orders and pages"),
        StaffUser.VIEWER: _l("Viewer — read only"),
    }
    return [SelectChoice(role, label) for role, label in labels.items()]


class InviteStaffForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[_req(), EmailAddress(), Length(max=255)])
    role = SelectField(_l("Role"), choices=_role_choices())


class ChangeRoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=_role_choices())


class StoreSettingsForm(FlaskForm):
    name = StringField(_l("Store name"), validators=[_req(), Length(max=80)])
    contact_email = EmailField(_l("Contact email"), validators=[Optional(), EmailAddress(), Length(max=255)])
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=20),
                                Regexp(r"^[0-9+\- ]+$", message=_l("Digits, spaces, + and - only."))])
    logo_url = URLField(_l("Logo URL"), validators=[Optional(), Length(max=500),
                        Regexp(r"^https?://", message=_l("Use an http(s) address."))])


class DomainForm(FlaskForm):
    hostname = StringField(_l("Custom domain"), validators=[_req(), Length(max=253)])


class MiniProgramForm(FlaskForm):
    appid = StringField(_l("Mini-program AppID"), validators=[_req(), Length(max=32)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=80)])

