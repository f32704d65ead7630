"""Attempt on a tiny app with a blueprint: the three shapes console views take today."""
import pytest
from flask import Blueprint, Flask, flash, get_flashed_messages, redirect, render_template_string, url_for
from flask_babel import Babel
from flask_wtf import FlaskForm
from sqlalchemy import text
from wtforms import StringField

from core.errors import DomainError
from core.extensions import db
from core.refusals import Attempt

shop = Blueprint("shop", __name__)

PAGE = """{% for category, message in get_flashed_messages(with_categories=true) %}[{{ category }}: {{ message }}]{% endfor %}
{% if form %}{% for name, errors in form.errors.items() %}<{{ name }}: {{ errors|join(", ") }}>{% endfor %}{% endif %}
{% if error %}(error: {{ error.message }}){% endif %}"""


class SlugTaken(DomainError):
    status = 409


class PageForm(FlaskForm):
    title = StringField()
    slug = StringField()


def add_note(body):
    """A verb: writes, then refuses some input after writing (so a rollback is visible)."""
    db.session.execute(text("INSERT INTO note (body) VALUES (:body)"), {"body": body})
    if body == "taken":
        raise SlugTaken("That address is taken.", field="slug")
    if body == "vague":
        raise DomainError("Not now.")
    if body == "crash":
        raise RuntimeError("bug")


def notes():
    return db.session.scalars(text("SELECT body FROM note ORDER BY body")).all()


@shop.route("/notes/<body>/delete", methods=["POST"])
def delete_note(body):
    """Flash and redirect: the list shows the refusal."""
    with Attempt():
        add_note(body)
    return redirect(url_for("shop.list_notes"))


@shop.route("/notes")
def list_notes():
    return render_template_string(PAGE, form=None, error=None)


@shop.route("/pages", methods=["POST"])
def create_page():
    """Re-render the form with the refusal on its field."""
    form = PageForm()
    form.validate()
    with Attempt(form, field="title") as attempt:
        add_note(form.slug.data)
    if attempt.refused:
        return render_template_string(PAGE, form=form, error=None), attempt.status
    flash("Page created.", "success")
    return redirect(url_for("shop.list_notes"))


@shop.route("/rules", methods=["POST"])
def save_rules():
    """Render with ``error=refusal``: the template places the message itself."""
    with Attempt(flash=False) as attempt:
        add_note("vague")
    return render_template_string(PAGE, form=None, error=attempt.refusal), attempt.status


@pytest.fixture
def tiny_app():
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test", WTF_CSRF_ENABLED=False, SQLALCHEMY_DATABASE_URI="sqlite://")
    Babel(app)
    db.init_app(app)
    app.register_blueprint(shop)
    with app.app_context():
        db.session.execute(text("CREATE TABLE note (body TEXT)"))
        db.session.commit()
        yield app
        db.session.execute(text("DROP TABLE note"))
        db.session.commit()


@pytest.fixture
def client(tiny_app):
    return tiny_app.test_client()


def test_a_verb_that_goes_through_is_committed(client):
    response = client.post("/notes/kept/delete")
    assert response.status_code == 302
    assert notes() == ["kept"]


def test_a_refusal_is_rolled_back_flashed_and_the_view_redirects(client):
    response = client.post("/notes/vague/delete", follow_redirects=True)
    assert "[error: Not now.]" in response.text
    assert notes() == []


def test_a_refusal_naming_a_form_field_goes_on_that_field_with_its_status(client):
    response = client.post("/pages", data={"title": "Home", "slug": "taken"})
    assert response.status_code == 409
    assert "<slug: That address is taken.>" in response.text
    assert "[error:" not in response.text  # on the field, not flashed as well
    assert notes() == []


def test_a_refusal_naming_no_field_goes_on_the_default_field(client):
    response = client.post("/pages", data={"title": "Home", "slug": "vague"})
    assert response.status_code == 422
    assert "<title: Not now.>" in response.text


def test_the_form_page_flashes_success_after_a_commit(client):
    response = client.post("/pages", data={"title": "Home", "slug": "home"}, follow_redirects=True)
    assert "[success: Page created.]" in response.text
    assert notes() == ["home"]


def test_with_flash_off_the_view_shows_the_refusal_itself(client):
    response = client.post("/rules")
    assert response.status_code == 422
    assert "(error: Not now.)" in response.text and "[error:" not in response.text


def test_another_exception_is_rolled_back_and_propagates(tiny_app):
    with tiny_app.test_request_context(), pytest.raises(RuntimeError), Attempt():
        add_note("crash")
    assert notes() == []


def test_a_field_the_form_lacks_is_flashed_instead(tiny_app):
    with tiny_app.test_request_context(method="POST", data={"title": "x"}):
        form = PageForm()
        with Attempt(form) as attempt:
            raise DomainError("No stock.", field="sku_3_stock")
        assert attempt.refused and form.errors == {}
        assert get_flashed_messages(with_categories=True) == [("error", "No stock.")]


def test_nothing_refused_reports_status_200(tiny_app):
    with tiny_app.test_request_context(), Attempt(commit=False) as attempt:
        pass
    assert not attempt.refused and attempt.status == 200 and attempt.refusal is None
