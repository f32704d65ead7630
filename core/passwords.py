"""Password hashes, by the method the configuration names (``PASSWORD_HASH_METHOD``).

Production keeps werkzeug's scrypt (about 70 ms a hash on purpose); the test configuration
names a cheap method, as Django advises for tests, because thousands of tests sign up and
sign in. A stored hash names its own method, so checking never depends on the setting."""
import secrets
from functools import cache

from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash

DEFAULT_METHOD = "scrypt"


def _method():
    if not has_app_context():
        return DEFAULT_METHOD
    return current_app.config.get("PASSWORD_HASH_METHOD", DEFAULT_METHOD)


def hash_password(password):
    return generate_password_hash(password, method=_method())


def password_matches(password_hash, password):
    return bool(password_hash) and check_password_hash(password_hash, password)


@cache
def _nobody_hash(method):
    return generate_password_hash(secrets.token_hex(16), method=method)


def spend_a_check(password):
    """The work of one real check, against a hash nobody has: a sign-in for an unknown
    account takes as long as a wrong password, so its timing names no account."""
    check_password_hash(_nobody_hash(_method()), password or "")
