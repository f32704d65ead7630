"""Topping up stored value (储值) from the member center: choose an amount (the store's
"充100送10" rules are offered, with their bonus, or any amount), pay it with WeChat Pay on
the browser's channel, and "I have paid" to ask WeChat at once. The balance is credited by
WeChat's notification or that query, once (``commerce.members.top_ups``)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from commerce.members.ledger import member_settings
from commerce.members.models import TopUp
from commerce.members.top_ups import member_top_up, settle_top_up_from_query, start_top_up_payment
from commerce.members.wallet import start_top_up
from core.errors import DomainError
from core.extensions import db
from core.money import format_money, parse_yuan
from payments.pay_page import wechat_pay_view
from storefront.shopper import current_member, in_wechat, wechat_pay_channel
from storefront.views import storefront_bp


@storefront_bp.route("/me/top-up", methods=["GET", "POST"])
def top_up():
    member = current_member()
    if member is None:
        return redirect(url_for("storefront.member_center"))
    if request.method == "GET":
        return _render_top_up(member)
    form = request.form
    amount = parse_yuan(form.get("other_amount")) if (form.get("other_amount") or "").strip() else \
        parse_yuan(form.get("amount"))
    try:
        started = start_top_up(member, amount)
    except DomainError as refusal:
        db.session.rollback()
        return _render_top_up(member, error=refusal, status=refusal.status)
    db.session.commit()
    return redirect(url_for("storefront.top_up_pay", number=started.number))


def _render_top_up(member, *, error=None, status=200):
    choices = sorted((pay, bonus) for pay, bonus in member_settings().top_up_bonuses)
    return render_template("storefront/top_up.html", member=member, choices=choices, error=error,
                           entered=request.form), status


@storefront_bp.route("/me/top-ups/<number>", methods=["GET", "POST"])
def top_up_pay(number):
    member, pending = _my_top_up(number)
    if in_wechat() and not member.openid:  # JSAPI needs the openid: a silent WeChat login first
        return redirect(url_for("storefront.login_wechat", scope="base",
                                next=url_for("storefront.top_up_pay", number=number)))
    channel = wechat_pay_channel(member)
    if request.method == "GET" or pending.status != TopUp.PENDING:
        return render_template("storefront/top_up_pay.html", top_up=pending, channel=channel)
    try:
        asked = start_top_up_payment(pending, channel, client_ip=request.remote_addr, openid=member.openid)
    except DomainError as refusal:
        db.session.rollback()
        return render_template("storefront/top_up_pay.html", top_up=pending, channel=channel,
                               error=refusal), refusal.status
    if asked.h5_url:
        return redirect(asked.h5_url)
    return render_template("storefront/top_up_pay.html", top_up=pending, channel=channel, **wechat_pay_view(asked))


@storefront_bp.route("/me/top-ups/<number>/check", methods=["POST"])
def top_up_check(number):
    """"I have paid": ask WeChat now instead of waiting for its notification."""
    _member, pending = _my_top_up(number)
    try:
        paid = settle_top_up_from_query(pending)
    except DomainError as refusal:
        db.session.rollback()
        flash(str(refusal.message), "error")
        return redirect(url_for("storefront.top_up_pay", number=number))
    db.session.commit()
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
