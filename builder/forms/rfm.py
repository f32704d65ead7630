"""Console forms of the RFM screen: recomputing the segments (nothing but CSRF) and sending
one of the store's coupons to a segment."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import InputRequired


class ComputeRfmForm(FlaskForm):
    """The "compute again" button: a POST with its CSRF token."""


class SegmentCouponForm(FlaskForm):
    """Which coupon to send to a segment. One form per segment on the page, each with the
    segment's code as ``prefix`` so their fields keep distinct ids. ``choices`` are
    ``[(coupon id, label)]`` of the store's coupons; whether the chosen one can be issued
    now (paused, ended, all claimed) is the service's to say."""

    coupon_id = SelectField(_l("Coupon"), coerce=int, validate_choice=True,
                            validators=[InputRequired(message=_l("Choose a coupon."))])

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.coupon_id.choices = list(choices)
