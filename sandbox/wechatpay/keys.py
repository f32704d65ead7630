"""RSA keys for the sandbox: its own "WeChat Pay public key" pair, and key pairs it can
hand to a development merchant. Generated in memory per process, never written to the
repository; WeChat's public-key mode needs nothing more than a PEM and an id."""
import base64
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
