"""What the account answers: the subscribe reply, keyword rules and the default reply.

A reply is ``{"kind": "text", "text"}``, ``{"kind": "image", "media_id"}`` (an image of the
account's WeChat material library) or ``{"kind": "news", "title", "description",
"picture_url", "target"}`` (a card opening a store page or product). A message is matched
against every rule's keywords exactly first, then by containing a keyword (oldest rule
first); nothing matched gets the default reply, which may be none."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from channels.wechat_mp.errors import NotBound, OfficialAccountRefused
from channels.wechat_mp.links import clean_target
from channels.wechat_mp.models import KeywordRule
from core.audit import record_audit
from core.extensions import db

KINDS = ("text", "image", "news")
MAX_TEXT = 600  # characters: WeChat takes 2048 bytes of a passive text reply
MAX_KEYWORDS = 10


def reply_kinds():
    return [("text", _l("Text")), ("image", _l("Image")), ("news", _l("News card"))]


def clean_reply(kind, *, text="", media_id="", title="", description="", picture_url="", target_type="",
                target_value="", optional=False):
    """A reply dict from a form's values; None when ``optional`` and nothing is given.

    :raise OfficialAccountRefused: on the field at fault
    """
    text, media_id, title = (text or "").strip(), (media_id or "").strip(), (title or "").strip()
    description, picture_url = (description or "").strip(), (picture_url or "").strip()
    if kind not in KINDS:
        raise OfficialAccountRefused(_l("Choose the kind of reply."), field="kind")
    if kind == "text":
        if not text:
            if optional:
                return None
            raise OfficialAccountRefused(_l("Write the reply."), field="text")
        if len(text) > MAX_TEXT:
            raise OfficialAccountRefused(_l("At most %(count)s characters.", count=MAX_TEXT), field="text")
        return {"kind": "text", "text": text}
    if kind == "image":
        if not media_id or len(media_id) > 128:
            raise OfficialAccountRefused(_l("Enter the image's MediaId from the account's material library."),
                                         field="media_id")
        return {"kind": "image", "media_id": media_id}
    if not title or len(title) > 64:
        raise OfficialAccountRefused(_l("Give the card a title of at most 64 characters."), field="title")
    if picture_url and not picture_url.startswith(("https://", "http://", "/")):
        raise OfficialAccountRefused(_l("Enter the picture's web address."), field="picture_url")
    return {"kind": "news", "title": title, "description": description[:120], "picture_url": picture_url,
            "target": clean_target(target_type, target_value, field="target_value")}


def add_rule(*, actor, name, match, keywords, reply):
    """A new keyword rule; ``keywords`` one a line (or separated by commas).

    :raise OfficialAccountRefused: no name, no keyword, too many
    """
    name = (name or "").strip()
    words = [word.strip() for line in (keywords or "").replace("，", ",").splitlines()
             for word in line.split(",") if word.strip()]
    if not name or len(name) > 60:
        raise OfficialAccountRefused(_l("Name the rule (at most 60 characters)."), field="name")
    if match not in (KeywordRule.EXACT, KeywordRule.CONTAINS):
        raise OfficialAccountRefused(_l("Choose how keywords match."), field="match")
    if not words:
        raise OfficialAccountRefused(_l("Enter at least one keyword."), field="keywords")
    if len(words) > MAX_KEYWORDS or any(len(word) > 30 for word in words):
        raise OfficialAccountRefused(_l("At most %(count)s keywords of 30 characters each.", count=MAX_KEYWORDS),
                                     field="keywords")
    rule = KeywordRule(name=name, match=match, keywords="\n".join(dict.fromkeys(words)), reply=reply)
    db.session.add(rule)
    db.session.flush()
    record_audit("official_account.reply_rule_added", actor=actor, target=rule, details={"name": name})
    return rule


def delete_rule(rule, *, actor):
    db.session.execute(delete(KeywordRule).where(KeywordRule.id == rule.id))
    record_audit("official_account.reply_rule_deleted", actor=actor, target=rule, details={"name": rule.name})


def store_rules():
    return db.session.scalars(select(KeywordRule).order_by(KeywordRule.id)).all()


def match_reply(text, rules, default=None):
    """The reply to a message reading ``text``: an exact keyword first, then a contained one."""
    said = (text or "").strip().lower()
    if not said:
        return default
    for rule in rules:
        if said in (word.lower() for word in rule.keyword_list()):
            return rule.reply
    for rule in rules:
        if rule.match == KeywordRule.CONTAINS and any(word.lower() in said for word in rule.keyword_list()):
            return rule.reply
    return default


def save_reply(account, which, reply, *, actor):
    """Set the account's ``subscribe`` or ``default`` reply (None: no reply).

    :raise NotBound: no account
    """
    if account is None:
        raise NotBound(_l("Bind your official account first."))
    setattr(account, f"{which}_reply", reply)
    db.session.flush()
    record_audit(f"official_account.{which}_reply_saved", actor=actor, target=account)
