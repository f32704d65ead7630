"""Checking a merchant's request signature as WeChat does: the Authorization header
``WECHATPAY2-SHA256-RSA2048 mchid=…,nonce_str=…,signature=…,timestamp=…,serial_no=…``
signs ``METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n`` with the merchant's API key."""
import re
import time
from dataclasses import dataclass

from sandbox.wechatpay.keys import SIGNATURE_TYPE, load_public_key, rsa_verify, signed_message
from sandbox.wechatpay.ledger import Refusal

MAX_CLOCK_SKEW = 300  # seconds; WeChat refuses requests signed further from its clock
_PARAM = re.compile(r'(\w+)="([^"]*)"')
_REQUIRED = ("mchid", "nonce_str", "signature", "timestamp", "serial_no")


@dataclass(frozen=True)
class RegisteredMerchant:
    """What WeChat knows of a merchant: its API public key and serial, its APIv3 key."""

    mchid: str
    public_pem: str
    serial_no: str
    apiv3_key: str

    @property
    def public_key(self):
        return load_public_key(self.public_pem)


def _refuse(message):
    return Refusal(401, "SIGN_ERROR", message)


def parse_authorization(header):
    scheme, _, params = (header or "").partition(" ")
    if scheme != SIGNATURE_TYPE:
        raise _refuse("Authorization 头缺失或认证类型不是 WECHATPAY2-SHA256-RSA2048")
    values = dict(_PARAM.findall(params))
    missing = [name for name in _REQUIRED if not values.get(name)]
    if missing:
        raise _refuse("Authorization 头缺少 " + ", ".join(missing))
    return values


def authenticate(merchants, method, path, body, header, now=None):
    """The registered merchant that signed this request, or a 401 ``Refusal``."""
    values = parse_authorization(header)
    merchant = merchants.get(values["mchid"])
    if merchant is None:
        raise _refuse(f"商户号 {values['mchid']} 未在沙箱登记")
    if values["serial_no"] != merchant.serial_no:
        raise _refuse("商户证书序列号有误")
    try:
        skew = abs((time.time() if now is None else now) - int(values["timestamp"]))
    except ValueError:
        raise _refuse("timestamp 不是整数") from None
    if skew > MAX_CLOCK_SKEW:
        raise _refuse("请求时间戳与系统时间相差过大")
    message = signed_message(method, path, values["timestamp"], values["nonce_str"], body)
    if not rsa_verify(merchant.public_key, message, values["signature"]):
        raise _refuse("签名错误")
    return merchant
