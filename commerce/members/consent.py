"""A store's privacy policy (隐私政策, versioned) and what each member agreed to (PIPL art. 13/14).

Consent rows are append-only (``MemberConsent``): the current state of a purpose is the
member's latest row for it. Nothing here is cached, so a withdrawal stops profiling and
marketing at the very next query: whoever profiles or markets asks ``has_consent`` or filters
by ``consenting_member_ids`` each time.

A member who agreed to an older version of the policy keeps their choices (consent to the
purposes is not lost by a new text), but ``needs_reconsent`` tells the member center and the
mini-program to ask them to read and agree again.
"""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from commerce.members.models import MemberConsent, PrivacyPolicy
from core.audit import record_audit
from core.errors import DomainError
from core.extensions import db
from core.models import utcnow
from core.personal_data import erases_personal_data, exports_personal_data

MAX_TITLE = 100
MAX_BODY = 20_000

# The platform's default text (version 0), shown while a store has published none. It is the
# document itself, in the language the stores and their shoppers read (Chinese); a merchant
# starts from it in the console and publishes their own version.
DEFAULT_TITLE = "隐私政策"
DEFAULT_BODY = """欢迎光临本店。本政策说明我们在您使用本店（网页商城及微信小程序）时收集哪些个人信息、为什么收集、保存多久，以及您享有的权利。请您仔细阅读，同意后再继续使用。

一、我们收集的信息
1. 账号信息：微信授权后的标识（openid）、昵称，以及您主动提供的手机号。
2. 交易信息：订单商品、金额、支付状态、收货人姓名、电话与地址、售后记录，以及积分、储值和优惠券的变动记录。
3. 浏览行为：访问的页面、浏览和搜索的商品、加入购物车等操作，以及访问来源渠道与时间。

二、我们为什么使用这些信息
1. 账号与交易（必需）：为您开设会员账号，完成下单、支付、发货、售后和会员权益。不同意则无法注册和下单。
2. 营销消息（可选）：向您发送优惠活动、上新等消息。您可以不同意，也可以随时在「我的 › 隐私与数据」中关闭。
3. 用户画像（可选）：根据消费与浏览记录进行分析（如会员分层、偏好品类），用于改进商品和服务。仅在您明确同意后进行，您可以随时撤回，撤回后立即停止。

三、我们保存多久
1. 浏览行为记录与操作日志：保存 180 天后删除，仅保留不含个人身份的汇总统计。
2. 订单与支付记录：依照《电子商务法》保存自交易完成之日起 3 年，期满后匿名化处理（金额和数量保留用于对账，姓名、电话、地址等清除）。
3. 账号信息：保存至您注销账号为止。

四、您的权利
1. 查询与导出：您可以在「我的 › 隐私与数据」中导出本店保存的您的个人信息副本。
2. 更正：您可以随时修改昵称、手机号和收货地址。
3. 撤回同意：可选用途的同意可随时一键撤回，不影响您继续购物。
4. 注销账号：您可以申请注销，我们将删除或匿名化您的个人信息；依法须保存的交易记录按上述期限保存。

五、信息共享与安全
我们不会出售您的个人信息。仅在完成交易必需时向支付机构（微信支付）和物流公司提供必要信息。手机号、收货人姓名、电话和详细地址均加密存储，店铺工作人员按岗位权限查看，查看记录留存备查。

六、政策更新
本政策更新后，我们会在您下次访问时提示您阅读并重新确认。

如您对本政策或您的个人信息有任何疑问，请通过本店客服与我们联系。"""


class PolicyInvalid(DomainError):
    """A policy's title or body is missing or too long; ``field`` names it."""


class ConsentRefused(DomainError):
    """A choice that cannot be made this way (the account's consent is withdrawn by closing
    the account, not by a switch)."""


class PolicyChanged(DomainError):
    """The shopper agreed to a policy text that is no longer the current one."""

    status = 409

    def __init__(self, current_version):
        super().__init__(_("The privacy policy has just been updated. Please read the new version."),
                         extra={"policy_version": current_version})


@dataclass(frozen=True)
class ConsentState:
    """A member's current choice about one purpose: ``granted``, under which policy version,
    when and where (``None`` for the last three while they never chose)."""

    purpose: str
    granted: bool
    policy_version: int | None
    at: datetime | None
    channel: str | None = None


def purpose_titles():
    """Each purpose's short name, as shoppers and staff read it."""
    return {MemberConsent.ACCOUNT: _("Account and orders"), MemberConsent.MARKETING: _("Offers and new arrivals"),
            MemberConsent.PROFILING: _("Personal recommendations")}


