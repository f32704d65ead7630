"""Who talks to WeChat Pay: one merchant's keys, and the account an order is paid into.

The platform pays as a service provider (its ``sp_mchid`` keys, the tenant's ``sub_mchid``)
or a tenant brings its own merchant keys (direct mode). Keys are passed in by the caller,
read from config for the platform and decrypted from the tenant's row for direct mode, so
nothing here touches the database.
"""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class MerchantKeys:
    """One WeChat Pay merchant's API credentials, in public-key mode.

    ``public_key``/``public_key_id`` are WeChat Pay's public key ("PUB_KEY_ID_…") that
    verifies its answers and notifications; the rest is the merchant's own.
    """

    mchid: str
    appid: str  # the app orders are placed for by default (sp_appid in partner mode)
    private_key: str = field(repr=False)  # PEM of the merchant's API private key
    cert_serial_no: str  # serial of the merchant's API certificate
    apiv3_key: str = field(repr=False)  # 32 characters, decrypts notifications
    public_key: str = field(repr=False)
    public_key_id: str


@dataclass(frozen=True)
class PayAccount:
    """The account one store's payments go to. ``sub_mchid`` set means service-provider
    mode: the platform's keys sign, the money goes to the sub-merchant."""

    keys: MerchantKeys
    sub_mchid: str | None = None
    sub_appid: str | None = None  # the store's own official account or mini-program

    @property
    def partner_mode(self):
        return self.sub_mchid is not None

    @property
    def payment_appid(self):
        """The appid the shopper's WeChat pays from (``appId`` of ``wx.requestPayment``)."""
        return self.sub_appid or self.keys.appid

    @classmethod
    def direct(cls, keys):
        return cls(keys)

    @classmethod
    def service_provider(cls, platform_keys, sub_mchid, sub_appid=None):
        return cls(platform_keys, sub_mchid=sub_mchid, sub_appid=sub_appid)


def platform_keys(config):
    """The platform's service-provider keys from app config (``WECHATPAY_SP_*``)."""
    missing = [name for name in ("WECHATPAY_SP_MCHID", "WECHATPAY_SP_APPID", "WECHATPAY_SP_PRIVATE_KEY",
                                 "WECHATPAY_SP_CERT_SERIAL_NO", "WECHATPAY_SP_APIV3_KEY",
                                 "WECHATPAY_PUBLIC_KEY", "WECHATPAY_PUBLIC_KEY_ID") if not config.get(name)]
    if missing:
        raise LookupError("WeChat Pay is not configured: set " + ", ".join(missing))
    return MerchantKeys(
        mchid=config["WECHATPAY_SP_MCHID"], appid=config["WECHATPAY_SP_APPID"],
        private_key=config["WECHATPAY_SP_PRIVATE_KEY"], cert_serial_no=config["WECHATPAY_SP_CERT_SERIAL_NO"],
        apiv3_key=config["WECHATPAY_SP_APIV3_KEY"], public_key=config["WECHATPAY_PUBLIC_KEY"],
        public_key_id=config["WECHATPAY_PUBLIC_KEY_ID"])
