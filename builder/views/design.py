"""The design screen (店铺风格): pick a theme, set its colours, font, corner radius and
logo; and the media upload every image setting uses (``POST /console/media``).

Handlers load → check access (viewers only look → 403) → call one verb
(``themes.pages.change_theme``, ``core.storage.prepare_image``) → commit → respond. A
refused value re-renders the form with the message and writes nothing, not even the
uploaded logo.
"""
from flask import abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from pydantic import ValidationError

from builder.blueprints import console_bp
from builder.forms.design import DesignForm, TabBarForm, ThemeForm
from builder.forms.media import LibraryUploadForm
from builder.views.dashboard import store_urls
from builder.views.media import picked
from builder.views.pages import require_editor
from commerce.catalog.library import file_upload, upload_to_library
from core.audit import record_audit
from core.errors import TITLES
from core.refusals import Attempt
from core.storage import InvalidImage, media_storage, media_url, prepare_image
from themes.document import _translate_pydantic
from themes.pages import change_theme, store_theme
from themes.tab_bar import LABEL_LENGTH, TABS, save_tab_bar, store_tab_bar, tab_name
from themes.theme import ThemeSettings, get_theme, themes

FONT_LABELS = {"system": _l("Sans-serif (the phone's own font)"), "serif": _l("Serif (Song style)"),
               "rounded": _l("Rounded")}


def _actor():
    return current_user._get_current_object()


def field_labels():
    return {name: _(info.title) for name, info in ThemeSettings.model_fields.items()}


def _errors_by_field(error):
    """Pydantic's errors as ``{field: translated message}``, first message per field."""
    found = {}
    for detail in error.errors(include_url=False):
        name = str(detail["loc"][0]) if detail["loc"] else "theme"
        found.setdefault(name, _translate_pydantic(detail))
    return found


def _render(values=None, errors=None, status=200):
    row = store_theme()
    current = get_theme(row.theme)
    return render_template(
        "builder/design/index.html",
        themes=sorted(themes().values(), key=lambda t: (t.name != "default", t.name)),
        current=current, settings=values or current.settings_from(row.settings).model_dump(mode="json"),
        errors=errors or {}, labels=field_labels(), font_labels=FONT_LABELS, version=row.version,
        storefront=store_urls(g.tenant)["storefront"], can_edit=current_user.can_edit(),
        tab_bar=store_tab_bar(row), tab_names={key: tab_name(key) for key in TABS}, label_length=LABEL_LENGTH,
    ), status


@console_bp.route("/design")
def design():
    return _render()


@console_bp.route("/design", methods=["POST"])
def design_save():
    """Save the current theme's settings (and an uploaded logo, if one came)."""
    require_editor()
    row = store_theme()
    form = DesignForm()
    values = form.settings()
    errors, logo = {}, None
    upload = form.uploaded_logo
    if upload is not None:
        try:
            logo = prepare_image(upload.stream)
            values["logo"] = media_url(g.tenant.id, logo.filename)
        except InvalidImage as refusal:
            errors["logo"] = str(refusal.message)
    if not errors:
        try:
            with Attempt(flash=False) as attempt:  # commits, or rolls back a refusal or a bad value
                change_theme(actor=_actor(), theme_name=row.theme, settings=values)
                if logo is not None:  # stored before the commit that points at it, and filed in the library
                    media_storage().save(g.tenant.id, logo.filename, logo.content)
                    file_upload(logo, tenant_id=g.tenant.id, name=upload.filename, actor=_actor())
        except ValidationError as error:
            errors = _errors_by_field(error)
        else:
            if attempt.refused:
                errors = {"theme": str(attempt.refusal.message)}
    if errors:
        if logo is not None:  # the picture was fine but is not kept; the browser forgot the file too
            values["logo"] = form.logo.data
            errors.setdefault("logo", _("Choose the picture again once the other fields are fixed."))
        return _render(values, errors, 422)
    flash(_("Design saved. Your store shows it now."), "success")
    return redirect(url_for("console.design"))


