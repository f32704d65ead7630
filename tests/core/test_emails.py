"""The one e-mail rule (core.emails): real addresses everywhere; the reserved test domains
only in development and tests."""
import pytest

from core.config import BaseConfig, DevelopmentConfig, ProductionConfig
from core.emails import InvalidEmail, normalize_email


@pytest.mark.parametrize("typed, kept", [
    ("Wang@Example.com", "wang@example.com"),
    ("  li@shop.cn ", "li@shop.cn"),
    ("owner@demo.test", "owner@demo.test"),
    ("dev@localhost", "dev@localhost"),
    ("a.b+c@sub.shop.localhost", "a.b+c@sub.shop.localhost"),
    ("someone@mail.example", "someone@mail.example"),
])
def test_addresses_and_test_domains_are_accepted_where_test_domains_are_allowed(app_ctx, typed, kept):
    assert normalize_email(typed) == kept


@pytest.mark.parametrize("typed", ["not-an-email", "@demo.test", "owner@", "a b@shop.cn", "owner@demo..test",
                                   "x@.test", "owner@shop.invalid", "owner@shop.onion", ""])
def test_what_is_not_an_address_is_refused_everywhere(app_ctx, typed):
    with pytest.raises(InvalidEmail) as refusal:
        normalize_email(typed)
    assert refusal.value.field == "email"


@pytest.mark.parametrize("typed", ["owner@demo.test", "dev@localhost", "a@shop.localhost", "someone@mail.example"])
def test_production_refuses_the_reserved_test_domains(app_ctx, typed):
    with pytest.raises(InvalidEmail, match="reserved for testing"):
        normalize_email(typed, allow_test_domains=False)


def test_test_domains_follow_debug_testing_or_the_flag(app, monkeypatch):
    monkeypatch.setitem(app.config, "TESTING", False)
    monkeypatch.setitem(app.config, "ALLOW_TEST_EMAIL_DOMAINS", False)
    with app.app_context():
        with pytest.raises(InvalidEmail):
            normalize_email("owner@demo.test")
        app.config["ALLOW_TEST_EMAIL_DOMAINS"] = True
        assert normalize_email("owner@demo.test") == "owner@demo.test"
        assert normalize_email("wang@example.com") == "wang@example.com"


def test_the_refusal_names_the_field_it_belongs_to(app_ctx):
    with pytest.raises(InvalidEmail) as refusal:
        normalize_email("nope", field="contact_email")
    assert refusal.value.field == "contact_email"


def test_development_allows_the_demo_addresses_and_production_does_not():
    assert DevelopmentConfig.ALLOW_TEST_EMAIL_DOMAINS is True
    assert ProductionConfig.ALLOW_TEST_EMAIL_DOMAINS is False
    assert BaseConfig.ALLOW_TEST_EMAIL_DOMAINS is False
