"""Real e-mail over SMTP, for the senders that have a message to deliver (``billing.mail``).

``MAIL_URL`` names the server: ``smtp://host:port`` (plain, STARTTLS when the server offers
it and the URL says ``?starttls=1``), ``smtps://user:password@host:port`` (TLS from the
start); user and password are percent-decoded. ``MAIL_FROM`` is the sender address.
"""
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app

SCHEMES = {"smtp": 25, "smtps": 465}


class MailConfigError(ValueError):
    """``MAIL_URL`` is not a URL this module can send through."""


def parse_mail_url(url):
    """``(scheme, host, port, user, password, starttls)`` of a ``MAIL_URL``."""
    parts = urlsplit(url or "")
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise MailConfigError(f"MAIL_URL must look like smtp://host:port or smtps://user:pass@host:port, "
                              f"not {parts.scheme or '(no scheme)'}://…")
    starttls = parse_qs(parts.query).get("starttls", ["0"])[0] in ("1", "true", "yes")
    return (parts.scheme, parts.hostname, parts.port or SCHEMES[parts.scheme],
            unquote(parts.username) if parts.username else None,
            unquote(parts.password) if parts.password else None, starttls)


def send_smtp(to, subject, body):
    """Deliver one plain-text message through ``MAIL_URL``; raises ``smtplib.SMTPException``
    or ``OSError`` when the server refuses or cannot be reached (a job retries)."""
    config = current_app.config
    scheme, host, port, user, password, starttls = parse_mail_url(config.get("MAIL_URL"))
    sender = config.get("MAIL_FROM") or f"no-reply@{config['PLATFORM_DOMAIN'].split(':')[0]}"
    message = EmailMessage()
    message["From"] = formataddr(("Duoshop", sender))
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(body)
    timeout = config.get("MAIL_TIMEOUT", 10)
    if scheme == "smtps":
        connection = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        connection = smtplib.SMTP(host, port, timeout=timeout)
    with connection:
        if starttls:
            connection.starttls(context=ssl.create_default_context())
        if user:
            connection.login(user, password or "")
        connection.send_message(message)