@console_bp.route("/design/theme", methods=["POST"])
def design_theme():
    """Switch to a theme with its own colours; the logo and every page's content stay."""
    require_editor()
    row = store_theme()
    name = ThemeForm().theme.data
    logo = (row.settings or {}).get("logo", "")
    with Attempt(flash=False) as attempt:
        change_theme(actor=_actor(), theme_name=name, settings={"logo": logo} if logo else {})
    if attempt.refused:
        return _render(errors={"theme": str(attempt.refusal.message)}, status=attempt.status)
    flash(_("Your store now uses the “%(theme)s” theme. Every page keeps its content.",
            theme=_(get_theme(name).label)), "success")
    return redirect(url_for("console.design"))


@console_bp.route("/design/tab-bar", methods=["POST"])
def design_tab_bar():
    """The storefront's bottom tab bar: on or off, which tabs, their labels."""
    require_editor()
    form = TabBarForm()
    with Attempt(flash=False) as attempt:
        save_tab_bar(actor=_actor(), enabled=form.enabled.data, tabs=form.tabs())
    if attempt.refused:
        return _render(errors={"tab_bar": str(attempt.refusal.message)}, status=attempt.status)
    flash(_("Tab bar saved. Your store shows it now."), "success")
    return redirect(url_for("console.design"))


SWATCH = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 160 100" width="160" height="100">
<rect width="160" height="100" fill="{background_color}"/>
<rect width="160" height="18" fill="{primary_color}"/>
<rect x="8" y="6" width="40" height="6" rx="3" fill="#fff" fill-opacity=".85"/>
<text x="8" y="42" font-family="{family}" font-size="16" font-weight="700" fill="#222">Aa</text>
<rect x="8" y="52" width="68" height="40" rx="{r}" fill="#fff"/>
<rect x="84" y="52" width="68" height="40" rx="{r}" fill="#fff"/>
<rect x="14" y="60" width="44" height="5" rx="2" fill="#c8c9cc"/>
<rect x="90" y="60" width="44" height="5" rx="2" fill="#c8c9cc"/>
<rect x="14" y="76" width="26" height="9" rx="2" fill="{accent_color}"/>
<rect x="90" y="76" width="26" height="9" rx="2" fill="{accent_color}"/>
<rect x="116" y="24" width="36" height="14" rx="7" fill="{accent_color}"/>
</svg>"""
SWATCH_FAMILIES = {"system": "sans-serif", "serif": "serif", "rounded": "sans-serif"}


def swatch_svg(settings):
    """A tiny picture of a store page in these settings (every value is validated: hex, int)."""
    return SWATCH.format(background_color=settings.background_color, primary_color=settings.primary_color,
                         accent_color=settings.accent_color, family=SWATCH_FAMILIES[settings.font],
                         r=min(settings.radius, 12) // 2)


@console_bp.route("/design/swatch/<theme>.svg")
def design_swatch(theme):
    """A theme's own colours, or (``?current=1``) the store's settings of its current theme.

    :raise 404: no such theme
    """
    if theme not in themes():
        abort(404)
    row = store_theme()
    stored = row.settings if request.args.get("current") and row.theme == theme else {}
    response = current_app.response_class(swatch_svg(get_theme(theme).settings_from(stored)),
                                          mimetype="image/svg+xml")
    response.cache_control.private = True
    response.cache_control.max_age = 300
    return response


@console_bp.route("/media", methods=["POST"])
def media_upload():
    """Store an uploaded image for this store; answers ``{"url": "/media/<tenant>/<name>"}``.

    Always JSON (the editor's fetch reads it): a refused file is a 422 problem body.
    """
    require_editor()
    form = LibraryUploadForm()
    upload = form.upload
    with Attempt(flash=False) as attempt:  # filed in the image library, in the folder the picker shows
        image = upload_to_library(upload.stream if upload is not None else b"", tenant_id=g.tenant.id,
                                  name=upload.filename if upload is not None else "", folder=form.folder.data,
                                  actor=_actor())
        record_audit("media.uploaded", actor=_actor(), details={"url": image.url(), "bytes": image.size})
    if attempt.refused:
        return _problem(attempt.refusal)
    return jsonify(picked(image)), 201


def _problem(refusal):
    response = jsonify({"type": "about:blank", "title": str(TITLES[refusal.status]), "status": refusal.status,
                        "detail": str(refusal.message), "instance": request.path,
                        "request_id": g.get("request_id")})
    response.status_code = refusal.status
    response.mimetype = "application/problem+json"
    return response
