"""Encryption of personal data at rest (AES-256-GCM, key from ``PII_ENCRYPTION_KEY``).

Stored form: ``v1:<base64(nonce ‖ ciphertext ‖ tag)>``. The version prefix leaves room for
key rotation. Use ``EncryptedText`` as a column type for phone numbers, addresses, ids.
"""
import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

_PREFIX = "v1:"
_NONCE_BYTES = 12


class DecryptionError(ValueError):
    """Stored ciphertext could not be decrypted with the configured key."""


def _key(key=None):
    raw = key or current_app.config["PII_ENCRYPTION_KEY"]
    try:
        decoded = base64.urlsafe_b64decode(raw)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("PII_ENCRYPTION_KEY must be url-safe base64") from exc
    if len(decoded) != 32:
        raise ValueError("PII_ENCRYPTION_KEY must decode to 32 bytes")
    return decoded


def generate_key():
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def encrypt_pii(plaintext, *, key=None):
    if plaintext is None:
        return None
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(_key(key)).encrypt(nonce, plaintext.encode("utf-8"), None)
    return _PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt_pii(stored, *, key=None):
    if stored is None:
        return None
    if not stored.startswith(_PREFIX):
        raise DecryptionError("unknown ciphertext version")
    blob = base64.urlsafe_b64decode(stored[len(_PREFIX):])
    try:
        plain = AESGCM(_key(key)).decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], None)
    except InvalidTag as exc:
        raise DecryptionError("ciphertext was tampered with or the key is wrong") from exc
    return plain.decode("utf-8")


def mask_phone(phone):
    """``13812345678`` → ``138****5678`` for console lists."""
    if not phone:
        return ""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"


def mask_name(name):
    """``张三`` → ``张*``, ``欧阳娜娜`` → ``欧***``: the family name only."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def mask_street(street):
    """``文三路 100 号 3 幢 201`` → ``文三路****``: the first few characters, never a house number."""
    if not street:
        return ""
    kept = street[:min(3, len(street) // 3)].rstrip()
    return kept + "****" if not any(ch.isdigit() for ch in kept) else "****"


class EncryptedText(TypeDecorator):
    """A text column whose value is encrypted before it reaches the database."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return encrypt_pii(value)

    def process_result_value(self, value, dialect):
        return decrypt_pii(value)
