"""Configuration, read from environment variables with safe development defaults.

One class per environment; ``create_app`` picks one by ``DUOSHOP_ENV``. Production
refuses to start with the development secret key or without a real database.
"""
import os

from redis.backoff import NoBackoff
from redis.retry import Retry

from core.database import PLATFORM_BIND, REPLICA_BIND

# The largest image a merchant or shopper may upload (core.storage refuses larger ones, the
# browser checks before sending, and the 413 answer states it).
MAX_IMAGE_MB = 5

DEV_SECRET_KEY = "dev-only-secret-key-change-me"
# 32 zero-ish bytes in url-safe base64: fine on a laptop, refused in production.
DEV_PII_KEY = "ZGV2LW9ubHktcGlpLWtleS0zMi1ieXRlcy1sb25nISE="


class ConfigError(RuntimeError):
    """The environment does not describe a safe configuration."""


def _env(name, default=None):
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _sqlite_url(instance_path, filename):
    return "sqlite:///" + os.path.join(instance_path, filename)


# Environment variable → config key. Read when the app is created, not at import.
ENVIRONMENT_KEYS = {
    "SECRET_KEY": "SECRET_KEY",
    "PII_ENCRYPTION_KEY": "PII_ENCRYPTION_KEY",
    "PLATFORM_DOMAIN": "PLATFORM_DOMAIN",
    "PREFERRED_URL_SCHEME": "PREFERRED_URL_SCHEME",
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "MIGRATION_DATABASE_URL": "MIGRATION_DATABASE_URL",
    "DATABASE_PLATFORM_URL": "DATABASE_PLATFORM_URL",
    "DATABASE_REPLICA_URL": "DATABASE_REPLICA_URL",
    "DATABASE_TRANSACTION_POOLER": "DATABASE_TRANSACTION_POOLER",
    "REDIS_URL": "REDIS_URL",
    "JOB_MODE": "JOB_MODE",
    "RQ_QUEUE_PREFIX": "RQ_QUEUE_PREFIX",
    "RATELIMIT_STORAGE_URI": "RATELIMIT_STORAGE_URI",
    "LOGIN_RATE_LIMIT": "LOGIN_RATE_LIMIT",
    "SIGNUP_RATE_LIMIT": "SIGNUP_RATE_LIMIT",
    "TRIAL_DAYS": "TRIAL_DAYS",
    "LOG_LEVEL": "LOG_LEVEL",
    "TRUSTED_PROXIES": "TRUSTED_PROXIES",
    "MEDIA_ROOT": "MEDIA_ROOT",
    "PRIVATE_ROOT": "PRIVATE_ROOT",
    "MEDIA_STORAGE": "MEDIA_STORAGE",
    **{name: name for name in ("MEDIA_S3_BUCKET", "MEDIA_S3_ENDPOINT_URL", "MEDIA_S3_REGION", "MEDIA_S3_ADDRESSING_STYLE",
                               "MEDIA_S3_ACCESS_KEY_ID", "MEDIA_S3_SECRET_ACCESS_KEY")},
    "BENCH_ROUTES": "BENCH_ROUTES",
    "SUPPORT_EMAIL": "SUPPORT_EMAIL",
    "ALLOW_TEST_EMAIL_DOMAINS": "ALLOW_TEST_EMAIL_DOMAINS",
    # Keys of one run on a shared Redis (the fault harness runs beside others' processes).
    "CACHE_KEY_PREFIX": "CACHE_KEY_PREFIX",
    "RATELIMIT_KEY_PREFIX": "RATELIMIT_KEY_PREFIX",
}
# WeChat Pay: sandbox switch, where the API lives, the platform's service-provider keys.
ENVIRONMENT_KEYS.update({name: name for name in (
    "WECHATPAY_SANDBOX", "WECHATPAY_SANDBOX_URL", "WECHATPAY_SANDBOX_PLATFORM_KEY", "WECHATPAY_SANDBOX_SEED",
    "WECHATPAY_BASE_URL", "WECHATPAY_TIMEOUT", "WECHATPAY_SP_MCHID", "WECHATPAY_SP_APPID",
    "WECHATPAY_SP_PRIVATE_KEY", "WECHATPAY_SP_CERT_SERIAL_NO", "WECHATPAY_SP_APIV3_KEY",
    "WECHATPAY_PUBLIC_KEY", "WECHATPAY_PUBLIC_KEY_ID", "PAYMENT_NOTIFY_BASE_URL")})
