"""A page version's note is a code with parameters, put into words in the reader's language:
the first version reads 「页面已创建」 in Chinese (not "created"), a rollback reads
「回滚到版本 2」 in Chinese and "Rollback to version 2" in English whoever made it; notes
written as text before the codes are turned into codes by migration 0028."""
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from core.extensions import db
from core.tenancy import tenant_context
from tests.builder.test_page_editor_api import BANNER_AND_GRID, Editor, page_id
from tests.conftest import PLATFORM_HOST, grant_roles
from tests.factories import create_store
from themes.models import PageVersion

EN, ZH = {"Accept-Language": "en"}, {"Accept-Language": "zh-CN"}


@pytest.fixture
def demo(app_ctx):
    return create_store("demo", name="Demo Shop")


@pytest.fixture
def owner(demo, app):
    return Editor(app.test_client(host=PLATFORM_HOST), demo)


def notes(editor, pid, language):
    editor.headers["Accept-Language"] = language["Accept-Language"]
    return [item["note"] for item in editor.get(f"/console/pages/{pid}/versions").get_json()["items"]]


def stored(store, pid):
    with tenant_context(store.id):
        return [(v.note, v.note_params) for v in db.session.scalars(
            select(PageVersion).where(PageVersion.page_id == pid).order_by(PageVersion.version))]


def test_the_first_version_reads_page_created_in_either_language(owner, demo):
    pid = page_id(demo)
    assert notes(owner, pid, ZH) == ["页面已创建"]
    assert notes(owner, pid, EN) == ["Page created"]
    assert stored(demo, pid) == [("created", None)]


def test_a_rollback_note_is_stored_as_a_code_and_read_in_the_reader_s_language(owner, demo):
    pid = page_id(demo)
    owner.headers["Accept-Language"] = "zh-CN"  # made in the Chinese console
    owner.save(pid, BANNER_AND_GRID, 0)
    owner.post(f"/console/pages/{pid}/publish")
    assert owner.post(f"/console/pages/{pid}/rollback", {"version": 1}).status_code == 200
    assert stored(demo, pid)[-1] == ("rollback", {"version": 1})
    assert notes(owner, pid, EN) == ["Rollback to version 1", None, "Page created"]
    assert notes(owner, pid, ZH) == ["回滚到版本 1", None, "页面已创建"]


def test_notes_written_as_text_become_codes_when_migrated(owner, demo, app, owner_engine):
    pid = page_id(demo)
    owner.save(pid, BANNER_AND_GRID, 0)
    owner.post(f"/console/pages/{pid}/publish")
    owner.post(f"/console/pages/{pid}/publish")
    db.session.remove()  # its open read would hold the tables the migration alters
    downgrade(revision="0028-1")  # the schema before codes: notes were words in the author's language
    with owner_engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL duoshop.unscoped = 'on'"))
        for version, note in ((2, "回滚到版本 1"), (3, "Rollback to version 2")):
            conn.execute(text("UPDATE page_versions SET note = :note WHERE page_id = :pid AND version = :v"),
                         {"note": note, "pid": pid, "v": version})
    upgrade()
    if owner_engine.dialect.name == "postgresql":
        with owner_engine.begin() as conn:
            grant_roles(conn)  # the tables of later migrations are new: production's grants again
    assert stored(demo, pid) == [("created", None), ("rollback", {"version": 1}), ("rollback", {"version": 2})]
    assert notes(owner, pid, EN) == ["Rollback to version 2", "Rollback to version 1", "Page created"]
    assert notes(owner, pid, ZH) == ["回滚到版本 2", "回滚到版本 1", "页面已创建"]
