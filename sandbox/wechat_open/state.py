"""The sandbox's memory: the component (third-party platform) and its tickets and tokens,
test mini-programs a developer can authorise, their code, audits and releases, and every
event pushed to Duoshop (kept for the control page and for tests)."""
import hashlib
import itertools
import json
import secrets
import threading
import time
from dataclasses import dataclass, field

import requests

from sandbox.wechat_open.crypto import cdata_xml, sealed_message

TICKET_LIFETIME = 12 * 3600  # WeChat keeps a component_verify_ticket valid about 12 hours
TOKEN_LIFETIME = 7200
CODE_LIFETIME = 1800  # pre_auth_code and auth_code
SUBMIT_QUOTA = 20  # submit_audit calls a day (WeChat's own quota is per platform and smaller per app)
# WeChat's error codes, so our client is tested against the real ones.
INVALID_TOKEN, INVALID_APPID_SECRET, INVALID_TICKET, INVALID_CODE = 40001, 40013, 61006, 61010
QUOTA_EXHAUSTED = 45009  # reach max api daily quota limit
AUDIT_IN_PROGRESS = 85009  # a version is already under audit
NO_SUCH_TEMPLATE = 85064
NO_CODE = 85004  # nothing committed yet
NOT_APPROVED = 85020  # the audit state does not allow a release
FUNC_INFO = [{"funcscope_category": {"id": scope}} for scope in (17, 18, 25, 30, 31)]  # code management et al.

# Audit states as wxa/get_auditstatus answers them.
AUDIT_PASSED, AUDIT_REJECTED, AUDITING = 0, 1, 2


class Refusal(Exception):
    def __init__(self, errcode, errmsg):
        super().__init__(errmsg)
        self.errcode, self.errmsg = errcode, errmsg


@dataclass
class Template:
    template_id: int
    user_version: str
    user_desc: str
    create_time: int


@dataclass
class Audit:
    auditid: int
    appid: str
    user_version: str
    status: int = AUDITING
    reason: str = ""
    submitted_at: float = field(default_factory=time.time)


@dataclass
class TestMiniProgram:
    appid: str
    name: str
    original_id: str  # gh_…: the ToUserName of the messages WeChat pushes about it
    refresh_token: str | None = None
    authorized: bool = False
    committed: dict | None = None  # template_id, user_version, user_desc, ext_json
    released: dict | None = None
    commits: int = 0
    audits: list = field(default_factory=list)


@dataclass
class Delivery:
    url: str
    kind: str
    status: int | None
    answer: str


