"""Stores (tenants), their custom domains, mini-program AppIDs and staff accounts."""
import re
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from core.crypto import EncryptedText
from core.extensions import db
from core.models import Timestamped
from core.passwords import hash_password, password_matches
from tenants.scoping import TenantScoped

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,30}[a-z0-9])$")
# Names a store may never take: they are ours, or they would confuse shoppers.
RESERVED_SLUGS = frozenset(
    ["www", "api", "admin", "console", "platform", "static", "assets", "cdn", "media", "img", "images", "mail", "smtp", "pay", "payment", "payments", "wechat", "weixin", "wx", "sandbox", "help", "support", "docs", "blog", "status", "app", "apps", "login", "logout", "signup", "register", "account", "accounts", "billing", "shop", "store", "stores", "duoshop", "root", "system", "test", "dev", "staging", "ftp", "ns", "ns1", "ns2", "mx"]
)


class Tenant(Timestamped, db.Model):
    __tablename__ = "tenants"

    PROVISIONING = "provisioning"  # signed up; the provisioning job has not finished
    ACTIVE = "active"  # open for business
    SUSPENDED = "suspended"  # closed by the platform (billing or abuse); data kept
    STATUSES = (PROVISIONING, ACTIVE, SUSPENDED)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=PROVISIONING)
    contact_email: Mapped[str | None] = mapped_column(String(255))
    contact_phone: Mapped[str | None] = mapped_column(EncryptedText)
    logo_url: Mapped[str | None] = mapped_column(String(500))
    # Unpaid orders are cancelled (and their stock returned) this long after they were placed.
    payment_timeout_minutes: Mapped[int] = mapped_column(Integer, nullable=False, default=30, server_default="30")
    provisioned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def is_open(self):
        return self.status == self.ACTIVE

    def __repr__(self):
        return f"<Tenant {self.slug}>"


class Domain(TenantScoped, Timestamped, db.Model):
    """A merchant's own hostname; it serves the store only once verified (a DNS TXT record
    proves ownership, ``tenants.domains``). Several stores may claim a hostname while
    pending; only a verified one holds it, and a pending claim expires."""

    __tablename__ = "domains"
    __tenant_table_args__ = (
        UniqueConstraint("tenant_id", "hostname"),
        # Across stores, which is why Citus keeps this table on every node (tenants/distribution.py).
        Index("ux_domains_verified_hostname", "hostname", unique=True,
              postgresql_where=text("verified"), sqlite_where=text("verified")),
    )

    hostname: Mapped[str] = mapped_column(String(253), nullable=False)
    verified: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    verification_token: Mapped[str] = mapped_column(String(64), nullable=False)


class MiniProgram(TenantScoped, Timestamped, db.Model):
    """A WeChat mini-program bound to the store; its AppID routes API calls here."""

    __tablename__ = "mini_programs"

    # Unique across stores: routing needs it, so Citus keeps this table on every node (tenants/distribution.py).
    appid: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    name: Mapped[str | None] = mapped_column(String(80))
    secret: Mapped[str | None] = mapped_column(EncryptedText)  # AppSecret for code2session; None: no WeChat login


class StaffUser(UserMixin, TenantScoped, Timestamped, db.Model):
    """A merchant-side account. Email is unique within one store, not across stores."""

    __tablename__ = "staff_users"
    # The invitation link names its store (``?store=``), so a token is unique within one.
    __tenant_table_args__ = (UniqueConstraint("tenant_id", "email"), UniqueConstraint("tenant_id", "invite_token"))

    OWNER = "owner"  # everything, including billing and staff
    ADMIN = "admin"  # everything but billing and ownership
    OPERATOR = "operator"  # day-to-day: catalog, orders, pages
    VIEWER = "viewer"  # read-only
    ROLES = (OWNER, ADMIN, OPERATOR, VIEWER)
    STAFF_MANAGERS = (OWNER, ADMIN)

    email: Mapped[str] = mapped_column(String(255), nullable=False)
    name: Mapped[str | None] = mapped_column(String(80))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), nullable=False, default=VIEWER)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    invite_token: Mapped[str | None] = mapped_column(String(64))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def set_password(self, password):
        self.password_hash = hash_password(password)

    def check_password(self, password):
        return password_matches(self.password_hash, password)

    def get_id(self):
        # Flask-Login id carries the kind and tenant so the loader never guesses.
        return f"staff:{self.tenant_id}:{self.id}"

    @property
    def is_active(self):
        return self.active

    def can_manage_staff(self):
        return self.role in self.STAFF_MANAGERS

    def can_edit(self):
        return self.role != self.VIEWER
