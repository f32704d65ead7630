"""Page forms beyond the editor's JSON: a page's share card (checked again by the page
document's own rules in ``themes.share``)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from themes.share import MAX_DESC, MAX_TITLE


def _strip(text):
    return (text or "").strip()


class ShareForm(FlaskForm):
    title = StringField(_l("Share title"), filters=[_strip], validators=[Length(max=MAX_TITLE)])
    desc = TextAreaField(_l("Share description"), filters=[_strip], validators=[Length(max=MAX_DESC)])
    image = StringField(_l("Share picture"), filters=[_strip], validators=[Length(max=500)])