class OpenPlatformSandbox:
    """One component (``component_appid``/``secret``/``token``/``aes_key``) and its world.

    ``deliver(url, params, body)`` posts a pushed message; by default over HTTP, tests
    hand in their own client. ``event_url`` is the component's 授权事件接收URL and
    ``message_url`` the 消息与事件接收URL with ``$APPID$`` in it.
    """

    def __init__(self, component_appid, component_secret, token, aes_key, *, event_url=None, message_url=None,
                 submit_quota=SUBMIT_QUOTA, deliver=None):
        self.component_appid, self.component_secret = component_appid, component_secret
        self.token, self.aes_key = token, aes_key
        self.event_url, self.message_url = event_url, message_url
        self.submit_quota = submit_quota
        self.deliver = deliver or _post
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self.tickets = {}  # ticket → expires at
        self.component_tokens = {}  # token → expires at
        self.component_tokens_issued = 0  # tests count refreshes
        self.pre_auth_codes = {}  # code → expires at
        self.auth_codes = {}  # code → (appid, expires at)
        self.authorizer_tokens = {}  # access token → (appid, expires at)
        self.mini_programs = {}  # appid → TestMiniProgram
        self.templates = [Template(1, "1.0.0", "首个版本", int(time.time()) - 86400),
                          Template(2, "1.1.0", "商品详情页改版", int(time.time()) - 3600)]
        self.submits_today = 0
        self.submitted = []  # every accepted submit_audit: (appid, auditid), tests look for repeats
        self.deliveries = []
        # Fault switches for tests: endpoint → how many of its next calls fail before doing
        # the work ("fail") or do the work and then lose the answer ("lose_answer"), both as
        # an HTTP 502 with no JSON, the way a gateway between us and WeChat fails.
        self.faults = {"fail": {}, "lose_answer": {}}
        for number in range(1, 4):
            self.add_mini_program(f"测试小程序{number}")

    # ------------------------------------------------------------ the developer's side

    def add_mini_program(self, name, appid=None):
        """A test mini-program; ``appid`` lets a developer stand in for one a store already bound."""
        with self._lock:
            number = len(self.mini_programs) + 1
            digest = hashlib.sha1(f"{self.component_appid}:{number}".encode()).hexdigest()
            if appid in self.mini_programs:
                return self.mini_programs[appid]
            program = TestMiniProgram(appid=appid or f"wx{digest[:16]}", name=name.strip()[:30] or f"测试小程序{number}",
                                      original_id=f"gh_{digest[16:28]}")
            self.mini_programs[program.appid] = program
            return program

    def add_template(self, user_version, user_desc):
        with self._lock:
            template = Template(max(t.template_id for t in self.templates) + 1, user_version.strip()[:20] or "0.0.1",
                                user_desc.strip()[:100], int(time.time()))
            self.templates.append(template)
            return template

    def take_fault(self, kind, endpoint):
        with self._lock:
            left = self.faults[kind].get(endpoint, 0)
            if left > 0:
                self.faults[kind][endpoint] = left - 1
            return left > 0

    def new_day(self):
        """The daily quota starts again (as at midnight, Beijing time)."""
        with self._lock:
            self.submits_today = 0

    # ------------------------------------------------------------ component tokens

    def push_verify_ticket(self):
        """What WeChat does every ten minutes: a fresh ticket to the component's event URL."""
        ticket = "ticket@@@" + secrets.token_urlsafe(32)
        with self._lock:
            self.tickets[ticket] = time.time() + TICKET_LIFETIME
        return self._push_component_event({"AppId": self.component_appid, "CreateTime": int(time.time()),
                                           "InfoType": "component_verify_ticket", "ComponentVerifyTicket": ticket})

    def issue_component_token(self, appid, secret, ticket):
        if appid != self.component_appid or secret != self.component_secret:
            raise Refusal(INVALID_APPID_SECRET, "invalid appid or appsecret")
        with self._lock:
            if self.tickets.get(ticket or "", 0) < time.time():
                raise Refusal(INVALID_TICKET, "invalid component_verify_ticket")
            token = secrets.token_urlsafe(32)
            self.component_tokens[token] = time.time() + TOKEN_LIFETIME
            self.component_tokens_issued += 1
        return token, TOKEN_LIFETIME

    def check_component_token(self, token):
        with self._lock:
            if self.component_tokens.get(token or "", 0) < time.time():
                raise Refusal(INVALID_TOKEN, "invalid credential, access_token is invalid or not latest")

    # ------------------------------------------------------------ authorisation

    def create_preauthcode(self):
        code = "preauthcode@@@" + secrets.token_urlsafe(24)
        with self._lock:
            self.pre_auth_codes[code] = time.time() + CODE_LIFETIME
        return code, CODE_LIFETIME

    def check_preauthcode(self, code):
        with self._lock:
            if self.pre_auth_codes.get(code or "", 0) < time.time():
                raise Refusal(INVALID_CODE, "invalid pre_auth_code")

    def authorize(self, pre_auth_code, appid):
        """The developer approved on the authorisation page: the event, then the auth_code
        for the redirect (WeChat sends both)."""
        self.check_preauthcode(pre_auth_code)
        program = self.program(appid)
        with self._lock:
            self.pre_auth_codes.pop(pre_auth_code, None)
            info_type = "updateauthorized" if program.authorized else "authorized"
            program.authorized = True
            code = self._auth_code(appid)
        self._push_component_event({
            "AppId": self.component_appid, "CreateTime": int(time.time()), "InfoType": info_type,
            "AuthorizerAppid": appid, "AuthorizationCode": code,
            "AuthorizationCodeExpiredTime": int(time.time()) + CODE_LIFETIME, "PreAuthCode": pre_auth_code})
        return code

    def update_authorization(self, appid):
        """The merchant changed the permissions granted (控制台: 触发 updateauthorized)."""
        with self._lock:
            code = self._auth_code(appid)
        return self._push_component_event({
            "AppId": self.component_appid, "CreateTime": int(time.time()), "InfoType": "updateauthorized",
            "AuthorizerAppid": appid, "AuthorizationCode": code,
            "AuthorizationCodeExpiredTime": int(time.time()) + CODE_LIFETIME, "PreAuthCode": ""})

    def unauthorize(self, appid):
        program = self.program(appid)
        with self._lock:
            program.authorized, program.refresh_token = False, None
            self.authorizer_tokens = {t: v for t, v in self.authorizer_tokens.items() if v[0] != appid}
        return self._push_component_event({"AppId": self.component_appid, "CreateTime": int(time.time()),
                                           "InfoType": "unauthorized", "AuthorizerAppid": appid})

    def _auth_code(self, appid):
        code = "queryauthcode@@@" + secrets.token_urlsafe(24)
        self.auth_codes[code] = (appid, time.time() + CODE_LIFETIME)
        return code

    def query_auth(self, code):
        with self._lock:
            appid, expires_at = self.auth_codes.pop(code or "", (None, 0))
            if appid is None or expires_at < time.time():
                raise Refusal(INVALID_CODE, "invalid authorization_code")
            program = self.mini_programs[appid]
            program.refresh_token = "refreshtoken@@@" + secrets.token_urlsafe(24)
            token = self._authorizer_token(appid)
        return {"authorizer_appid": appid, "authorizer_access_token": token, "expires_in": TOKEN_LIFETIME,
                "authorizer_refresh_token": program.refresh_token, "func_info": FUNC_INFO}

    def refresh_authorizer_token(self, appid, refresh_token):
        with self._lock:
            program = self.mini_programs.get(appid)
            if program is None or not program.authorized or program.refresh_token != refresh_token:
                raise Refusal(INVALID_CODE, "invalid authorizer_refresh_token")
            return {"authorizer_access_token": self._authorizer_token(appid), "expires_in": TOKEN_LIFETIME,
                    "authorizer_refresh_token": program.refresh_token}

    def _authorizer_token(self, appid):
        token = secrets.token_urlsafe(32)
        self.authorizer_tokens[token] = (appid, time.time() + TOKEN_LIFETIME)
        return token

    def authorizer_of(self, access_token):
        with self._lock:
            appid, expires_at = self.authorizer_tokens.get(access_token or "", (None, 0))
        if appid is None or expires_at < time.time():
            raise Refusal(INVALID_TOKEN, "invalid credential, access_token is invalid or not latest")
        return self.mini_programs[appid]

    def program(self, appid):
        program = self.mini_programs.get(appid or "")
        if program is None:
            raise Refusal(40013, "invalid appid")
        return program

    # ------------------------------------------------------------ code management

    def commit(self, program, template_id, ext_json, user_version, user_desc):
        template = next((t for t in self.templates if t.template_id == template_id), None)
        if template is None:
            raise Refusal(NO_SUCH_TEMPLATE, "template not found")
        try:
            ext = json.loads(ext_json or "{}")
        except ValueError:
            raise Refusal(85070, "invalid ext_json") from None
        with self._lock:
            program.committed = {"template_id": template_id, "user_version": user_version, "user_desc": user_desc,
                                 "ext": ext}
            program.commits += 1

    def submit_audit(self, program):
        with self._lock:
            if program.committed is None:
                raise Refusal(NO_CODE, "no code committed")
            if any(audit.status == AUDITING for audit in program.audits):
                raise Refusal(AUDIT_IN_PROGRESS, "a version is already under audit")
            if self.submits_today >= self.submit_quota:
                raise Refusal(QUOTA_EXHAUSTED, "reach max api daily quota limit")
            self.submits_today += 1
            audit = Audit(next(self._ids), program.appid, program.committed["user_version"])
            program.audits.append(audit)
            self.submitted.append((program.appid, audit.auditid))
            return audit

    def audit(self, auditid):
        for program in self.mini_programs.values():
            for audit in program.audits:
                if audit.auditid == auditid:
                    return program, audit
        raise Refusal(85012, "invalid audit id")

    def decide(self, auditid, *, approve, reason=""):
        """The developer's verdict on the control page; WeChat then pushes the result."""
        program, audit = self.audit(auditid)
        with self._lock:
            if audit.status != AUDITING:
                return None
            audit.status = AUDIT_PASSED if approve else AUDIT_REJECTED
            audit.reason = "" if approve else (reason.strip() or "小程序内容不符合规范")
        now = int(time.time())
        fields = {"ToUserName": program.original_id, "FromUserName": "o" + program.original_id, "CreateTime": now,
                  "MsgType": "event"}
        if approve:
            fields.update(Event="weapp_audit_success", SuccTime=now)
        else:
            fields.update(Event="weapp_audit_fail", Reason=audit.reason, FailTime=now, ScreenShot="")
        return self._push(self.message_url.replace("$APPID$", program.appid), fields["Event"], fields,
                          to=program.original_id)

    def release(self, program):
        with self._lock:
            latest = program.audits[-1] if program.audits else None
            if latest is None or latest.status != AUDIT_PASSED:
                raise Refusal(NOT_APPROVED, "audit status does not allow release")
            if program.released and program.released.get("auditid") == latest.auditid:
                raise Refusal(85052, "app is already released")
            program.released = {**program.committed, "auditid": latest.auditid, "released_at": time.time()}

    def pending_audits(self):
        return [(program, audit) for program in self.mini_programs.values() for audit in program.audits
                if audit.status == AUDITING]

    # ------------------------------------------------------------ pushing events

    def _push_component_event(self, fields):
        return self._push(self.event_url, fields["InfoType"], fields)

    def _push(self, url, kind, fields, to=None):
        if not url:
            return None
        params, body = sealed_message(self.token, self.aes_key, self.component_appid, cdata_xml(fields), to=to)
        status, answer = self.deliver(url, params, body)
        with self._lock:
            self.deliveries.append(Delivery(url, kind, status, answer))
        return status


def _post(url, params, body):
    """POST once; ``(status, answer text)`` or ``(None, reason)`` when unreachable. WeChat
    would retry; the control page can trigger the event again."""
    try:
        response = requests.post(url, params=params, data=body.encode("utf-8"),
                                 headers={"Content-Type": "text/xml"}, timeout=10)
    except requests.RequestException as exc:
        return None, type(exc).__name__
    return response.status_code, response.text[:200]
