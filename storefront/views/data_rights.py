"""The shopper's rights over their data on the H5 store: 「导出我的数据」 (ask → status → a
one-time download link) and 「注销账号」 (a page saying what happens, then the POST; signed
out after). ``storefront/_data_rights.html`` is the block the member center's privacy page
includes, fed by ``data_rights_context(member)``; ``/me/data`` shows it on its own."""
from flask import Response, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from commerce.members.rights import (
    DataExport,
    download_token,
    erase_member,
    latest_data_export,
    request_data_export,
    take_data_export,
)
from core.extensions import db
from core.form_checks import check_form
from core.models import utcnow
from core.refusals import Attempt
from storefront.blueprints import storefront_bp
from storefront.forms import CloseAccountForm, DataExportForm
from storefront.shopper import MEMBER_KEY, current_member


def data_rights_context(member):
    """What ``_data_rights.html`` shows for ``member``: the latest export and, when it is ready,
    a fresh one-time link (minted and committed here: only the newest link works)."""
    export = latest_data_export(member.id)
    link = None
    if export is not None and export.is_downloadable_at(utcnow()):
        link = url_for("storefront.data_export_download", token=download_token(export))
        db.session.commit()  # the link's hash is saved before the link is shown
    return {"data_export": export, "data_export_link": link, "data_export_form": DataExportForm(),
            "export_statuses": {DataExport.PENDING: _("Being prepared: it takes less than a minute. Refresh this "
                                                      "page to see it."),
                                DataExport.READY: _("Ready to download."),
                                DataExport.DOWNLOADED: _("Downloaded. The file has been deleted from our servers."),
                                DataExport.EXPIRED: _("The link expired before it was used.")}}


def _signed_in_or_login(endpoint):
    member = current_member()
    if member is None:
        return None, redirect(url_for("storefront.login", next=url_for(endpoint)))
    return member, None


@storefront_bp.route("/me/data")
def data_rights():
    member, away = _signed_in_or_login("storefront.data_rights")
    if away:
        return away
    return render_template("storefront/data_rights.html", **data_rights_context(member))


@storefront_bp.route("/me/data-export", methods=["POST"])
def data_export_request():
    member, away = _signed_in_or_login("storefront.data_rights")
    if away:
        return away
    form = DataExportForm()
    with Attempt(form):
        check_form(form)
        request_data_export(member.id)
    return redirect(url_for("storefront.data_rights"))


@storefront_bp.route("/me/data-export/download")
def data_export_download():
    """The one-time link: valid without a session (opened in another browser), but when someone
    is signed in it must be the export's member."""
    member = current_member()
    with Attempt() as attempt:
        _export, content = take_data_export(request.args.get("token", ""),
                                            member_id=member.id if member is not None else None)
    if attempt.refused:
        return render_template("storefront/data_export_gone.html"), 410
    response = Response(content, mimetype="application/zip")
    response.headers["Content-Disposition"] = "attachment; filename=my-data.zip"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@storefront_bp.route("/me/close-account", methods=["GET", "POST"])
def close_account():
    member, away = _signed_in_or_login("storefront.close_account")
    if away:
        return away
    form = CloseAccountForm()
    status = 200
    if request.method == "POST":
        with Attempt(form, field="confirm") as attempt:
            check_form(form)
            erase_member(member.id)
        if not attempt.refused:
            session.pop(MEMBER_KEY, None)
            flash(_("Your account has been closed and your personal data erased."), "success")
            return redirect(url_for("storefront.member_center"))
        status = attempt.status
    return render_template("storefront/close_account.html", form=form), status
