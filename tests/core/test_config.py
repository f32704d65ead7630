"""Configuration: safe development defaults, production refuses unsafe ones."""
import pytest

from core.config import DEV_SECRET_KEY, ENVIRONMENT_KEYS, ConfigError, normalize_database_url
from duoshop.app import create_app

STRONG_KEY = "k" * 48
PII_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
PG_URL = "postgresql://app@db.internal/duoshop"
PLATFORM_URL = "postgresql://platform@db.internal/duoshop"
LIMITER_SETTINGS = {}


@pytest.fixture(autouse=True)
def same_rate_limit_storage(app_overrides):
    """The limiter is one object per process: every app built here must keep the storage
    the rest of the suite uses, or it would be pointed elsewhere."""
    global LIMITER_SETTINGS
    LIMITER_SETTINGS = {key: app_overrides[key] for key in ("RATELIMIT_STORAGE_URI", "RATELIMIT_KEY_PREFIX")}


def production(**overrides):
    settings = {"SECRET_KEY": STRONG_KEY, "SQLALCHEMY_DATABASE_URI": PG_URL, "PII_ENCRYPTION_KEY": PII_KEY,
                "DATABASE_PLATFORM_URL": PLATFORM_URL, **LIMITER_SETTINGS}
    settings.update(overrides)
    return create_app("production", overrides=settings)


@pytest.mark.parametrize("overrides, complaint", [
    ({"SECRET_KEY": DEV_SECRET_KEY}, "SECRET_KEY"),
    ({"SECRET_KEY": "short"}, "SECRET_KEY"),
    ({"SQLALCHEMY_DATABASE_URI": None}, "DATABASE_URL"),
    ({"SQLALCHEMY_DATABASE_URI": "sqlite:///x.db"}, "PostgreSQL"),
    ({"PII_ENCRYPTION_KEY": None}, "PII_ENCRYPTION_KEY"),
    ({"DATABASE_PLATFORM_URL": None}, "DATABASE_PLATFORM_URL"),
])
def test_production_refuses_to_start_with_unsafe_settings(overrides, complaint):
    with pytest.raises(ConfigError, match=complaint):
        production(**overrides)


def test_production_with_real_settings_starts_with_secure_cookies():
    app = production()
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_DOMAIN"] is False
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert app.config["SQLALCHEMY_BINDS"] == {"platform": {"url": "postgresql+psycopg://platform@db.internal/duoshop",
                                                           "pool_recycle": 300}}


def test_development_defaults_need_nothing_but_python(monkeypatch):
    for variable in ENVIRONMENT_KEYS:
        monkeypatch.delenv(variable, raising=False)
    app = create_app("development", overrides=LIMITER_SETTINGS)
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["JOB_MODE"] == "thread"
    assert not app.debug


def test_environment_variables_configure_the_app(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://shop@db/duoshop")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/2")
    monkeypatch.setenv("PLATFORM_DOMAIN", "duoshop.cn")
    monkeypatch.setenv("TRIAL_DAYS", "30")
    app = create_app("development", overrides=LIMITER_SETTINGS)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://shop@db/duoshop"
    assert (app.config["JOB_MODE"], app.config["REDIS_URL"]) == ("rq", "redis://cache:6379/2")
    assert (app.config["PLATFORM_DOMAIN"], app.config["TRIAL_DAYS"]) == ("duoshop.cn", 30)


def test_unknown_environment_name_is_refused():
    with pytest.raises(ConfigError, match="unknown DUOSHOP_ENV"):
        create_app("staging-typo", overrides=LIMITER_SETTINGS)


@pytest.mark.parametrize("url, expected", [
    ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ("sqlite:///x.db", "sqlite:///x.db"),
])
def test_database_urls_use_psycopg3(url, expected):
    assert normalize_database_url(url) == expected


def test_rate_limit_storage_defaults_to_redis_when_configured(monkeypatch):
    from core.config import DevelopmentConfig

    class FakeApp:
        instance_path = "/tmp"
        config = {"SQLALCHEMY_DATABASE_URI": None, "MIGRATION_DATABASE_URL": None, "JOB_MODE": None,
                  "REDIS_URL": "redis://cache:6379/2", "RATELIMIT_STORAGE_URI": None}

    DevelopmentConfig.finalize(FakeApp)
    assert FakeApp.config["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/2"
    assert FakeApp.config["JOB_MODE"] == "rq"


def test_behind_a_trusted_proxy_the_forwarded_client_address_is_used(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    app = create_app("development", overrides={**LIMITER_SETTINGS, "JOB_MODE": "eager"})  # no relay thread

    @app.route("/whoami-for-test")
    def whoami():
        from flask import request

        return request.remote_addr

    response = app.test_client().get("/whoami-for-test", headers={"Host": "localhost:5000", "X-Forwarded-For": "203.0.113.9"})
    assert response.get_data(as_text=True) == "203.0.113.9"
