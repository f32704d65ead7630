"""What the official account's verbs refuse. WeChat's own refusals are ``WeChatOpenError``
(an errcode) and ``OutcomeUnknown`` (no answer) of ``channels.wechat_open.errors``."""
from core.errors import DomainError


class OfficialAccountRefused(DomainError):
    """Input the account, its menu or its replies cannot take; ``field`` names the form field."""


class NotBound(DomainError):
    """The store has not bound an official account yet."""

    status = 409
