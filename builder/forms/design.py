"""Design screen forms: the current theme's settings (checked by the theme's own pydantic
model in ``themes.pages.change_theme``) with an optional logo file, and the theme switch."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField

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
