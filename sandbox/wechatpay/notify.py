"""Notifications as WeChat sends them: the resource encrypted with the merchant's APIv3
key (AEAD_AES_256_GCM), the body signed with the platform key, sent by POST to the
``notify_url`` given at prepay or refund."""
import base64
import json
import secrets
import time
import uuid

import requests
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sandbox.wechatpay.keys import SIGNATURE_TYPE
from sandbox.wechatpay.ledger import wechat_time

# event_type → (summary, original_type / associated data)
EVENTS = {
    "TRANSACTION.SUCCESS": ("支付成功", "transaction"),
    "REFUND.SUCCESS": ("退款成功", "refund"),
    "REFUND.ABNORMAL": ("退款异常", "refund"),
    "REFUND.CLOSED": ("退款关闭", "refund"),
}


def encrypt_resource(apiv3_key, plaintext, associated_data):
    """AES-256-GCM with a 12-character text nonce, the way WeChat's SDKs decrypt it."""
    nonce = secrets.token_urlsafe(9)[:12]
    ciphertext = AESGCM(apiv3_key.encode("utf-8")).encrypt(
        nonce.encode("utf-8"), plaintext.encode("utf-8"), associated_data.encode("utf-8"))
    return {"algorithm": "AEAD_AES_256_GCM", "ciphertext": base64.b64encode(ciphertext).decode("ascii"),
            "associated_data": associated_data, "nonce": nonce}


def signed_headers(platform_key, body, timestamp=None):
    """The Wechatpay-* headers over ``body``; ``timestamp`` lets tests send stale ones."""
    timestamp = str(int(time.time() if timestamp is None else timestamp))
    nonce = uuid.uuid4().hex.upper()
    return {
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": platform_key.sign(timestamp, nonce, body),
        "Wechatpay-Serial": platform_key.public_key_id,
        "Wechatpay-Signature-Type": SIGNATURE_TYPE,
    }


def build_notification(platform_key, apiv3_key, event_type, resource, timestamp=None, notification_id=None):
    """``(headers, body)`` of one notification, ready to POST or to hand to a test.
    ``notification_id``: a retry carries the id of the first delivery, as WeChat's do."""
    summary, original_type = EVENTS[event_type]
    plaintext = json.dumps(resource, ensure_ascii=False, separators=(",", ":"))
    body = json.dumps({
        "id": notification_id or str(uuid.uuid4()),
        "create_time": wechat_time(),
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": summary,
        "resource": {"original_type": original_type, **encrypt_resource(apiv3_key, plaintext, original_type)},
    }, ensure_ascii=False, separators=(",", ":"))
    headers = {"Content-Type": "application/json", **signed_headers(platform_key, body, timestamp)}
    return headers, body


def post_notification(notify_url, headers, body, timeout=5):
    """POST it once; the HTTP status the merchant answered, or None if it could not be reached.

    WeChat would retry until it gets 200/204; the sandbox's page lets a developer resend.
    """
    try:
        response = requests.post(notify_url, data=body.encode("utf-8"), headers=headers, timeout=timeout)
    except requests.RequestException:
        return None
    return response.status_code
