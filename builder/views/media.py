"""The image library (图片空间): every picture the store uploaded, by folder, searchable by
name; upload, rename, move and delete (refused with the places that use the image). Its JSON
list feeds the image picker every image field of the console opens.

Handlers load → check access (viewers only look → 403) → call one verb from
``commerce.catalog.library`` → commit → redirect; a refusal is flashed above the library.
"""
from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from builder.blueprints import console_bp
from builder.forms.media import LibraryUploadForm, MoveImageForm, RenameImageForm
from builder.views.pages import require_editor
from commerce.catalog.library import (
    delete_library_image,
    move_library_image,
    rename_library_image,
    upload_to_library,
)
from commerce.catalog.queries import find_library_image, library_folders, library_images
from core.refusals import Attempt
from core.storage import MAX_IMAGE_BYTES, media_storage

PAGE_SIZE = 60
PICKER_SIZE = 120


def _actor():
    return current_user._get_current_object()


def get_library_image_or_404(image_id):
    """:raise 404: no such image in this store's library (another store's id finds nothing)"""
    image = find_library_image(image_id)
    if image is None:
        abort(404)
    return image


def _listed_folder():
    """``?folder=`` as a filter: absent → every folder; ``""`` (未分组) is a folder too."""
    return request.args.get("folder") if "folder" in request.args else None


@console_bp.route("/media")
def media_library():
    query = request.args.get("q", "").strip()
    folder = _listed_folder()
    page = library_images(query=query, folder=folder, cursor=request.args.get("cursor"), per_page=PAGE_SIZE)
    return render_template("builder/media/index.html", page=page, images=page.items, query=query, folder=folder,
                           folders=library_folders(), can_edit=current_user.can_edit(),
                           max_megabytes=MAX_IMAGE_BYTES // (1024 * 1024))


@console_bp.route("/media/library.json")
def media_library_json():
    """The picker's grid: ``{"images": [{id, url, name, folder, width, height}], "folders": […]}``."""
    page = library_images(query=request.args.get("q", "").strip(), folder=_listed_folder(), per_page=PICKER_SIZE)
    return jsonify({"images": [picked(image) for image in page.items], "folders": library_folders(),
                    "total": page.total})


def picked(image):
    return {"id": image.id, "url": image.url(), "name": image.name, "folder": image.folder,
            "width": image.width, "height": image.height}


def _back():
    folder = request.args.get("folder")
    return redirect(url_for("console.media_library", **({"folder": folder} if folder is not None else {})))


@console_bp.route("/media/library", methods=["POST"])
def media_library_upload():
    require_editor()
    form = LibraryUploadForm()
    upload = form.upload
    _attempt(lambda: upload_to_library(upload.stream if upload is not None else b"", tenant_id=g.tenant.id,
                                       name=upload.filename if upload is not None else "",
                                       folder=form.folder.data, actor=_actor()), _("Image uploaded."))
    return _back()


@console_bp.route("/media/<int:image_id>/rename", methods=["POST"])
def media_library_rename(image_id):
    require_editor()
    image = get_library_image_or_404(image_id)
    form = RenameImageForm()
    _attempt(lambda: rename_library_image(image, name=form.name.data, actor=_actor()), _("Image renamed."))
    return _back()


@console_bp.route("/media/<int:image_id>/move", methods=["POST"])
def media_library_move(image_id):
    require_editor()
    image = get_library_image_or_404(image_id)
    form = MoveImageForm()
    _attempt(lambda: move_library_image(image, folder=form.folder.data, actor=_actor()), _("Image moved."))
    return _back()


@console_bp.route("/media/<int:image_id>/delete", methods=["POST"])
def media_library_delete(image_id):
    require_editor()
    image = get_library_image_or_404(image_id)
    tenant_id = image.tenant_id
    filename = _attempt(lambda: delete_library_image(image, actor=_actor()), _("Image deleted."))
    if filename is not None:
        media_storage().delete(tenant_id, filename)  # after the commit: a rolled-back delete keeps its file
    return _back()


def _attempt(verb, done):
    """Run one library verb and flash ``done``, or its refusal; what the verb returned, None if refused."""
    result = None
    with Attempt() as attempt:
        result = verb()
    if not attempt.refused:
        flash(done, "success")
    return result
