"""Design screen forms: the current theme's settings (checked by the theme's own pydantic
model in ``themes.pages.change_theme``) with an optional logo file, the theme switch, and
the storefront's bottom tab bar (checked by ``themes.tab_bar.save_tab_bar``)."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField

from themes.tab_bar import TABS

SETTING_FIELDS = ("primary_color", "accent_color", "background_color", "font", "radius", "logo")


def _strip(text):
    return (text or "").strip()


class DesignForm(FlaskForm):
    primary_color = StringField(filters=[_strip])
    accent_color = StringField(filters=[_strip])
    background_color = StringField(filters=[_strip])
    font = StringField(filters=[_strip])
    radius = StringField(filters=[_strip])
    logo = StringField(filters=[_strip])  # the logo's address as it stands (hidden, or typed)
    logo_file = FileField()

    def settings(self):
        """The settings as typed, every one a string (the theme model reads and checks them)."""
        return {name: self[name].data for name in SETTING_FIELDS}

    @property
    def uploaded_logo(self):
        upload = self.logo_file.data
        return upload if upload is not None and getattr(upload, "filename", None) else None


class ThemeForm(FlaskForm):
    theme = StringField(filters=[_strip])


class TabBarForm(FlaskForm):
    """On/off, then per tab (``show_<key>``, ``label_<key>``) whether it shows and its label."""

    enabled = BooleanField()

    def tabs(self):
        """``[(key, label), …]`` of the ticked tabs, in the bar's order."""
        return [(key, self[f"label_{key}"].data) for key in TABS if self[f"show_{key}"].data]


for _key in TABS:
    setattr(TabBarForm, f"show_{_key}", BooleanField())
    setattr(TabBarForm, f"label_{_key}", StringField(filters=[_strip]))
