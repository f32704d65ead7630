"""Topping up stored value (储值) from the member center: choose an amount (the store's
"充100送10" rules are offered, with their bonus, or any amount), pay it with WeChat Pay on
the browser's channel, and "I have paid" to ask WeChat at once. The balance is credited by
WeChat's notification or that query, once (``commerce.members.top_ups``)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from commerce.members.models import TopUp
from commerce.members.top_ups import member_top_up, settle_top_up_from_query, start_top_up_payment
from commerce.members.wallet import start_top_up, top_up_plans
from core.form_checks import check_form
from core.money import format_money
from core.refusals import Attempt
from core.script_integrity import pinned_scripts
from payments.pay_page import wechat_pay_view
from storefront.blueprints import storefront_bp
from storefront.forms import TopUpForm
from storefront.shopper import current_member, h5_pay_redirect, in_wechat, wechat_pay_channel


@storefront_bp.route("/me/top-up", methods=["GET", "POST"])
def top_up():
    member = current_member()
    if member is None:
        return redirect(url_for("storefront.member_center"))
    form = TopUpForm()
    if not form.is_submitted():
        return _render_top_up(member, form)
    with Attempt(form, flash=False) as attempt:
        check_form(form)
        started = start_top_up(member, form.chosen_amount)
    if attempt.refused:
        return _render_top_up(member, form, error=attempt.refusal, status=attempt.status)
    return redirect(url_for("storefront.top_up_pay", number=started.number))


def _render_top_up(member, form, *, error=None, status=200):
    choices = top_up_plans()
    return render_template("storefront/top_up.html", member=member, choices=choices, form=form, error=error), status


@storefront_bp.route("/me/top-ups/<number>", methods=["GET", "POST"])
@pinned_scripts
def top_up_pay(number):
    member, pending = _my_top_up(number)
    if in_wechat() and not member.openid:  # JSAPI needs the openid: a silent WeChat login first
        return redirect(url_for("storefront.login_wechat", scope="base",
                                next=url_for("storefront.top_up_pay", number=number)))
    channel = wechat_pay_channel(member)
    if request.method == "GET" or pending.status != TopUp.PENDING:
        return render_template("storefront/top_up_pay.html", top_up=pending, channel=channel)
    with Attempt(flash=False, commit=False) as attempt:  # asking WeChat writes nothing here
        asked = start_top_up_payment(pending, channel, client_ip=request.remote_addr, openid=member.openid)
    if attempt.refused:
        return render_template("storefront/top_up_pay.html", top_up=pending, channel=channel,
                               error=attempt.refusal), attempt.status
    if asked.h5_url:  # WeChat returns the shopper to the top-up's page once paid
        return h5_pay_redirect(asked.h5_url, "storefront.top_up_pay", number=number)
    return render_template("storefront/top_up_pay.html", top_up=pending, channel=channel, **wechat_pay_view(asked))


@storefront_bp.route("/me/top-ups/<number>/check", methods=["POST"])
def top_up_check(number):
    """"I have paid": ask WeChat now instead of waiting for its notification."""
    _member, pending = _my_top_up(number)
    with Attempt() as attempt:
        paid = settle_top_up_from_query(pending)
    if attempt.refused:
        return redirect(url_for("storefront.top_up_pay", number=number))
    if not paid:
        flash(_("WeChat Pay has not received this payment yet."), "error")
        return redirect(url_for("storefront.top_up_pay", number=number))
    flash(_("Topped up: your balance is %(balance)s.", balance=format_money(current_member().balance)), "success")
    return redirect(url_for("storefront.member_center"))


def _my_top_up(number):
    """:raise 404: not a top-up of the signed-in member of this store"""
    member = current_member()
    found = member_top_up(member.id, number) if member else None
    return (member, found) if found is not None else abort(404)
