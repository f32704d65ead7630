import pytest
from flask import Flask
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from core.tokens import BadToken, ExpiredToken, id_code, id_from_code, sign, unsign


@pytest.fixture
def secret_app():
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "test-secret"
    with app.app_context():
        yield app


def test_a_signed_value_comes_back(secret_app):
    token = sign("invite", {"user": 3, "roles": ["admin"]}, tenant_id=7)
    assert unsign("invite", token, tenant_id=7) == {"user": 3, "roles": ["admin"]}


@pytest.mark.parametrize("purpose, tenant_id", [("invite", 8), ("reset", 7), ("invite", None)])
def test_a_token_for_another_purpose_or_store_is_refused(secret_app, purpose, tenant_id):
    token = sign("invite", 3, tenant_id=7)
    with pytest.raises(BadToken):
        unsign(purpose, token, tenant_id=tenant_id)


@pytest.mark.parametrize("token", ["", "garbage", None])
def test_garbage_is_a_bad_token(secret_app, token):
    with pytest.raises(BadToken):
        unsign("invite", token)


def test_a_tampered_token_is_refused(secret_app):
    token = sign("invite", 3)
    with pytest.raises(BadToken):
        unsign("invite", token[:-2] + ("AA" if not token.endswith("AA") else "BB"))


def test_an_old_token_is_expired_but_a_fresh_one_is_not(secret_app, monkeypatch):
    token = sign("invite", 3)
    assert unsign("invite", token, max_age=60) == 3
    issued = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: issued(self) + 61)
    with pytest.raises(ExpiredToken):
        unsign("invite", token, max_age=60)
    assert issubclass(ExpiredToken, BadToken)


def test_tokens_of_the_wechat_login_serializer_stay_valid(secret_app):
    """commerce/members/wechat_login.py can adopt sign/unsign without logging anyone out."""
    legacy = URLSafeTimedSerializer("test-secret", salt="duoshop.api-member.7").dumps({"m": 5})
    assert unsign("api-member", legacy, tenant_id=7) == {"m": 5}


def test_a_token_signed_with_a_retired_key_is_still_read_while_it_is_a_fallback(secret_app):
    token = sign("invite", 3)
    secret_app.config.update(SECRET_KEY="new-secret", SECRET_KEY_FALLBACKS=["test-secret"])
    assert unsign("invite", token) == 3
    secret_app.config["SECRET_KEY_FALLBACKS"] = []
    with pytest.raises(BadToken):
        unsign("invite", token)


def test_a_purpose_is_a_plain_name(secret_app):
    with pytest.raises(ValueError):
        sign("a.b", 1)


def test_an_id_code_is_short_stable_and_names_its_number(secret_app):
    code = id_code("referral", 42, tenant_id=7)
    assert code == id_code("referral", 42, tenant_id=7)
    assert code.startswith("42-") and len(code) == len("42-") + 10
    assert id_from_code("referral", code, tenant_id=7) == 42


@pytest.mark.parametrize("code", [
    "43-" + "x" * 10,  # another member's number with this signature
    "",
    None,
    "42",
    "-abc",
    "４２-abcdefghij",  # full-width digits are not ours
    "1" * 13 + "-abcdefghij",
])
def test_a_made_up_code_finds_nobody(secret_app, code):
    assert id_from_code("referral", code, tenant_id=7) is None


def test_a_code_from_another_store_or_purpose_finds_nobody(secret_app):
    code = id_code("referral", 42, tenant_id=7)
    assert id_from_code("referral", code, tenant_id=8) is None
    assert id_from_code("invite", code, tenant_id=7) is None
    other_number = "43" + code[2:]
    assert id_from_code("referral", other_number, tenant_id=7) is None


def test_an_id_code_survives_key_rotation_while_the_old_key_is_a_fallback(secret_app):
    code = id_code("referral", 42, tenant_id=7)
    secret_app.config.update(SECRET_KEY="new-secret", SECRET_KEY_FALLBACKS=["test-secret"])
    assert id_from_code("referral", code, tenant_id=7) == 42
    assert id_code("referral", 42, tenant_id=7) != code


@pytest.mark.parametrize("number", [-1, True, "42", 4.0])
def test_id_codes_are_for_whole_numbers(secret_app, number):
    with pytest.raises(ValueError):
        id_code("referral", number)
