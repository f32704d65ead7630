"""Forms of the customer-service screens: the inbox's reply box, a quick reply, and the
service settings (assignment rule, online window, the auto-answers' words). Each staff
member's categories are checkboxes named ``categories_<staff id>``, read beside the form."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from commerce.support.models import CATEGORIES, SupportSettings
from commerce.support.service import MAX_BODY
from core.forms import WholeField


def _strip(text):
    return text.strip() if isinstance(text, str) else text


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Reply"), filters=[_strip], validators=[DataRequired(_l("Write a reply first.")),
                                                                    Length(max=MAX_BODY)])


class QuickReplyForm(FlaskForm):
    body = TextAreaField(_l("Quick reply"), filters=[_strip],
                         validators=[DataRequired(_l("Write the reply first.")), Length(max=500)])
    delete = BooleanField()  # the row's 删除 button


class SupportSettingsForm(FlaskForm):
    assign_mode = RadioField(_l("Assign new tickets"), choices=[
        (SupportSettings.ROUND_ROBIN, _l("In turn among staff online")),
        (SupportSettings.BY_CATEGORY, _l("By category, to staff online who handle it"))],
        validators=[InputRequired()])
    online_minutes = WholeField(_l("Online means the inbox was open within (minutes)"), minimum=1, maximum=240,
                                validators=[InputRequired()])
    shipping_answer = TextAreaField(_l("Auto-answer: shipping time"), validators=[Length(max=MAX_BODY)],
                                    description=_l("Leave empty for the standard answer."))
    returns_answer = TextAreaField(_l("Auto-answer: return policy"), validators=[Length(max=MAX_BODY)],
                                   description=_l("Leave empty for the standard answer."))

    @classmethod
    def for_team(cls, team, **kwargs):
        """With ``categories_<staff id>``: the categories each team member handles."""
        fields = {f"categories_{staff.id}": SelectMultipleField(choices=[(code, code) for code in CATEGORIES],
                                                                validate_choice=True)
                  for staff in team}
        return type("TeamSupportSettingsForm", (cls,), fields)(**kwargs)

    def categories(self, team):
        """``{staff id: [category, …]}`` as ticked."""
        return {staff.id: self[f"categories_{staff.id}"].data or [] for staff in team}