def channel_labels():
    """Where a choice was made, as staff read it."""
    return {MemberConsent.H5: _("H5 store"), MemberConsent.MINIPROGRAM: _("Mini-program"),
            MemberConsent.CONSOLE: _("Console"), MemberConsent.SYSTEM: _("System (account closed)")}


def default_policy():
    """The platform's default policy, as an unsaved version 0."""
    return PrivacyPolicy(version=0, title=DEFAULT_TITLE, body=DEFAULT_BODY, published_at=None, published_by=None)


def current_policy():
    """The current store's latest published policy, or the platform's default (version 0)."""
    policy = db.session.scalar(select(PrivacyPolicy).order_by(PrivacyPolicy.version.desc()).limit(1))
    return policy or default_policy()


def policy_versions():
    """Every published version of the current store's policy, newest first."""
    return db.session.scalars(select(PrivacyPolicy).order_by(PrivacyPolicy.version.desc())).all()


def publish_policy(title, body, *, actor, now=None):
    """Publish a new version of the current store's policy (the previous ones stay, as the
    texts members agreed to), audited.

    :raise PolicyInvalid: naming the field to fix, or (409) another version published at the
        same moment; nothing is written
    """
    title = (title or "").strip()
    body = (body or "").replace("\r\n", "\n").strip()
    if not title:
        raise PolicyInvalid(_("Give the policy a title."), field="title")
    if len(title) > MAX_TITLE:
        raise PolicyInvalid(_("The title can be at most %(n)d characters.", n=MAX_TITLE), field="title")
    if not body:
        raise PolicyInvalid(_("The policy text cannot be empty."), field="body")
    if len(body) > MAX_BODY:
        raise PolicyInvalid(_("The policy text can be at most %(n)d characters.", n=MAX_BODY), field="body")
    latest = db.session.scalar(select(func.max(PrivacyPolicy.version))) or 0
    policy = PrivacyPolicy(version=latest + 1, title=title, body=body, published_at=now or utcnow(),
                           published_by=getattr(actor, "id", None))
    try:
        with db.session.begin_nested():  # two publishes at once: the unique (store, version) decides
            db.session.add(policy)
    except IntegrityError:
        raise PolicyInvalid(_("Someone published a version at the same moment. Reload the page and try again."),
                            status=409) from None
    record_audit("privacy_policy.published", actor=actor, target=policy,
                 details={"version": policy.version, "title": title})
    return policy


def _latest_rows(member_id):
    latest = (select(func.max(MemberConsent.id))
              .where(MemberConsent.member_id == member_id, MemberConsent.purpose.in_(MemberConsent.PURPOSES))
              .group_by(MemberConsent.purpose))
    rows = db.session.scalars(select(MemberConsent).where(MemberConsent.id.in_(latest))).all()
    return {row.purpose: row for row in rows}


def consent_state(member_id):
    """``{purpose: ConsentState}`` for every purpose, in ``MemberConsent.PURPOSES`` order."""
    rows = _latest_rows(member_id)
    return {purpose: ConsentState(purpose, rows[purpose].granted, rows[purpose].policy_version,
                                  rows[purpose].created_at, rows[purpose].channel) if purpose in rows
            else ConsentState(purpose, False, None, None)
            for purpose in MemberConsent.PURPOSES}


def record_consents(member_id, choices, *, channel, policy_version=None, now=None):
    """Record the member's choices, ``{purpose: granted}``, made on ``channel`` under
    ``policy_version`` (default: the current one). Only changes are written: a purpose whose
    state is already the choice gets no row, except a grant under a newer policy version (the
    member agreed again to the new text). A refusal of a purpose never granted writes nothing.
    Returns the rows written.

    :raise ConsentRefused: the account's consent is to be withdrawn (that is closing the account)
    """
    _check(choices.keys(), channel)
    if choices.get(MemberConsent.ACCOUNT) is False:
        raise ConsentRefused(_("The account cannot be kept without this consent: close the account instead."),
                             field=MemberConsent.ACCOUNT)
    if policy_version is None:
        policy_version = current_policy().version
    current = _latest_rows(member_id)
    written = []
    for purpose in MemberConsent.PURPOSES:
        if purpose not in choices:
            continue
        granted = bool(choices[purpose])
        row = current.get(purpose)
        if granted:
            unchanged = row is not None and row.granted and row.policy_version >= policy_version
        else:
            unchanged = row is None or not row.granted
        if unchanged:
            continue
        entry = MemberConsent(member_id=member_id, purpose=purpose, granted=granted, policy_version=policy_version,
                              channel=channel, created_at=now or utcnow())
        db.session.add(entry)
        written.append(entry)
    db.session.flush()
    return written


