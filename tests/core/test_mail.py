"""Real e-mail: ``MAIL_URL`` names an SMTP server and the existing sender delivers through it;
without it, the development outbox stays."""
from email.header import decode_header, make_header

import pytest
from sqlalchemy import select

from billing.mail import send_email
from billing.models import OutboxEmail
from core.extensions import db
from core.mail import MailConfigError, parse_mail_url, send_smtp
from core.tenancy import tenant_context


def test_mail_urls_name_the_server_the_login_and_tls():
    assert parse_mail_url("smtp://mail.example:2525") == ("smtp", "mail.example", 2525, None, None, False)
    assert parse_mail_url("smtp://mail.example?starttls=1") == ("smtp", "mail.example", 25, None, None, True)
    assert parse_mail_url("smtps://user%40corp:p%3Ass@smtp.example") == (
        "smtps", "smtp.example", 465, "user@corp", "p:ss", False)


@pytest.mark.parametrize("url", ["", "http://mail.example", "smtp://", "mail.example:25"])
def test_a_mail_url_that_names_no_smtp_server_is_refused_clearly(url):
    with pytest.raises(MailConfigError, match="MAIL_URL"):
        parse_mail_url(url)


def test_the_sender_delivers_through_the_smtp_server_when_mail_url_is_set(app_ctx, smtp_server):
    send_email("merchant@example.com", "账单提醒", "您的账单已出。\nInvoice ready.")
    (message,) = smtp_server.messages
    assert message["To"] == "merchant@example.com"
    assert str(make_header(decode_header(message["Subject"]))) == "账单提醒"
    assert "no-reply@duoshop.test" in message["From"]
    assert "您的账单已出" in message.get_payload(decode=True).decode("utf-8")


def test_smtp_login_comes_from_the_url(app_ctx, smtp_server):
    app_ctx.config["MAIL_URL"] = smtp_server.url.replace("smtp://", "smtp://mailer:s3cret%3Apass@")
    send_smtp("ops@example.com", "hello", "body")
    assert smtp_server.logins == [("mailer", "s3cret:pass")]
    assert len(smtp_server.messages) == 1


def test_without_mail_url_a_store_email_stays_in_the_development_outbox(app_ctx, shop):
    demo = shop[0]
    assert not app_ctx.config.get("MAIL_URL")
    with tenant_context(demo.id):
        send_email("owner@demo.example.com", "subject", "body")
        assert db.session.scalars(select(OutboxEmail.to)).all() == ["owner@demo.example.com"]


def test_an_unreachable_server_raises_so_the_job_retries(app_ctx, smtp_server):
    app_ctx.config["MAIL_URL"] = "smtp://127.0.0.1:1"
    with pytest.raises(OSError):
        send_smtp("ops@example.com", "hello", "body")
