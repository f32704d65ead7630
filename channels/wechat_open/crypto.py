"""WeChat's message encryption (消息加解密) for the events the open platform pushes:
``msg_signature`` is the SHA-1 of the sorted ``[token, timestamp, nonce, encrypt]``; the
message is AES-256-CBC with key = base64(EncodingAESKey + "="), iv = key[:16], PKCS#7
padded to 32 bytes, over 16 random bytes + a 4-byte big-endian length + the XML + the
component AppID."""
import base64
import binascii
import hashlib
import hmac
import os
import struct
from xml.etree import ElementTree

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32


class MessageRefused(ValueError):
    """A pushed message whose signature, encryption or AppID does not check out."""


def message_signature(token, timestamp, nonce, encrypt):
    return hashlib.sha1("".join(sorted([token, str(timestamp), nonce, encrypt])).encode()).hexdigest()


class MessageCrypto:
    """The component's token, EncodingAESKey and AppID, applied to one message at a time."""

    def __init__(self, token, encoding_aes_key, appid):
        try:
            self.key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("EncodingAESKey must be 43 characters of base64") from None
        if len(self.key) != 32:
            raise ValueError("EncodingAESKey must decode to 32 bytes")
        self.token, self.appid = token, appid

    def _cipher(self):
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def encrypt(self, xml):
        body = xml.encode("utf-8")
        plain = os.urandom(16) + struct.pack(">I", len(body)) + body + self.appid.encode()
        pad = BLOCK - len(plain) % BLOCK
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain + bytes([pad]) * pad) + encryptor.finalize()).decode()

    def decrypt(self, encrypted):
        """The XML inside ``encrypted``.

        :raise MessageRefused: not ours (bad padding, length or AppID)
        """
        try:
            blob = base64.b64decode(encrypted, validate=True)
            decryptor = self._cipher().decryptor()
            plain = decryptor.update(blob) + decryptor.finalize()
        except (binascii.Error, ValueError):
            raise MessageRefused("not decryptable") from None
        pad = plain[-1] if plain else 0
        if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise MessageRefused("bad padding")
        plain = plain[:-pad]
        length = struct.unpack(">I", plain[16:20])[0] if len(plain) >= 20 else -1
        if length < 0 or 20 + length > len(plain):
            raise MessageRefused("bad length")
        if not hmac.compare_digest(plain[20 + length:], self.appid.encode()):
            raise MessageRefused("for another AppID")
        return plain[20:20 + length].decode("utf-8")

    def open_message(self, body, *, msg_signature, timestamp, nonce):
        """The fields of a pushed message (``{"InfoType": …}``) once its signature checks.

        :raise MessageRefused: a wrong signature, or an envelope that is not WeChat's
        """
        encrypted = _fields(body).get("Encrypt")
        if not encrypted:
            raise MessageRefused("no Encrypt element")
        expected = message_signature(self.token, timestamp or "", nonce or "", encrypted)
        if not hmac.compare_digest(expected, msg_signature or ""):
            raise MessageRefused("bad msg_signature")
        return _fields(self.decrypt(encrypted))


def _fields(xml):
    """The flat ``<xml>`` of a WeChat message as a dict of text. WeChat's messages carry no
    DTD or entities; a document declaring one is refused rather than expanded."""
    if "<!DOCTYPE" in xml or "<!ENTITY" in xml:
        raise MessageRefused("DTDs are not accepted")
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        raise MessageRefused("not XML") from None
    return {child.tag: (child.text or "").strip() for child in root}
