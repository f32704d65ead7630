"""The store's official account (公众号) in the console: binding (owners and admins: the
secrets are the account's keys) with the message URL to copy into WeChat, template-message
switches, auto-replies, the custom menu editor and scheduled pushes."""
from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from builder.blueprints import console_bp
from builder.forms.official_account import (
    AccountForm,
    MenuForm,
    PushForm,
    ReplyFields,
    RuleForm,
    notice_form,
)
from builder.views.catalog import require_editor
from channels.wechat_mp.accounts import account_of, bind_account, message_url
from channels.wechat_mp.menus import action_choices, menu_of, publish_menu, save_menu
from channels.wechat_mp.models import KeywordRule, Push
from channels.wechat_mp.notices import KINDS, notice_labels, notice_settings, save_notices
from channels.wechat_mp.pushes import cancel_push, schedule_push, store_pushes
from channels.wechat_mp.replies import add_rule, clean_reply, delete_rule, save_reply, store_rules
from core.extensions import db
from core.refusals import Attempt

HOME = "console.official_account"


def _actor():
    return current_user._get_current_object()


def _render_overview(account_form=None, notices=None, status=200):
    account = account_of()
    settings = notice_settings(account)
    return render_template("builder/official_account/overview.html", account=account,
                           account_form=account_form or AccountForm(appid=account.appid if account else ""),
                           notices=notices or notice_form(KINDS, settings), kinds=KINDS, labels=notice_labels(),
                           message_url=message_url(g.tenant.id), can_bind=current_user.can_manage_staff(),
                           can_edit=current_user.can_edit()), status


@console_bp.route("/official-account")
def official_account():
    return _render_overview()


@console_bp.route("/official-account", methods=["POST"])
def official_account_bind():
    if not current_user.can_manage_staff():
        abort(403)  # the AppSecret acts as the account
    form = AccountForm()
    if not form.validate_on_submit():
        return _render_overview(account_form=form, status=422)
    with Attempt(form, field="appid") as attempt:
        bind_account(actor=_actor(), appid=form.appid.data, app_secret=form.app_secret.data, token=form.token.data,
                     encoding_aes_key=form.encoding_aes_key.data)
    if attempt.refused:
        return _render_overview(account_form=form, status=attempt.status)
    flash(_("Official account bound. Paste the message URL and token into WeChat's console."), "success")
    return redirect(url_for(HOME))


@console_bp.route("/official-account/notices", methods=["POST"])
def official_account_notices():
    require_editor()
    account = account_of()
    form = notice_form(KINDS, notice_settings(account))
    if not form.validate_on_submit():
        return _render_overview(notices=form, status=422)
    with Attempt(form) as attempt:
        save_notices(account, form.values(), actor=_actor())
    if attempt.refused:
        return _render_overview(notices=form, status=attempt.status)
    flash(_("Message notices saved."), "success")
    return redirect(url_for(HOME) + "#notices")


# — auto-replies —

def _reply_form(prefix, reply):
    reply = reply or {}
    target = reply.get("target") or {}
    return ReplyFields(prefix=prefix, kind=reply.get("kind", "text"), text=reply.get("text", ""),
                       media_id=reply.get("media_id", ""), title=reply.get("title", ""),
                       description=reply.get("description", ""), picture_url=reply.get("picture_url", ""),
                       target_type=target.get("type", "home"), target_value=target.get("value", ""))


def _render_replies(forms=None, status=200):
    account = account_of()
    forms = forms or {}
    return render_template("builder/official_account/replies.html", account=account, rules=store_rules(),
                           subscribe_form=forms.get("subscribe") or _reply_form("subscribe", account and account.subscribe_reply),
                           default_form=forms.get("default") or _reply_form("default", account and account.default_reply),
                           rule_form=forms.get("rule") or RuleForm(prefix="rule"),
                           can_edit=current_user.can_edit()), status


@console_bp.route("/official-account/replies")
def official_account_replies():
    return _render_replies()


@console_bp.route("/official-account/replies/<any(subscribe, default):which>", methods=["POST"])
def official_account_reply_save(which):
    require_editor()
    form = ReplyFields(prefix=which)
    if not form.validate_on_submit():
        return _render_replies({which: form}, 422)
    with Attempt(form) as attempt:
        save_reply(account_of(), which, clean_reply(form.kind.data, optional=True, **form.reply_values()),
                   actor=_actor())
    if attempt.refused:
        return _render_replies({which: form}, attempt.status)
    flash(_("Reply saved."), "success")
    return redirect(url_for("console.official_account_replies"))


