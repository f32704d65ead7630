"""The account's custom menu (自定义菜单): up to 3 top buttons, each either an action or up to
5 sub-buttons. An action opens a store page, product, category, 全部商品, 个人中心, a
mini-program page or an https URL (``view`` / ``miniprogram`` buttons), or sends a keyword
(``click``: the auto-replies answer it). A new account starts from the seed's 功能前置 menu:
首页 / 分类 / 个人中心.

WeChat's limits are checked before anything is sent: a top name at most 16 bytes (5 Chinese
characters), a sub-button's 60, a key 128, a URL 1024. Publishing sends the whole menu to
``cgi-bin/menu/create``, which replaces the account's menu: sending it again is harmless, so
a publish that timed out is simply pressed again."""
from flask_babel import lazy_gettext as _l

from channels.wechat_mp import client
from channels.wechat_mp.errors import NotBound, OfficialAccountRefused
from channels.wechat_mp.links import PATHS, clean_target, target_choices, target_url
from channels.wechat_mp.tokens import with_token
from core.audit import record_audit
from core.extensions import db
from core.models import utcnow
from tenants.queries import store_mini_programs

MAX_TOP, MAX_SUB = 3, 5
TOP_NAME_BYTES, SUB_NAME_BYTES, KEY_BYTES = 16, 60, 128
ACTIONS = (*PATHS, "miniprogram", "keyword")


def default_menu():
    return [{"name": "首页", "action": {"type": "home", "value": ""}},
            {"name": "分类", "action": {"type": "catalog", "value": ""}},
            {"name": "个人中心", "action": {"type": "member", "value": ""}}]


def action_choices():
    return [*target_choices(), ("miniprogram", _l("Mini-program page")), ("keyword", _l("Send a keyword"))]


def menu_of(account):
    return account.menu if account is not None and account.menu else default_menu()


def _clean_action(kind, value, where):
    value = (value or "").strip()
    if kind == "keyword":
        if not value or len(value.encode()) > KEY_BYTES:
            raise OfficialAccountRefused(_l("%(where)s: enter the keyword it sends (at most 128 bytes).",
                                            where=where), field="menu")
        return {"type": "keyword", "value": value}
    if kind == "miniprogram":
        if not value or len(value) > 200:
            raise OfficialAccountRefused(_l("%(where)s: enter the mini-program page, like pages/index/index.",
                                            where=where), field="menu")
        if not store_mini_programs():
            raise OfficialAccountRefused(_l("%(where)s: bind your mini-program in Settings first.", where=where),
                                         field="menu")
        return {"type": "miniprogram", "value": value.lstrip("/")}
    try:
        return clean_target(kind, value, field="menu")
    except OfficialAccountRefused as refusal:
        raise OfficialAccountRefused(_l("%(where)s: %(problem)s", where=where, problem=refusal.message),
                                     field="menu") from None


def clean_menu(buttons):
    """The menu document from the editor's rows: ``[{"name", "type", "value", "sub": [...]}]``
    (rows without a name are left out).

    :raise OfficialAccountRefused: a limit of WeChat's, naming the button
    """
    menu = []
    tops = [button for button in buttons if (button.get("name") or "").strip()]
    if not tops:
        raise OfficialAccountRefused(_l("Give the menu at least one button."), field="menu")
    if len(tops) > MAX_TOP:
        raise OfficialAccountRefused(_l("At most 3 buttons on the menu bar."), field="menu")
    for number, button in enumerate(tops, 1):
        name = button["name"].strip()
        where = _l("Button %(n)s", n=number)
        if len(name.encode()) > TOP_NAME_BYTES:
            raise OfficialAccountRefused(_l("%(where)s: the name is at most 16 bytes (5 Chinese characters).",
                                            where=where), field="menu")
        subs = [sub for sub in button.get("sub") or () if (sub.get("name") or "").strip()]
        if len(subs) > MAX_SUB:
            raise OfficialAccountRefused(_l("%(where)s: at most 5 sub-buttons.", where=where), field="menu")
        if not subs:
            menu.append({"name": name, "action": _clean_action(button.get("type"), button.get("value"), where)})
            continue
        cleaned = []
        for sub_number, sub in enumerate(subs, 1):
            sub_name = sub["name"].strip()
            sub_where = _l("Button %(n)s-%(m)s", n=number, m=sub_number)
            if len(sub_name.encode()) > SUB_NAME_BYTES:
                raise OfficialAccountRefused(_l("%(where)s: the name is at most 60 bytes (20 Chinese characters).",
                                                where=sub_where), field="menu")
            cleaned.append({"name": sub_name, "action": _clean_action(sub.get("type"), sub.get("value"), sub_where)})
        menu.append({"name": name, "sub": cleaned})
    return menu


def save_menu(account, buttons, *, actor):
    """Keep the edited menu (not yet on WeChat); returns it.

    :raise NotBound, OfficialAccountRefused:
    """
    if account is None:
        raise NotBound(_l("Bind your official account first."))
    account.menu = clean_menu(buttons)
    db.session.flush()
    record_audit("official_account.menu_saved", actor=actor, target=account)
    return account.menu


def wechat_buttons(menu):
    """The menu as ``cgi-bin/menu/create`` takes it."""
    return [{"name": button["name"], "sub_button": [_wechat_button(sub) for sub in button["sub"]]}
            if button.get("sub") else _wechat_button(button) for button in menu]


def _wechat_button(button):
    action, name = button["action"], button["name"]
    if action["type"] == "keyword":
        return {"type": "click", "name": name, "key": action["value"]}
    if action["type"] == "miniprogram":
        return {"type": "miniprogram", "name": name, "url": target_url({"type": "home"}),
                "appid": store_mini_programs()[0].appid, "pagepath": action["value"]}
    return {"type": "view", "name": name, "url": target_url(action)}


def publish_menu(account, *, actor, now=None):
    """Send the saved menu (or the default one) to WeChat.

    :raise NotBound: no account
    :raise WeChatOpenError, OutcomeUnknown: WeChat refused or did not answer (press again)
    """
    if account is None:
        raise NotBound(_l("Bind your official account first."))
    menu = menu_of(account)
    buttons = wechat_buttons(menu)
    with_token(account, lambda token: client.create_menu(token, buttons))
    account.menu, account.menu_published_at = menu, now or utcnow()
    db.session.flush()
    record_audit("official_account.menu_published", actor=actor, target=account,
                 details={"buttons": [button["name"] for button in menu]})
