"""Where a ``next`` parameter may send the browser: a page of this host, never elsewhere.

``safe_next(url, fallback)`` is the one check for every ``next`` in the code base (the
language switch, the console's, the platform's and the store's sign-in). Browsers forgive a
lot in a ``Location``: they drop tabs and newlines anywhere (``/\\t/evil.example`` becomes
``//evil.example``), read a backslash as a slash, and take ``//host`` as another site. So
the value is refused outright — the fallback is used — when it holds any control character,
whitespace or backslash (raw or percent-encoded), names another scheme or host, or is
scheme-relative; what passes is a path of this host (an absolute URL naming this host is
cut to its path).
"""
import unicodedata
from urllib.parse import unquote, urlsplit, urlunsplit

from flask import request

_UNQUOTE_ROUNDS = 3  # "%25%30%39" is a tab after three rounds; more nesting is refused


def safe_next(url, fallback):
    """``url`` as a path of this host when it is one, else ``fallback``."""
    if not isinstance(url, str) or not url or len(url) > 2048:
        return fallback
    decoded = _fully_unquoted(url)
    if decoded is None or not _is_plain(url) or not _is_plain(decoded):
        return fallback
    try:
        parts = urlsplit(url)
    except ValueError:
        return fallback
    if parts.scheme or parts.netloc:
        if parts.scheme not in ("http", "https") or parts.netloc.lower() != request.host.lower():
            return fallback
        url = urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))
        decoded = _fully_unquoted(url)
    if not url.startswith("/") or url.startswith("//") or decoded.startswith("//"):
        return fallback
    return url


def _fully_unquoted(url):
    for _round in range(_UNQUOTE_ROUNDS):
        decoded = unquote(url)
        if decoded == url:
            return decoded
        url = decoded
    return None if "%" in url and unquote(url) != url else url


def _is_plain(text):
    """No control, format or separator characters (tab, newline, NUL, U+200B, U+3000…), no
    whitespace at all and no backslash."""
    return not any(ch == "\\" or ch.isspace() or unicodedata.category(ch)[0] in "CZ" for ch in text)
