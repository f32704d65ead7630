"""The data screens of customer segments: RFM (``/console/data/rfm``: the 8 segments, computing
them again, a coupon to a segment in one step, past segment campaigns with how many copies were
used) and the user portrait (``/console/data/portrait``). Both count only members who consent
to profiling, and say how many are left out.

Every staff role may look (the figures are aggregates); only owners and admins compute again
or send coupons (403 otherwise). Handlers load → check access → call one verb from
``commerce.analytics`` inside an ``Attempt`` → redirect.
"""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from builder.blueprints import console_bp
from builder.forms.rfm import ComputeRfmForm, SegmentCouponForm
from commerce.analytics.portrait import store_portrait
from commerce.analytics.rfm import (
    SEGMENTS_BY_CODE,
    campaign_results,
    compute_rfm,
    coupon_options,
    issue_segment_coupon,
    last_run,
    members_without_consent,
    segment_figures,
)
from commerce.marketing.coupons.queries import find_coupon
from core.form_checks import check_form
from core.refusals import Attempt


def require_manager():
    """:raise 403: only owners and admins compute segments or send coupons to them"""
    if not current_user.can_manage_staff():
        abort(403)


def _actor():
    return current_user._get_current_object()


@console_bp.route("/data/rfm")
def data_rfm():
    can_act = current_user.can_manage_staff()
    options = coupon_options() if can_act else []
    figures = segment_figures()
    forms = {row.segment.code: SegmentCouponForm(prefix=row.segment.code, choices=options, formdata=None)
             for row in figures} if can_act else {}
    chart = {"labels": [str(row.segment.label) for row in figures], "members": [row.members for row in figures],
             "membersLabel": _("Number of members")}
    return render_template("builder/data/rfm.html", screen="rfm", form=None, figures=figures, forms=forms, compute_form=ComputeRfmForm(),
                           run=last_run(), left_out=members_without_consent(), campaigns=campaign_results(),
                           can_act=can_act, has_coupons=bool(options), chart=chart)


@console_bp.route("/data/rfm/compute", methods=["POST"])
def data_rfm_compute():
    require_manager()
    with Attempt() as attempt:
        check_form(ComputeRfmForm())
        run = compute_rfm(actor=_actor())
    if not attempt.refused:
        flash(_("Segments computed again: %(n)d members scored.", n=run.scored), "success")
    return redirect(url_for("console.data_rfm"))


@console_bp.route("/data/rfm/<segment>/coupon", methods=["POST"])
def data_rfm_send_coupon(segment):
    require_manager()
    if segment not in SEGMENTS_BY_CODE:
        abort(404)
    form = SegmentCouponForm(prefix=segment, choices=coupon_options())
    with Attempt() as attempt:  # unreadable input or a refusal is flashed on the RFM page
        check_form(form)
        coupon = find_coupon(form.coupon_id.data) or abort(404)
        campaign = issue_segment_coupon(segment, coupon, actor=_actor())
    if not attempt.refused:
        flash(_("%(coupon)s sent to %(n)d members of %(segment)s.", coupon=coupon.name, n=campaign.members_issued,
                segment=SEGMENTS_BY_CODE[segment].label), "success")
    return redirect(url_for("console.data_rfm"))


@console_bp.route("/data/portrait")
def data_portrait():
    portrait = store_portrait()
    chart = {name: {"labels": [bucket.label for bucket in buckets],
                    "values": [bucket.count for bucket in buckets]}  # a hidden ("<5") bucket draws no bar
             for name, buckets in (("levels", portrait.levels), ("spend", portrait.spend_bands),
                                   ("categories", portrait.categories), ("hours", portrait.hours),
                                   ("provinces", portrait.provinces))}
    chart["membersLabel"], chart["ordersLabel"] = _("Number of members"), _("Paid orders")
    return render_template("builder/data/portrait.html", screen="portrait", form=None, portrait=portrait,
                           chart=chart)

