"""core/sessions.py: a visitor without a session cookie gets an empty session without the
signing work; with one, the session is Flask's signed cookie as before (forged: empty)."""
from flask import request, session

from core.sessions import CookieSessionInterface


def test_no_cookie_empty_session_that_still_saves(app):
    assert isinstance(app.session_interface, CookieSessionInterface)
    with app.test_request_context("/"):
        opened = app.session_interface.open_session(app, request)
        assert dict(opened) == {} and not opened.modified


def test_a_session_round_trips_and_a_forged_one_is_empty(app):
    with app.test_request_context("/"):
        session["member_id"] = 7
        response = app.response_class()
        app.session_interface.save_session(app, session, response)
        cookie = response.headers["Set-Cookie"].split(";")[0]
    name, value = cookie.split("=", 1)
    with app.test_request_context("/", headers={"Cookie": f"{name}={value}"}):
        assert session["member_id"] == 7
    with app.test_request_context("/", headers={"Cookie": f"{name}={value[:-2]}xx"}):
        assert "member_id" not in session