@console_bp.route("/official-account/replies/rules", methods=["POST"])
def official_account_rule_add():
    require_editor()
    form = RuleForm(prefix="rule")
    if not form.validate_on_submit():
        return _render_replies({"rule": form}, 422)
    with Attempt(form, field="name") as attempt:
        add_rule(actor=_actor(), name=form.name.data, match=form.match.data, keywords=form.keywords.data,
                 reply=clean_reply(form.kind.data, **form.reply_values()))
    if attempt.refused:
        return _render_replies({"rule": form}, attempt.status)
    flash(_("Keyword rule added."), "success")
    return redirect(url_for("console.official_account_replies"))


@console_bp.route("/official-account/replies/rules/<int:rule_id>/delete", methods=["POST"])
def official_account_rule_delete(rule_id):
    require_editor()
    rule = db.session.get(KeywordRule, rule_id) or abort(404)
    with Attempt():
        delete_rule(rule, actor=_actor())
    flash(_("Keyword rule deleted."), "success")
    return redirect(url_for("console.official_account_replies"))


# — menu —

def _render_menu(menu=None, status=200, form=None):
    account = account_of()
    return render_template("builder/official_account/menu.html", account=account, form=form or MenuForm(),
                           menu=menu if menu is not None else menu_of(account), choices=action_choices(),
                           can_edit=current_user.can_edit()), status


@console_bp.route("/official-account/menu")
def official_account_menu():
    return _render_menu()


@console_bp.route("/official-account/menu", methods=["POST"])
def official_account_menu_save():
    require_editor()
    form = MenuForm()
    rows = form.rows()
    if not form.validate_on_submit():
        return _render_menu(_as_menu(rows), 422, form)
    publish = form.publish()
    with Attempt(flash=False) as attempt:
        account = account_of()
        save_menu(account, rows, actor=_actor())
        if publish:
            publish_menu(account, actor=_actor())
    if attempt.refused:
        return render_template("builder/official_account/menu.html", account=account_of(), form=form,
                               menu=_as_menu(rows), choices=action_choices(), error=attempt.refusal.message,
                               can_edit=True), attempt.status
    flash(_("Menu published to WeChat.") if publish else _("Menu saved. Publish it to show it in WeChat."), "success")
    return redirect(url_for("console.official_account_menu"))


def _as_menu(rows):
    """The posted rows shown again as the editor's document (a refused menu is not lost)."""
    def action(row):
        return {"type": row["type"], "value": row["value"]}
    menu = []
    for row in rows[:3]:
        subs = [{"name": sub["name"], "action": action(sub)} for sub in row["sub"][:5] if sub["name"].strip()]
        menu.append({"name": row["name"], "sub": subs} if subs else {"name": row["name"], "action": action(row)})
    return menu


# — pushes —

def _render_pushes(form=None, status=200):
    return render_template("builder/official_account/pushes.html", account=account_of(), pushes=store_pushes(),
                           form=form or PushForm(), can_edit=current_user.can_edit(),
                           SCHEDULED=Push.SCHEDULED), status


@console_bp.route("/official-account/pushes")
def official_account_pushes():
    return _render_pushes()


@console_bp.route("/official-account/pushes", methods=["POST"])
def official_account_push_schedule():
    require_editor()
    form = PushForm()
    if not form.validate_on_submit():
        return _render_pushes(form, 422)
    with Attempt(form, field="title") as attempt:
        values = form.reply_values()
        target = clean_reply("news", **values)["target"]
        schedule_push(actor=_actor(), title=values["title"], description=values["description"],
                      picture_url=values["picture_url"], target=target, day=form.day.data, slot=form.slot.data)
    if attempt.refused:
        return _render_pushes(form, attempt.status)
    flash(_("Push scheduled."), "success")
    return redirect(url_for("console.official_account_pushes"))


@console_bp.route("/official-account/pushes/<int:push_id>/cancel", methods=["POST"])
def official_account_push_cancel(push_id):
    require_editor()
    push = db.session.get(Push, push_id) or abort(404)
    with Attempt():
        cancel_push(push, actor=_actor())
    return redirect(url_for("console.official_account_pushes"))
