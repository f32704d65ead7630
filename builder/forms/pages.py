"""Page forms beyond the editor's JSON: starting from a template, and a page's share card
(checked again by the page document's own rules in ``themes.share``)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from themes.share import MAX_DESC, MAX_TITLE


def _strip(text):
    return (text or "").strip()


class ShareForm(FlaskForm):
    title = StringField(_l("Share title"), filters=[_strip], validators=[Length(max=MAX_TITLE)])
    desc = TextAreaField(_l("Share description"), filters=[_strip], validators=[Length(max=MAX_DESC)])
    image = StringField(_l("Share picture"), filters=[_strip], validators=[Length(max=500)])


NEW_PAGE, HOME_PAGE = "new", "home"


class StartFromTemplateForm(FlaskForm):
    """A new custom page (title and address needed), or the home page's draft."""

    target = RadioField(_l("Use it for"), default=NEW_PAGE, choices=[
        SelectChoice(NEW_PAGE, _l("A new page")), SelectChoice(HOME_PAGE, _l("My home page (replaces its draft)"))])
    title = StringField(_l("Title"), filters=[_strip], validators=[Length(max=80)])
    slug = StringField(_l("Page address"), filters=[_strip], validators=[Length(max=64)])

    def validate(self, extra_validators=None):
        if self.target.data == NEW_PAGE:
            required = InputRequired(message=_l("This field is required."))
            extra_validators = {"title": [required], "slug": [required]}
        else:
            extra_validators = {"title": [Optional()], "slug": [Optional()]}
        return super().validate(extra_validators=extra_validators)
