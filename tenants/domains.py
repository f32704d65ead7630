"""Custom domains: a store claims a hostname, proves it owns it with a DNS TXT record, and
only then does the hostname route to the store and keep other stores from claiming it.

- The platform's own host and every name under it (``tea.<PLATFORM_DOMAIN>``) are never a
  custom domain: they already route by slug.
- A claim is pending until ``verify_domain`` finds the TXT record
  ``_duoshop-challenge.<hostname>`` holding ``duoshop-verify=<token>`` (a record of its
  own name, since ``<hostname>`` itself usually carries a CNAME). Several stores may hold
  pending claims on one hostname; a unique index over *verified* hostnames lets one win.
- A pending claim lives ``CLAIM_LIFETIME`` (72 h); each store's sweep deletes its expired ones.

The lookup is ``txt_records(name)``: dnspython by default; ``use_txt_resolver(function)``
puts another in its place (tests answer from a dict; a deployment could ask an API).
"""
import re
from contextlib import contextmanager
from datetime import UTC, timedelta

import dns.exception
import dns.resolver
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete

from core.extensions import db
from core.models import utcnow
from core.sweep_steps import sweep_step
from tenants.errors import InvalidValue
from tenants.models import Domain
from tenants.resolve import normalize_host

CLAIM_LIFETIME = timedelta(hours=72)
RECORD_PREFIX = "_duoshop-challenge"
VALUE_PREFIX = "duoshop-verify="
DNS_TIMEOUT_SECONDS = 5.0
HOSTNAME_PATTERN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")


class DnsUnavailable(InvalidValue):
    """DNS did not answer: nothing is known either way, ask again later."""

    status = 503


def record_name(domain):
    """The name the TXT record goes on."""
    return f"{RECORD_PREFIX}.{domain.hostname}"


def record_value(domain):
    """What the TXT record must hold."""
    return f"{VALUE_PREFIX}{domain.verification_token}"


def claim_expires_at(domain):
    """When a pending claim lapses (its sweep deletes it after this), in UTC."""
    created = domain.created_at if domain.created_at.tzinfo else domain.created_at.replace(tzinfo=UTC)
    return created + CLAIM_LIFETIME


def checked_hostname(hostname):
    """``hostname`` normalised, or raise ``InvalidValue`` when it cannot be a store's own
    domain: malformed, or the platform's host or a name under it."""
    hostname = normalize_host(hostname)
    if not HOSTNAME_PATTERN.match(hostname):
        raise InvalidValue(_l("Enter a domain such as shop.example.com."), field="hostname")
    platform = normalize_host(current_app.config["PLATFORM_DOMAIN"])
    if hostname == platform or hostname.endswith(f".{platform}"):
        raise InvalidValue(_l("%(host)s is an address of the platform, not a domain of your own.", host=hostname),
                           field="hostname")
    return hostname


# ---------------------------------------------------------------- asking DNS

def _ask_dns(name):
    try:
        answer = dns.resolver.resolve(name, "TXT", lifetime=DNS_TIMEOUT_SECONDS)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except dns.exception.DNSException as failure:
        raise DnsUnavailable(_l("DNS did not answer. Please try again in a few minutes.")) from failure
    return [b"".join(record.strings).decode("utf-8", "replace") for record in answer]


_resolver = _ask_dns


def txt_records(name):
    """The TXT strings published at ``name`` (empty when there are none).

    :raise DnsUnavailable: DNS could not be asked
    """
    return _resolver(name)


@contextmanager
def use_txt_resolver(function):
    """Answer ``txt_records`` with ``function(name) -> [str]`` inside the block."""
    global _resolver
    previous, _resolver = _resolver, function
    try:
        yield
    finally:
        _resolver = previous


def publishes_token(domain):
    return record_value(domain) in (value.strip() for value in txt_records(record_name(domain)))


# ---------------------------------------------------------------- expiry

@sweep_step(order=90, outcome="domain_claims_expired")
def expire_domain_claims(now=None):
    """Delete the current store's pending claims older than ``CLAIM_LIFETIME``."""
    cutoff = (now or utcnow()) - CLAIM_LIFETIME
    return db.session.execute(
        delete(Domain).where(Domain.verified.is_(False), Domain.created_at <= cutoff)).rowcount
