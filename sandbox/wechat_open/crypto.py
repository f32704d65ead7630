"""WeChat's message encryption, as the open platform applies it to every event it pushes
(the sandbox's own implementation, so Duoshop's is tested against an independent one):

- ``msg_signature`` = SHA-1 of the sorted ``[token, timestamp, nonce, encrypt]``, joined;
- AES-256-CBC, key = base64(EncodingAESKey + "="), iv = key[:16], PKCS#7 padded to 32;
- plaintext = 16 random bytes + 4-byte big-endian length + XML + the component AppID.
"""
import base64
import hashlib
import os
import secrets
import struct
import time

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32


def signature(token, timestamp, nonce, encrypt):
    return hashlib.sha1("".join(sorted([token, str(timestamp), nonce, encrypt])).encode()).hexdigest()


def _key(encoding_aes_key):
    return base64.b64decode(encoding_aes_key + "=")


def encrypt(encoding_aes_key, appid, xml):
    body = xml.encode("utf-8")
    plain = os.urandom(16) + struct.pack(">I", len(body)) + body + appid.encode()
    pad = BLOCK - len(plain) % BLOCK
    plain += bytes([pad]) * pad
    key = _key(encoding_aes_key)
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def decrypt(encoding_aes_key, encrypted):
    """``(xml, appid)`` from a base64 ciphertext (the sandbox reads nothing encrypted by
    others; tests use it to check Duoshop's encryption)."""
    key = _key(encoding_aes_key)
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
    plain = plain[:-plain[-1]]
    length = struct.unpack(">I", plain[16:20])[0]
    return plain[20:20 + length].decode("utf-8"), plain[20 + length:].decode()


def sealed_message(token, encoding_aes_key, appid, xml, *, to=None, timestamp=None, nonce=None):
    """``(query parameters, body)`` of one pushed message, as WeChat POSTs it: a component
    event names the component (``<AppId>``), an authoriser's message its original id
    (``<ToUserName>``, given as ``to``)."""
    timestamp = str(int(time.time() if timestamp is None else timestamp))
    nonce = nonce or str(secrets.randbelow(10**10))
    ciphertext = encrypt(encoding_aes_key, appid, xml)
    params = {"timestamp": timestamp, "nonce": nonce, "encrypt_type": "aes",
              "msg_signature": signature(token, timestamp, nonce, ciphertext)}
    tag, value = ("ToUserName", to) if to else ("AppId", appid)
    body = f"<xml><{tag}><![CDATA[{value}]]></{tag}><Encrypt><![CDATA[{ciphertext}]]></Encrypt></xml>"
    return params, body


def cdata_xml(fields):
    """``<xml>`` of ``fields`` in order; numbers bare, text in CDATA, as WeChat writes them."""
    parts = []
    for name, value in fields.items():
        parts.append(f"<{name}>{value}</{name}>" if isinstance(value, int) else f"<{name}><![CDATA[{value}]]></{name}>")
    return "<xml>" + "".join(parts) + "</xml>"
