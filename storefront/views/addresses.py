"""The shopper's address book ``/me/addresses``: add, correct, delete, and choose the default
that checkout preselects; and the 省/市/区 data the address picker loads."""
from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from commerce.members.addresses import change_address, delete_address, make_default_address, save_address
from commerce.members.queries import member_address, member_addresses
from commerce.shipping.divisions import data_file, divisions
from core.form_checks import check_form
from core.refusals import Attempt
from storefront.blueprints import storefront_bp
from storefront.forms import AddressForm
from storefront.shopper import current_member
from storefront.wechat_address import wechat_address_source


@storefront_bp.route("/assets/areas.json")
def area_data():
    """省/市/区 from npm's ``@vant/area-data``, as ``make assets`` wrote it (never committed)."""
    return send_file(data_file(), mimetype="application/json", max_age=86400)


@storefront_bp.route("/me/addresses")
def address_book():
    member = _member()
    return render_template("storefront/addresses.html", addresses=member_addresses(member.id))


@storefront_bp.route("/me/addresses/new", methods=["GET", "POST"])
def address_new():
    member = _member()
    form = AddressForm()
    if not form.is_submitted():
        return _render_form(form)
    with Attempt(form, flash=False) as attempt:
        check_form(form)
        save_address(member.id, **form.new_address(), make_default=form.make_default.data)
    if attempt.refused:
        return _render_form(form, error=attempt.refusal, status=attempt.status)
    flash(_("Address saved."), "success")
    return redirect(url_for("storefront.address_book"))


@storefront_bp.route("/me/addresses/<int:address_id>", methods=["GET", "POST"])
def address_edit(address_id):
    member = _member()
    address = member_address(member.id, address_id) or abort(404)
    form = AddressForm(obj=address, make_default=address.is_default)
    if not form.is_submitted():
        return _render_form(form, address=address)
    with Attempt(form, flash=False) as attempt:
        check_form(form)
        change_address(member.id, address.id, **form.new_address(), make_default=form.make_default.data)
    if attempt.refused:
        return _render_form(form, address=address, error=attempt.refusal, status=attempt.status)
    flash(_("Address saved."), "success")
    return redirect(url_for("storefront.address_book"))


# The address book's buttons: what each does, and what it says once done.
ACTIONS = {"default": (make_default_address, _l("This is your default address now.")),
           "delete": (delete_address, _l("Address deleted."))}


@storefront_bp.route("/me/addresses/<int:address_id>/<any(default, delete):verb>", methods=["POST"])
def address_act(address_id, verb):
    member = _member()
    act, done = ACTIONS[verb]
    with Attempt() as attempt:
        act(member.id, address_id)
    if not attempt.refused:
        flash(str(done), "success")
    return redirect(url_for("storefront.address_book"))


def _render_form(form, *, address=None, error=None, status=200):
    return render_template("storefront/address_form.html", form=form, address=address, error=error,
                           divisions=divisions(), wechat_address=wechat_address_source()), status


def _member():
    """:raise 302: not signed in, to the member center (which offers to sign in)"""
    member = current_member()
    if member is None:
        abort(redirect(url_for("storefront.member_center")))
    return member