def withdraw_consent(member_id, purpose, *, channel, now=None):
    """Withdraw the member's consent to an optional purpose; from the next query on, they are
    neither profiled nor sent marketing. Returns the row written (None: it was not granted).

    :raise ConsentRefused: ``purpose`` is the account's (that is closing the account)
    """
    written = record_consents(member_id, {purpose: False}, channel=channel, now=now)
    return written[0] if written else None


def update_consents(member_id, choices, *, version_read, channel, now=None):
    """The member's choices from a consent screen showing policy ``version_read``: grants are
    recorded under that version, which must be the current one; withdrawals always go through
    (stopping a use never waits on reading a text). Returns the rows written.

    :raise PolicyChanged: a grant made on an older (or unknown) version of the policy; nothing is written
    :raise ConsentRefused: the account's consent is to be withdrawn (that is closing the account)
    """
    current = check_policy_read(version_read) if any(choices.values()) else current_policy().version
    return record_consents(member_id, choices, channel=channel, policy_version=current, now=now)


def check_policy_read(version_read):
    """The current policy version, when it is ``version_read`` (the one the shopper was shown).

    :raise PolicyChanged: it is not
    """
    current = current_policy().version
    if version_read != current:
        raise PolicyChanged(current)
    return current


def has_consent(member_id, purpose):
    """Whether the member's latest choice for ``purpose`` is a grant (never asked: no)."""
    _check([purpose])
    latest = db.session.scalar(select(MemberConsent.granted)
                               .where(MemberConsent.member_id == member_id, MemberConsent.purpose == purpose)
                               .order_by(MemberConsent.id.desc()).limit(1))
    return bool(latest)


def consenting_member_ids(purpose):
    """A SELECT of the ids of the current store's members whose latest choice for ``purpose``
    is a grant, to use as a subquery: ``Member.id.in_(consenting_member_ids(PROFILING))``."""
    _check([purpose])
    if db.session.get_bind().dialect.name == "postgresql":
        # DISTINCT ON reads the index (tenant, purpose, member, id) once, newest row first per
        # member: a fifth of the time of max(id) per member joined back (the portrait and the
        # RFM screens each use this several times per page).
        latest = (select(MemberConsent.member_id, MemberConsent.granted).where(MemberConsent.purpose == purpose)
                  .distinct(MemberConsent.member_id).order_by(MemberConsent.member_id, MemberConsent.id.desc())
                  .subquery())
        return select(latest.c.member_id).where(latest.c.granted.is_(True))
    latest = (select(func.max(MemberConsent.id)).where(MemberConsent.purpose == purpose)
              .group_by(MemberConsent.member_id))
    return select(MemberConsent.member_id).where(MemberConsent.id.in_(latest), MemberConsent.granted.is_(True))


def agreed_policy_version(member_id):
    """The policy version of the member's latest account consent, or None (never agreed)."""
    row = _latest_rows(member_id).get(MemberConsent.ACCOUNT)
    return row.policy_version if row is not None and row.granted else None


def needs_reconsent(member_id):
    """Whether the member should be asked to read and agree to the current policy: they never
    agreed (a member from before consents were asked), or agreed to an older version."""
    agreed = agreed_policy_version(member_id)
    return agreed is None or agreed < current_policy().version


def _check(purposes, channel=None):
    unknown = set(purposes) - set(MemberConsent.PURPOSES)
    if unknown:
        raise ValueError(f"unknown consent purposes {sorted(unknown)}")
    if channel is not None and channel not in MemberConsent.CHANNELS:
        raise ValueError(f"unknown consent channel {channel!r}")


@exports_personal_data("consents", order=80)
def export_consents(member_id):
    """Every choice the member made, oldest first (the whole record, not only the current state)."""
    rows = db.session.scalars(select(MemberConsent).where(MemberConsent.member_id == member_id)
                              .order_by(MemberConsent.id)).all()
    return [{"purpose": row.purpose, "granted": row.granted, "policy_version": row.policy_version,
             "channel": row.channel, "at": row.created_at.isoformat()} for row in rows]


@erases_personal_data("consents", order=90)
def erase_consents(member_id, *, now):
    """Erasing a member keeps their consent rows and adds a final withdrawal of every purpose
    still granted (channel ``system``). The rows are kept because they are the store's
    evidence that what it processed before the erasure was agreed to (PIPL art. 14 consent
    must be provable, art. 13); they hold no personal field of their own (purpose, yes/no,
    version, channel, time), and the member row they point to is anonymised by the erasure.
    The withdrawal makes sure the erased member is never again profiled or marketed to."""
    for purpose, row in _latest_rows(member_id).items():
        if row.granted:
            db.session.add(MemberConsent(member_id=member_id, purpose=purpose, granted=False,
                                         policy_version=row.policy_version, channel=MemberConsent.SYSTEM,
                                         created_at=now))
    db.session.flush()
