"""The store's plan choice: a plan code and monthly or yearly billing. Which plans and
intervals exist is ``preview_plan_change``'s rule (it refuses an unknown one with a message)."""
from flask_wtf import FlaskForm
from wtforms import StringField


class PlanChoiceForm(FlaskForm):
    plan = StringField(default="")
    interval = StringField(default="month")
