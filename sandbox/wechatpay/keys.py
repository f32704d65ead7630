"""RSA keys for the sandbox: its own "WeChat Pay public key" pair, and key pairs it can
hand to a development merchant. Never written to the repository; WeChat's public-key mode
needs nothing more than a PEM and an id.

A sandbox in one process generates its keys at random. A shared sandbox server and every
app process that talks to it must agree on them, so there they are pinned from
configuration: ``WECHATPAY_SANDBOX_PLATFORM_KEY`` (a PEM), or else derived from
``WECHATPAY_SANDBOX_SEED`` (development and tests only; production refuses the sandbox).
"""
import base64
import functools
import hashlib
import math
import random
import secrets
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"


def generate_private_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_key_pem(private_key):
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def public_key_pem(public_key):
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_public_key(pem):
    return serialization.load_pem_public_key(pem.encode("ascii"))


def rsa_sign(private_key, message):
    """Base64 SHA256-with-RSA (PKCS#1 v1.5), the only signature WeChat Pay v3 uses."""
    signature = private_key.sign(message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")


def rsa_verify(public_key, message, signature):
    try:
        public_key.verify(base64.b64decode(signature), message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def signed_message(*parts):
    """WeChat signs lines: every part followed by a newline, the last one too."""
    return "".join(f"{part}\n" for part in parts)


DEVELOPMENT_SEED = "duoshop-development"
_SMALL_PRIMES = [n for n in range(3, 2000, 2) if all(n % d for d in range(3, int(n ** 0.5) + 1, 2))]


def _probable_prime(rng, bits):
    while True:
        candidate = rng.getrandbits(bits) | (3 << (bits - 2)) | 1  # top two bits: p*q has 2*bits bits
        if any(candidate % small == 0 for small in _SMALL_PRIMES):
            continue
        if _miller_rabin(candidate, rng):
            return candidate


def _miller_rabin(n, rng, rounds=32):
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for _ in range(rounds):
        x = pow(rng.randrange(2, n - 2), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


@functools.lru_cache(maxsize=16)
def derived_private_key(seed, label, bits=2048):
    """The same RSA key for the same ``(seed, label)`` in every process: a development
    stand-in for a key pinned in configuration, never for real money."""
    rng = random.Random(hashlib.sha256(f"{seed}\0{label}".encode()).digest())
    exponent = 65537
    while True:
        p, q = _probable_prime(rng, bits // 2), _probable_prime(rng, bits // 2)
        phi = (p - 1) * (q - 1)
        if p == q or math.gcd(exponent, phi) != 1:
            continue
        d = pow(exponent, -1, phi)
        public = rsa.RSAPublicNumbers(exponent, p * q)
        return rsa.RSAPrivateNumbers(p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p), public).private_key()


def _derived_text(seed, label, length):
    return hashlib.sha256(f"{seed}\0{label}".encode()).hexdigest()[:length].upper()


@dataclass
class PlatformKey:
    """The sandbox's signing key and the id that the SDK knows its public half by."""

    private_key: object = field(default_factory=generate_private_key, repr=False)
    public_key_id: str = field(default_factory=lambda: "PUB_KEY_ID_" + secrets.token_hex(16).upper())

    @property
    def public_pem(self):
        return public_key_pem(self.private_key.public_key())

    def sign(self, *parts):
        return rsa_sign(self.private_key, signed_message(*parts))

    @classmethod
    def pinned(cls, pem=None, seed=None):
        """The key a shared sandbox signs with: from a PEM, or derived from a seed. Its id
        comes from the public half, so every process that holds the key names it alike."""
        if pem:
            private_key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
        else:
            private_key = derived_private_key(seed or DEVELOPMENT_SEED, "platform")
        der = private_key.public_key().public_bytes(serialization.Encoding.DER,
                                                    serialization.PublicFormat.SubjectPublicKeyInfo)
        return cls(private_key, "PUB_KEY_ID_" + hashlib.sha256(der).hexdigest()[:32].upper())


@dataclass(frozen=True)
class MerchantKeyPair:
    """A development merchant's API key: the private half goes to the shop's config, the
    public half is registered with the sandbox (as a merchant uploads its certificate)."""

    private_pem: str = field(repr=False)
    public_pem: str
    serial_no: str

    @classmethod
    def generate(cls):
        key = generate_private_key()
        return cls(private_key_pem(key), public_key_pem(key.public_key()), secrets.token_hex(20).upper())

    @classmethod
    def derived(cls, seed, mchid):
        """A development merchant's key, the same in the shared sandbox and in every app process."""
        seed = seed or DEVELOPMENT_SEED
        key = derived_private_key(seed, f"merchant:{mchid}")
        return cls(private_key_pem(key), public_key_pem(key.public_key()), _derived_text(seed, f"serial:{mchid}", 40))


def derived_apiv3_key(seed, mchid):
    return _derived_text(seed or DEVELOPMENT_SEED, f"apiv3:{mchid}", 32)