# WeChat login: sandbox switch, where WeChat's pages and APIs live, the platform's official account.
ENVIRONMENT_KEYS.update({name: name for name in (
    "WECHAT_SANDBOX", "WECHAT_API_BASE_URL", "WECHAT_OPEN_BASE_URL", "WECHAT_TIMEOUT", "WECHAT_OA_APPID",
    "WECHAT_OA_SECRET", "WECHAT_JSSDK_INTEGRITY")})
# WeChat's open platform (第三方平台): sandbox switch, where its APIs and pages live, the component's keys.
ENVIRONMENT_KEYS.update({name: name for name in (
    "WECHAT_OPEN_SANDBOX", "WECHAT_OPEN_API_BASE_URL", "WECHAT_OPEN_PAGE_BASE_URL", "WECHAT_COMPONENT_APPID",
    "WECHAT_COMPONENT_SECRET", "WECHAT_COMPONENT_TOKEN", "WECHAT_COMPONENT_AES_KEY")})
# Stores' own official accounts (公众号): sandbox switch, where their APIs live.
ENVIRONMENT_KEYS.update({name: name for name in ("WECHAT_MP_SANDBOX", "WECHAT_MP_API_BASE_URL")})
# 快递100 parcel tracking: sandbox switch, where the query API lives, the account.
ENVIRONMENT_KEYS.update({name: name for name in (
    "KUAIDI100_SANDBOX", "KUAIDI100_URL", "KUAIDI100_KEY", "KUAIDI100_CUSTOMER", "KUAIDI100_LABEL_URL",
    "KUAIDI100_SECRET")})
# Billing: days of grace after an unpaid period end (default 7), the billing-email backend (outbox or log).
ENVIRONMENT_KEYS.update({name: name for name in ("BILLING_GRACE_DAYS", "BILLING_MAIL_BACKEND")})
# Real e-mail (core/mail.py): smtp://host:port or smtps://user:pass@host:port, and the sender.
ENVIRONMENT_KEYS.update({name: name for name in ("MAIL_URL", "MAIL_FROM")})

# Redis as a helper (core/breaker.py) and the worker's sweep timer (core/sweeper.py), in seconds.
ENVIRONMENT_KEYS.update({name: name for name in (
    "REDIS_TIMEOUT_SECONDS", "REDIS_RETRY_SECONDS", "SWEEP_INTERVAL_SECONDS", "OUTBOX_READY_LAG_SECONDS")})


def from_environment():
    """The config values the environment sets (empty variables count as unset)."""
    values = {key: _env(var) for var, key in ENVIRONMENT_KEYS.items() if _env(var) is not None}
    for number in ("TRIAL_DAYS", "TRUSTED_PROXIES"):
        if number in values:
            values[number] = int(values[number])
    for seconds in ("WECHAT_TIMEOUT", "REDIS_TIMEOUT_SECONDS", "REDIS_RETRY_SECONDS", "SWEEP_INTERVAL_SECONDS",
                    "OUTBOX_READY_LAG_SECONDS"):
        if seconds in values:
            values[seconds] = float(values[seconds])
    for flag in ("WECHATPAY_SANDBOX", "KUAIDI100_SANDBOX", "WECHAT_SANDBOX", "WECHAT_OPEN_SANDBOX", "WECHAT_MP_SANDBOX",
                 "ALLOW_TEST_EMAIL_DOMAINS", "DATABASE_TRANSACTION_POOLER"):
        if flag in values:
            values[flag] = values[flag].strip().lower() in ("1", "true", "yes", "on")
    return values


