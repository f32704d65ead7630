"""Team screen: list staff, invite by email, change roles."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from builder.blueprints import console_bp
from builder.forms import ChangeRoleForm, InviteStaffForm
from core.refusals import Attempt
from tenants.queries import console_staff, find_staff
from tenants.service import change_staff_role, invite_staff

PAGE_SIZE = 50


def get_staff_or_404(user_id):
    """The staff member of the current store, or 404 (another store's id finds nothing).

    :raise 404: no such staff member in this store
    """
    user = find_staff(user_id)
    if user is None:
        abort(404)
    return user


def require_staff_manager():
    """:raise 403: the signed-in staff member may not manage the team"""
    if not current_user.can_manage_staff():
        abort(403)


def _render(form, status=200):
    page = console_staff(cursor=request.args.get("cursor"), per_page=PAGE_SIZE)
    return render_template("builder/staff.html", page=page, staff=page.items, form=form,
                           role_form=ChangeRoleForm()), status


@console_bp.route("/staff")
def staff_list():
    return _render(InviteStaffForm())


@console_bp.route("/staff/invite", methods=["POST"])
def staff_invite():
    require_staff_manager()
    form = InviteStaffForm()
    if not form.validate_on_submit():
        return _render(form, 422)
    with Attempt(form, field="email") as attempt:
        user = invite_staff(actor=current_user, email=form.email.data, role=form.role.data)
    if attempt.refused:
        return _render(form, attempt.status)
    link = url_for("console.accept_invite_view", token=user.invite_token, store=user.tenant_id, _external=True)
    flash(_("Invitation created. Send this link to %(email)s: %(link)s", email=user.email, link=link), "success")
    return redirect(url_for("console.staff_list"))


@console_bp.route("/staff/<int:user_id>/role", methods=["POST"])
def staff_change_role(user_id):
    require_staff_manager()
    user = get_staff_or_404(user_id)
    form = ChangeRoleForm()
    if not form.validate_on_submit():
        return _render(InviteStaffForm(), 422)
    with Attempt() as attempt:
        change_staff_role(actor=current_user, user=user, role=form.role.data)
    if attempt.refused:
        return redirect(url_for("console.staff_list"))
    flash(_("Role of %(email)s changed.", email=user.email), "success")
    return redirect(url_for("console.staff_list"))
