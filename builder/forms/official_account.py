"""Forms of the official-account screens. Values are checked by ``channels.wechat_mp``
(its refusals land on the field they name); the menu editor's rows are read from the
posted form by ``menu_rows``."""
from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from channels.wechat_mp.links import target_choices
from channels.wechat_mp.menus import MAX_SUB, MAX_TOP
from channels.wechat_mp.pushes import slot_choices
from channels.wechat_mp.replies import reply_kinds


def _choices(pairs):
    """Choices as WTForms wants them, read when the form is made (labels in the page's language)."""
    return lambda: [SelectChoice(value, label) for value, label in pairs()]


class AccountForm(FlaskForm):
    appid = StringField(_l("AppID (开发者ID)"))
    app_secret = PasswordField(_l("AppSecret (开发者密码)"),
                               description=_l("Leave blank to keep the one saved."))
    token = StringField(_l("Token (令牌)"), description=_l("The same 3 to 32 letters or digits you enter in WeChat."))
    encoding_aes_key = PasswordField(_l("EncodingAESKey (消息加解密密钥)"),
                                     description=_l("For 安全模式. Leave blank to keep the one saved."))


class ReplyFields(FlaskForm):
    """One reply: text, an image (MediaId) or a news card to a store page."""

    kind = SelectField(_l("Reply with"), choices=_choices(reply_kinds))
    text = TextAreaField(_l("Text"))
    media_id = StringField(_l("Image MediaId"), description=_l("From the account's 素材库 in WeChat."))
    title = StringField(_l("Card title"))
    description = StringField(_l("Card summary"))
    picture_url = StringField(_l("Card picture address"))
    target_type = SelectField(_l("Opens"), choices=_choices(target_choices))
    target_value = StringField(_l("Page, product or category"))

    def reply_values(self):
        return {name: self[name].data for name in ("text", "media_id", "title", "description", "picture_url",
                                                   "target_type", "target_value")}


class RuleForm(ReplyFields):
    name = StringField(_l("Rule name"))
    match = SelectField(_l("Match"), choices=_choices(lambda: [
        ("exact", _l("The whole message is a keyword")), ("contains", _l("The message contains a keyword"))]))
    keywords = TextAreaField(_l("Keywords"), description=_l("One a line, or separated by commas."))


class NoticeForm(FlaskForm):
    """One switch and template id per notice kind, named ``<kind>_on`` / ``<kind>_template_id``."""


def notice_form(kinds, settings):
    """A ``NoticeForm`` with a switch and a template id field for each of ``kinds`` (the
    posted values when there are some, else ``settings``)."""
    class Form(NoticeForm):
        def values(self):
            return {kind: (self[f"{kind}_on"].data, self[f"{kind}_template_id"].data) for kind in kinds}
    for kind in kinds:
        setattr(Form, f"{kind}_on", BooleanField(default=settings[kind]["on"]))
        setattr(Form, f"{kind}_template_id", StringField(_l("Template ID"), default=settings[kind]["template_id"]))
    return Form()


class PushForm(ReplyFields):
    day = DateField(_l("Day"))
    slot = SelectField(_l("Time"), choices=_choices(slot_choices))


class MenuForm(FlaskForm):
    """The menu editor: its CSRF token, its rows (``menu_rows``) and which button was pressed."""

    def rows(self):
        return menu_rows(request.form)

    def publish(self):
        return request.form.get("publish") == "1"


def menu_rows(formdata):
    """The editor's rows as ``clean_menu`` takes them: ``b<i>_name``/``_type``/``_value`` for a
    top button, ``b<i>_s<j>_…`` for its sub-buttons, in the order posted."""
    def row(prefix):
        return {"name": formdata.get(f"{prefix}_name", ""), "type": formdata.get(f"{prefix}_type", ""),
                "value": formdata.get(f"{prefix}_value", "")}
    buttons = []
    for top in range(MAX_TOP + 1):  # one more than allowed: a forged extra row is refused, not dropped
        button = row(f"b{top}")
        button["sub"] = [row(f"b{top}_s{sub}") for sub in range(MAX_SUB + 1)]
        buttons.append(button)
    return buttons
