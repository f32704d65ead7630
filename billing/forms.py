"""Forms of the platform console's store page. Each reads what an admin typed; the rules
(reasons required, a credit's ceiling, a trial's 1–365 days, known plans) are the verbs'
(``billing.platform``, ``billing.subscriptions``), so a refusal reads the same from a job."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import InputRequired, Length

from core.forms import WholeField, YuanField
from tenants.service import MIN_PASSWORD_LENGTH

ENTER_DAYS = _l("Enter the number of days, like 14.")
ENTER_CREDIT = _l("Enter the credit in yuan, like 50 or 49.90.")


class _DaysField(WholeField):
    def read(self, text):
        try:
            return super().read(text)
        except ValueError:
            raise ValueError(str(ENTER_DAYS)) from None


class _CreditField(YuanField):
    def read(self, text):
        try:
            return super().read(text)
        except ValueError:
            raise ValueError(str(ENTER_CREDIT)) from None


class StorePlanForm(FlaskForm):
    plan = StringField(default="")
    interval = StringField(default="")


class TrialForm(FlaskForm):
    days = _DaysField(validators=[InputRequired(message=ENTER_DAYS)], minimum=0)


class CreditForm(FlaskForm):
    amount = _CreditField(validators=[InputRequired(message=ENTER_CREDIT)], minimum=None)  # ≤ 0: the verb refuses
    note = StringField(default="")


class ReasonForm(FlaskForm):
    """Suspend, resume, or refund an invoice: a reason for the audit trail."""

    reason = StringField(default="")


class AdminLoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[InputRequired(message=_l("This field is required.")), Length(max=255)])
    password = PasswordField(_l("Password"), validators=[InputRequired(message=_l("This field is required.")),
                                                          Length(max=128)])


class ForgotPasswordForm(FlaskForm):
    """忘记密码 on the console's and the platform's sign-in: the address to send a link to."""

    email = EmailField(_l("Email"), validators=[InputRequired(message=_l("This field is required.")),
                                                Length(max=255)])


class NewPasswordForm(FlaskForm):
    """The page a reset link opens; the strength rule is the reset verb's."""

    password = PasswordField(_l("New password"), validators=[InputRequired(message=_l("This field is required.")),
                                                             Length(max=128)],
                             description=_l("At least %(n)d characters, mixing letters with digits or symbols.",
                                            n=MIN_PASSWORD_LENGTH))


class RolloutForm(FlaskForm):
    """A template version of WeChat's library to roll out; ``start_rollout`` checks it is there."""

    template_id = WholeField(_l("Template version (WeChat's template library)"), validators=[InputRequired()])


class RetentionPeriodForm(FlaskForm):
    """A store's longer retention period for one rule (the rule refuses a shorter one)."""

    rule = StringField(validators=[InputRequired()])
    keep_days = _DaysField(_l("Keep for (days)"), validators=[InputRequired(message=ENTER_DAYS)], minimum=1)
    reason = StringField(_l("Why (the law or contract that asks for it)"), validators=[Length(max=200)])
