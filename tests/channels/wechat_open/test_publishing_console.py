"""小程序发布 in the console: a store goes from 未授权 to 已发布 against the sandbox, and a
second store never sees or acts on the first one's mini-program."""
import pytest
from sqlalchemy import select

from channels.wechat_open.models import Authorization, Release
from core.audit import AuditLog
from core.crypto import decrypt_pii
from core.extensions import db
from core.tenancy import tenant_context, unscoped
from tenants.models import StaffUser
from tests.channels.wechat_open.conftest import PUBLISHING, authorise, press
from tests.conftest import csrf_from
from tests.factories import create_staff, create_store, login_staff

EN = {"Accept-Language": "en"}


@pytest.fixture
def stores(app_ctx):
    return create_store("demo", name="Demo Shop"), create_store("tea", name="Tea House")


@pytest.fixture
def owner(app, stores):
    client = app.test_client()
    login_staff(client, stores[0])
    return client


def current_step(client):
    page = client.get(PUBLISHING, headers=EN).get_data(as_text=True)
    marker = 'aria-current="step"'
    assert marker in page
    return page.split(marker)[0].rsplit('data-step="', 1)[1].split('"')[0], page


def test_a_store_goes_from_not_authorised_to_released(owner, stores, open_platform):
    program = next(iter(open_platform.mini_programs.values()))
    assert current_step(owner)[0] == "not_authorized"

    assert authorise(owner, open_platform, program.appid).status_code == 302
    step, page = current_step(owner)
    assert step == "authorized" and program.appid in page and program.name in page  # its name, from WeChat

    assert press(owner, "upload").status_code == 302
    assert current_step(owner)[0] == "uploaded"
    assert open_platform.mini_programs[program.appid].committed["ext"]["ext"]["store_name"] == "Demo Shop"
    qr = owner.get(f"{PUBLISHING}/qrcode.png")
    assert qr.status_code == 200 and qr.mimetype == "image/png" and qr.data.startswith(b"\x89PNG")

    press(owner, "submit")
    assert current_step(owner)[0] == "auditing"
    (_program, audit), = open_platform.pending_audits()
    open_platform.decide(audit.auditid, approve=True)  # the developer on the sandbox's control page
    assert current_step(owner)[0] == "approved"

    press(owner, "release")
    step, page = current_step(owner)
    assert step == "released"
    assert open_platform.mini_programs[program.appid].released["auditid"] == audit.auditid
    with tenant_context(stores[0].id):
        actions = set(db.session.scalars(select(AuditLog.action)))
    assert {"mini_program.authorized", "mini_program.submitted", "mini_program.released"} <= actions


def test_a_rejection_shows_its_reason_and_the_owner_may_submit_again(owner, open_platform):
    program = next(iter(open_platform.mini_programs.values()))
    authorise(owner, open_platform, program.appid)
    press(owner, "upload")
    press(owner, "submit")
    (_program, audit), = open_platform.pending_audits()
    open_platform.decide(audit.auditid, approve=False, reason="首页缺少隐私协议")
    step, page = current_step(owner)
    assert step == "rejected" and "首页缺少隐私协议" in page
    press(owner, "submit")
    assert current_step(owner)[0] == "auditing"
    assert len(open_platform.submitted) == 2


def test_the_refresh_token_is_stored_encrypted(owner, stores, open_platform, owner_engine):
    program = next(iter(open_platform.mini_programs.values()))
    authorise(owner, open_platform, program.appid)
    with owner_engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT refresh_token FROM mini_program_authorizations").scalar()
    assert stored.startswith("v1:") and program.refresh_token not in stored
    assert decrypt_pii(stored) == program.refresh_token


def test_second_store_never_sees_or_acts_on_the_first_stores_mini_program(app, owner, stores, open_platform):
    program = next(iter(open_platform.mini_programs.values()))
    authorise(owner, open_platform, program.appid)
    press(owner, "upload")
    other = app.test_client()
    login_staff(other, stores[1])
    step, page = current_step(other)
    assert step == "not_authorized" and program.appid not in page
    for action in ("submit", "release"):
        assert press(other, action).status_code == 404
    assert other.get(f"{PUBLISHING}/qrcode.png").status_code == 404
    assert open_platform.submitted == []


def test_a_mini_program_of_one_store_cannot_be_authorised_by_another(app, owner, stores, open_platform):
    program = next(iter(open_platform.mini_programs.values()))
    authorise(owner, open_platform, program.appid)
    other = app.test_client()
    login_staff(other, stores[1])
    response = authorise(other, open_platform, program.appid)
    assert response.status_code == 302
    with unscoped():
        holders = db.session.scalars(select(Authorization.tenant_id)).all()
    assert holders == [stores[0].id]


def test_a_callback_started_by_someone_else_is_refused(app, owner, stores, open_platform):
    response = owner.get(f"{PUBLISHING}/callback?auth_code=queryauthcode@@@x&state=forged")
    assert response.status_code == 400


def test_an_operator_sees_the_pipeline_but_cannot_publish(app, stores, open_platform):
    create_staff(stores[0], "ops@demo.example.com", StaffUser.OPERATOR)
    client = app.test_client()
    login_staff(client, stores[0], email="ops@demo.example.com")
    step, page = current_step(client)
    assert step == "not_authorized" and "Only the owner or an admin" in page
    response = client.post(f"{PUBLISHING}/authorize", data={"csrf_token": csrf_from(client, PUBLISHING)})
    assert response.status_code == 302  # back to the page, with the refusal flashed
    with unscoped():
        assert db.session.scalar(select(Release.id)) is None
    assert open_platform.pre_auth_codes == {}
