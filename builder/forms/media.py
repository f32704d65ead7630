"""Image library (图片空间) forms: upload into a folder, rename, move to a folder, and pick a
library image for a product's pictures."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField

from builder.forms.catalog import PickedIdField


def _strip(text):
    return (text or "").strip()


class LibraryUploadForm(FlaskForm):
    file = FileField()
    folder = StringField(filters=[_strip])

    @property
    def upload(self):
        """The uploaded file, or None when none was chosen."""
        upload = self.file.data
        return upload if upload is not None and getattr(upload, "filename", None) else None


class RenameImageForm(FlaskForm):
    name = StringField()


class MoveImageForm(FlaskForm):
    folder = StringField(filters=[_strip])


class PickImageForm(FlaskForm):
    library_image_id = PickedIdField()
