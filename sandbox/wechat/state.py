"""The sandbox's memory: apps and their secrets, test users, codes and access tokens."""
import base64
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

CODE_LIFETIME = 300  # seconds, as WeChat's OAuth codes and wx.login() codes
TOKEN_LIFETIME = 7200
# WeChat's own error codes, so our client is tested against the real ones.
INVALID_APPID, INVALID_SECRET, INVALID_CODE, USED_CODE, INVALID_TOKEN, SCOPE_UNAUTHORIZED = (
    40013, 40125, 40029, 40163, 40001, 48001)


class Refusal(Exception):
    def __init__(self, errcode, errmsg):
        super().__init__(errmsg)
        self.errcode, self.errmsg = errcode, errmsg


@dataclass
class TestUser:
    id: int
    nickname: str
    avatar_url: str


@dataclass
class Grant:
    appid: str
    user_id: int
    scope: str
    expires_at: float


class WeChatSandbox:
    """Apps are trusted on first use: an AppID seen for the first time is bound to the
    secret it came with (``register_app`` binds one up front); a wrong secret later is refused."""

    def __init__(self):
        self._key = secrets.token_bytes(32)  # derives openids and unionids
        self._lock = threading.Lock()
        self.apps = {}  # appid → secret
        self.users = {}  # id → TestUser
        self._codes = {}  # code → Grant
        self._tokens = {}  # access token → Grant
        self._app_tokens = {}  # an official account's own access_token → (appid, expires at)
        self.app_tokens_issued = 0  # how often ``cgi-bin/token`` was called (tests count fetches)

    def register_app(self, appid, secret):
        with self._lock:
            self.apps[appid] = secret

    def create_user(self, nickname):
        with self._lock:
            user = TestUser(id=len(self.users) + 1, nickname=nickname.strip()[:32] or f"微信用户{len(self.users) + 1}",
                            avatar_url=f"https://thirdwx.qlogo.cn/sandbox/{len(self.users) + 1}/132")
            self.users[user.id] = user
            return user

    def openid(self, appid, user_id):
        return "o" + self._derive(f"openid:{appid}:{user_id}")

    def unionid(self, user_id):
        return "u" + self._derive(f"unionid:{user_id}")

    def _derive(self, text):
        digest = hmac.new(self._key, text.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:27]

    def issue_code(self, appid, user_id, scope):
        """What WeChat appends to the redirect_uri after the user allows (or, for the
        mini-program, what wx.login() returns)."""
        if user_id not in self.users:
            raise Refusal(INVALID_CODE, "invalid user")
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = Grant(appid, user_id, scope, time.time() + CODE_LIFETIME)
        return code

    def check_app(self, appid, secret):
        with self._lock:
            known = self.apps.setdefault(appid, secret) if appid and secret else None
        if not appid or not appid.startswith("wx"):
            raise Refusal(INVALID_APPID, "invalid appid")
        if known is None or not hmac.compare_digest(known, secret):
            raise Refusal(INVALID_SECRET, "invalid appsecret")

    def redeem_code(self, appid, code):
        with self._lock:
            grant = self._codes.pop(code or "", None)
        if grant is None:
            raise Refusal(INVALID_CODE, "invalid code")
        if grant.appid != appid or grant.expires_at < time.time():
            raise Refusal(INVALID_CODE, "invalid code")
        return grant

    def issue_token(self, grant):
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = Grant(grant.appid, grant.user_id, grant.scope, time.time() + TOKEN_LIFETIME)
        return token

    def issue_app_token(self, appid):
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._app_tokens[token] = (appid, time.time() + TOKEN_LIFETIME)
            self.app_tokens_issued += 1
        return token

    def jsapi_ticket(self, token):
        """The JS-SDK ticket of the app whose access_token this is: one per app, derived."""
        with self._lock:
            appid, expires_at = self._app_tokens.get(token or "", (None, 0))
        if appid is None or expires_at < time.time():
            raise Refusal(INVALID_TOKEN, "invalid credential, access_token is invalid or not latest")
        return self._derive(f"ticket:{appid}")

    def token_grant(self, token, openid):
        with self._lock:
            grant = self._tokens.get(token or "")
        if grant is None or grant.expires_at < time.time() or self.openid(grant.appid, grant.user_id) != openid:
            raise Refusal(INVALID_TOKEN, "invalid credential, access_token is invalid or not latest")
        if grant.scope != "snsapi_userinfo":
            raise Refusal(SCOPE_UNAUTHORIZED, "api unauthorized")
        return grant
