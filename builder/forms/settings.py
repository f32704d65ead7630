"""The store's WeChat Pay account form: either its own merchant keys (``direct``) or a
sub-merchant of the platform's service provider. ``payments.settings`` checks every value."""
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

DIRECT_FIELDS = ("mchid", "appid", "private_key", "cert_serial_no", "apiv3_key", "public_key", "public_key_id")


class WeChatPayForm(FlaskForm):
    mode = StringField()
    mchid = StringField()
    appid = StringField()
    private_key = TextAreaField()
    cert_serial_no = StringField()
    apiv3_key = StringField()
    public_key = TextAreaField()
    public_key_id = StringField()
    sub_mchid = StringField()

    @property
    def direct(self):
        return self.mode.data == "direct"

    def direct_account(self):
        """Keyword arguments of ``save_direct_account``."""
        return {name: self[name].data for name in DIRECT_FIELDS}


class PrivacyPolicyForm(FlaskForm):
    """A new version of the store's privacy policy; ``publish_policy`` checks title and text."""

    title = StringField()
    body = TextAreaField()