class BaseConfig:
    ENV_NAME = "base"
    SECRET_KEY = DEV_SECRET_KEY
    PII_ENCRYPTION_KEY = DEV_PII_KEY
    # Host that serves sign-up, /console, /platform and /api; stores live on subdomains.
    PLATFORM_DOMAIN = "localhost:5000"
    PREFERRED_URL_SCHEME = "http"
    SQLALCHEMY_DATABASE_URI = None
    # Role that owns the schema and runs migrations; the app itself may connect as a
    # lesser role so PostgreSQL row-level security applies to it.
    MIGRATION_DATABASE_URL = None
    # The platform role (duoshop_platform): the only connection on which ``unscoped()`` reads
    # see every store's rows under row-level security (docs/security.md). Unset: ``unscoped()``
    # reads use the app's connection (SQLite, or a development database owned by the app).
    DATABASE_PLATFORM_URL = None
    # A hot-standby replica of the primary, as the app role: reads inside ``lag_tolerant()``
    # go there (core/database.py). Unset: every read goes to the primary.
    DATABASE_REPLICA_URL = None
    # The database URLs point at PgBouncer in transaction mode: psycopg must not prepare
    # statements on the server, since the next transaction may run on another server connection.
    DATABASE_TRANSACTION_POOLER = False
    # Connections are replaced after 5 minutes rather than pinged at every checkout (a round
    # trip per request); after a database restart a pooled connection can fail one request.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_recycle": 300}
    REDIS_URL = None
    # Redis is a helper, never a dependency of a page: web requests wait this long for it,
    # and after a failure they skip it for REDIS_RETRY_SECONDS (core/breaker.py).
    REDIS_TIMEOUT_SECONDS = 0.25
    REDIS_RETRY_SECONDS = 5.0
    # "rq" (Redis), "thread" (in-process worker) or "eager" (run at once, tests).
    JOB_MODE = None
    RQ_QUEUE_PREFIX = ""
    RATELIMIT_STORAGE_URI = None
    RATELIMIT_HEADERS_ENABLED = True
    # Rate-limit storage unreachable: count in this process's memory until it answers again.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # Seconds between `flask worker`'s sweeps of due work (core/sweeper.py).
    SWEEP_INTERVAL_SECONDS = 60
    # /readyz fails when the oldest due outbox event has waited longer than this (no relay
    # or worker is getting through them).
    OUTBOX_READY_LAG_SECONDS = 300.0
    LOGIN_RATE_LIMIT = "10 per minute"
    # Failed sign-ins an account may have in a row before each further one blocks it for a
    # back-off doubling from 30 s to 15 min (core/login_throttle.py).
    LOGIN_ACCOUNT_FREE_TRIES = 5
    # Unset: e-mail goes to the development outbox (or the log in production); see billing/mail.py.
    MAIL_URL = None
    MAIL_FROM = None
    # The sha384 SRI hash of WeChat's JS-SDK (https://res.wx.qq.com/open/js/jweixin-1.6.0.js), as
    # "sha384-…"; unset, the script is not approved and 「使用微信地址」 is left out inside WeChat
    # (storefront/script_inventory.py, docs/security.md).
    WECHAT_JSSDK_INTEGRITY = None
    # Inventoried scripts whose file may be missing at start-up (a warning, and they are never
    # rendered); any other missing one stops the start-up.
    SCRIPTS_MAY_BE_ABSENT = ()
    MAIL_TIMEOUT = 10
    SIGNUP_RATE_LIMIT = "20 per hour"
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh", "en")
    TRIAL_DAYS = 14
    WTF_CSRF_TIME_LIMIT = None
    # Host-only session cookie: a store's subdomain never sees another host's session.
    SESSION_COOKIE_DOMAIN = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    LOG_LEVEL = "INFO"
    # How many reverse proxies (load balancer, nginx) sit in front and set X-Forwarded-*.
    # Zero trusts none: client address, scheme and host come from the connection itself.
    TRUSTED_PROXIES = 0
    MEDIA_STORAGE = "local"  # or "s3": MEDIA_S3_* settings, keys only from the environment (core/storage.py)
    MEDIA_ROOT = None  # default: instance/media, one folder per store
    PRIVATE_ROOT = None  # default: instance/private; files no URL serves (data exports), one folder per store
    # Addresses at .test/.localhost/.example (the demo logins' @demo.test): development and tests only.
    ALLOW_TEST_EMAIL_DOMAINS = False
    SUPPORT_EMAIL = None  # the platform's support address, shown to a store the platform suspended
    BENCH_ROUTES = False  # `make bench` only: adds the bare /__bench/hello route (core/bench_routes.py)
    # Behaviour events wait in a per-process buffer that a daemon thread writes every second
    # (commerce/analytics/collect.py); False (tests): only ``flush_events()`` writes them.
    ANALYTICS_FLUSHER = True
    FLASH_SALE_GATE = True  # a counter in front of flash-sale stock: the sold-out are turned away before the database (flash_sales/gate.py)
    WECHATPAY_SANDBOX = False  # serve sandbox/wechatpay at /sandbox/wechatpay and pay against it
    # The shared sandbox server (python -m sandbox.wechatpay) every process pays against; unset: mounted in-process.
    WECHATPAY_SANDBOX_URL = None
    WECHATPAY_SANDBOX_PLATFORM_KEY = None  # PEM the shared sandbox signs with; default: derived from the seed
    WECHATPAY_SANDBOX_SEED = None  # development keys derived alike in every process (sandbox/wechatpay/keys.py)
    WECHATPAY_BASE_URL = None  # default: the sandbox when enabled, else https://api.mch.weixin.qq.com
    WECHATPAY_TIMEOUT = 10  # seconds to wait for WeChat Pay's answer
    WECHAT_SANDBOX = False  # serve sandbox/wechat at /sandbox/wechat and log shoppers in against it
    WECHAT_API_BASE_URL = None  # default: the sandbox when enabled, else https://api.weixin.qq.com
    WECHAT_OPEN_BASE_URL = None  # the OAuth page; default: the sandbox when enabled, else https://open.weixin.qq.com
    WECHAT_TIMEOUT = 5  # seconds to wait for WeChat's login APIs
    WECHAT_OA_APPID = None  # the platform's official account (公众号) for shoppers' web login
    WECHAT_OA_SECRET = None
    WECHAT_OPEN_SANDBOX = False  # serve sandbox/wechat_open at /sandbox/wechat_open and publish against it
    WECHAT_OPEN_API_BASE_URL = None  # default: the sandbox when enabled, else https://api.weixin.qq.com
    WECHAT_OPEN_PAGE_BASE_URL = None  # the authorisation page; default: the sandbox, else https://mp.weixin.qq.com
    WECHAT_COMPONENT_APPID = None  # the platform's third-party platform (component) AppID, AppSecret,
    WECHAT_COMPONENT_SECRET = None  # message token and EncodingAESKey (43 characters)
    WECHAT_COMPONENT_TOKEN = None
    WECHAT_COMPONENT_AES_KEY = None
    WECHAT_MP_SANDBOX = False  # serve sandbox/wechat_mp at /sandbox/wechat_mp; stores' 公众号 APIs go to it
    WECHAT_MP_API_BASE_URL = None  # default: the sandbox when enabled, else https://api.weixin.qq.com
    WECHAT_OPEN_QUOTA_RETRY_SECONDS = 3600  # a rollout stopped by WeChat's daily quota looks again this much later
    # A step's intent older than this is abandoned (its run died or lost the answer): WeChat is asked what happened.
    WECHAT_OPEN_INTENT_SECONDS = 60
    KUAIDI100_SANDBOX = False  # serve sandbox/kuaidi100 at /sandbox/kuaidi100 and track parcels against it
    KUAIDI100_URL = None  # default: the sandbox when enabled, else https://poll.kuaidi100.com/poll/query.do
    KUAIDI100_KEY = None  # 快递100 授权key
    KUAIDI100_CUSTOMER = None  # 快递100 customer
    KUAIDI100_LABEL_URL = None  # 电子面单; default: the sandbox when enabled, else https://api.kuaidi100.com/label/order
    KUAIDI100_SECRET = None  # 快递100 secret, signs 电子面单 requests
    KUAIDI100_LABEL_TIMEOUT = 10  # seconds to wait for a waybill

    @classmethod
    def finalize(cls, app):
        """Fill defaults that depend on the instance path and check the result."""
        cfg = app.config
        if not cfg["SQLALCHEMY_DATABASE_URI"]:
            cfg["SQLALCHEMY_DATABASE_URI"] = _sqlite_url(app.instance_path, "duoshop.db")
        cfg["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(cfg["SQLALCHEMY_DATABASE_URI"])
        if cfg.get("MIGRATION_DATABASE_URL"):
            cfg["MIGRATION_DATABASE_URL"] = normalize_database_url(cfg["MIGRATION_DATABASE_URL"])
        if cfg.get("DATABASE_TRANSACTION_POOLER") and cfg["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            options = dict(cfg.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
            options["connect_args"] = {**options.get("connect_args", {}), "prepare_threshold": None}
            cfg["SQLALCHEMY_ENGINE_OPTIONS"] = options
        # Flask-SQLAlchemy gives a bind given as a bare URL none of SQLALCHEMY_ENGINE_OPTIONS.
        for bind, key in ((PLATFORM_BIND, "DATABASE_PLATFORM_URL"), (REPLICA_BIND, "DATABASE_REPLICA_URL")):
            if cfg.get(key):
                cfg[key] = normalize_database_url(cfg[key])
                engine = {**(cfg.get("SQLALCHEMY_ENGINE_OPTIONS") or {}), "url": cfg[key]}
                cfg["SQLALCHEMY_BINDS"] = {**(cfg.get("SQLALCHEMY_BINDS") or {}), bind: engine}
        if not cfg["JOB_MODE"]:
            cfg["JOB_MODE"] = "rq" if cfg["REDIS_URL"] else "thread"
        if not cfg["RATELIMIT_STORAGE_URI"]:
            cfg["RATELIMIT_STORAGE_URI"] = cfg["REDIS_URL"] or "memory://"
        if cfg["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://")) and "RATELIMIT_STORAGE_OPTIONS" not in cfg:
            timeout = cfg.get("REDIS_TIMEOUT_SECONDS", cls.REDIS_TIMEOUT_SECONDS)
            cfg["RATELIMIT_STORAGE_OPTIONS"] = {"socket_connect_timeout": timeout, "socket_timeout": timeout,
                                                "retry": Retry(NoBackoff(), 0)}
        if not cfg.get("WECHATPAY_BASE_URL"):
            sandbox = (cfg.get("WECHATPAY_SANDBOX_URL")
                       or f"{cfg.get('PREFERRED_URL_SCHEME')}://{cfg.get('PLATFORM_DOMAIN')}/sandbox/wechatpay")
            cfg["WECHATPAY_BASE_URL"] = sandbox if cfg.get("WECHATPAY_SANDBOX") else "https://api.mch.weixin.qq.com"
        if not cfg.get("WECHAT_SANDBOX"):  # when enabled, sandbox.wechat.init_app points these at itself
            cfg["WECHAT_API_BASE_URL"] = cfg.get("WECHAT_API_BASE_URL") or "https://api.weixin.qq.com"
            cfg["WECHAT_OPEN_BASE_URL"] = cfg.get("WECHAT_OPEN_BASE_URL") or "https://open.weixin.qq.com"
        if not cfg.get("WECHAT_OPEN_SANDBOX"):  # when enabled, sandbox.wechat_open.init_app points these at itself
            cfg["WECHAT_OPEN_API_BASE_URL"] = cfg.get("WECHAT_OPEN_API_BASE_URL") or "https://api.weixin.qq.com"
            cfg["WECHAT_OPEN_PAGE_BASE_URL"] = cfg.get("WECHAT_OPEN_PAGE_BASE_URL") or "https://mp.weixin.qq.com"
        if not cfg.get("WECHAT_MP_SANDBOX"):  # when enabled, sandbox.wechat_mp.init_app points it at itself
            cfg["WECHAT_MP_API_BASE_URL"] = cfg.get("WECHAT_MP_API_BASE_URL") or "https://api.weixin.qq.com"


class DevelopmentConfig(BaseConfig):
    ENV_NAME = "development"
    DEBUG = False  # the Werkzeug debugger is never on by default: it executes code
    ALLOW_TEST_EMAIL_DOMAINS = True  # the demo stores' owners are @demo.test and @tea.test
    SUPPORT_EMAIL = "support@duoshop.test"
    WECHATPAY_SANDBOX = True
    KUAIDI100_SANDBOX = True
    WECHAT_SANDBOX = True
    WECHAT_OPEN_SANDBOX = True
    WECHAT_MP_SANDBOX = True


class TestConfig(BaseConfig):
    ENV_NAME = "test"
    TESTING = True
    ANALYTICS_FLUSHER = False
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # cheap: thousands of tests sign up and in
    # Not WeChat's file: tests pin a made-up hash so the JS-SDK's tag renders (the browser tests
    # serve their own stand-in and pin its hash in the server's environment).
    WECHAT_JSSDK_INTEGRITY = "sha384-" + "T" * 64
    PLATFORM_DOMAIN = "duoshop.test"
    LOGIN_RATE_LIMIT = "5 per minute"
    WECHATPAY_SANDBOX = True
    KUAIDI100_SANDBOX = True
    WECHAT_SANDBOX = True
    WECHAT_OPEN_SANDBOX = True
    WECHAT_MP_SANDBOX = True


class ProductionConfig(BaseConfig):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def finalize(cls, app):
        cfg = app.config
        if cfg["SECRET_KEY"] in (None, "", DEV_SECRET_KEY) or len(cfg["SECRET_KEY"]) < 32:
            raise ConfigError("SECRET_KEY must be set to a random value of 32+ characters in production")
        if not cfg["SQLALCHEMY_DATABASE_URI"]:
            raise ConfigError("DATABASE_URL must be set in production")
        if cfg["PII_ENCRYPTION_KEY"] in (None, "", DEV_PII_KEY):
            raise ConfigError("PII_ENCRYPTION_KEY must be set in production")
        if cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            raise ConfigError("production needs PostgreSQL, not SQLite")
        if cfg.get("WECHATPAY_SANDBOX") or cfg.get("WECHATPAY_SANDBOX_URL"):
            raise ConfigError("WECHATPAY_SANDBOX and WECHATPAY_SANDBOX_URL must be unset in production: they fake payments")
        if cfg.get("WECHAT_SANDBOX"):
            raise ConfigError("WECHAT_SANDBOX must be off in production: it hands out WeChat identities")
        if cfg.get("WECHAT_OPEN_SANDBOX"):
            raise ConfigError("WECHAT_OPEN_SANDBOX must be off in production: it fakes WeChat's open platform")
        if cfg.get("WECHAT_MP_SANDBOX"):
            raise ConfigError("WECHAT_MP_SANDBOX must be off in production: it fakes stores' official accounts")
        if cfg.get("KUAIDI100_SANDBOX"):
            raise ConfigError("KUAIDI100_SANDBOX must be off in production: it makes up parcel journeys")
        missing = [name for name in ("MEDIA_S3_BUCKET", "MEDIA_S3_ACCESS_KEY_ID", "MEDIA_S3_SECRET_ACCESS_KEY")
                   if cfg["MEDIA_STORAGE"] == "s3" and not cfg.get(name)]
        if missing:
            raise ConfigError(f"MEDIA_STORAGE=s3 needs {', '.join(missing)} set in production")
        if not cfg.get("DATABASE_PLATFORM_URL"):
            raise ConfigError("DATABASE_PLATFORM_URL must be set in production: the platform role's connection, "
                              "the only one that reads across stores")
        super().finalize(app)


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def normalize_database_url(url):
    """Use the psycopg 3 driver for plain ``postgresql://`` URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def config_for(name=None):
    name = name or _env("DUOSHOP_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise ConfigError(f"unknown DUOSHOP_ENV {name!r}; use one of {sorted(CONFIGS)}") from None
