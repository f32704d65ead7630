"""The ext.json a store's mini-program is uploaded with: which store it is, where its API
lives, and the theme's colours — from ``themes.pages.store_colors``, so a theme switch
reaches the mini-program without a new release."""
import json

from channels.wechat_open.ext import store_ext, store_ext_json
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import StaffUser
from tests.factories import create_store
from themes.pages import change_theme, store_colors

APPID = "wx0123456789abcdef"


def test_ext_json_names_the_store_its_api_and_its_colours(app_ctx):
    store = create_store("demo", name="Demo Shop")
    with tenant_context(store.id):
        ext = json.loads(store_ext_json(APPID))
    assert ext["extAppid"] == APPID and ext["extEnable"] is True
    assert ext["ext"]["store_name"] == "Demo Shop"
    assert ext["ext"]["store_host"] == "demo.duoshop.test"
    assert ext["ext"]["api_base"].endswith("://duoshop.test/api/v1")
    assert ext["ext"]["colors"] == {"primary": "#07c160", "accent": "#ee0a24", "background": "#f5f5f5"}


def test_a_theme_change_changes_the_colours(app_ctx):
    store = create_store("demo")
    with tenant_context(store.id):
        owner = db.session.query(StaffUser).one()
        change_theme(actor=owner, theme_name="default", settings={"primary_color": "#123456"})
        db.session.commit()
        assert store_colors()["primary"] == "#123456"
        assert store_ext(APPID)["ext"]["colors"]["primary"] == "#123456"


def test_each_store_gets_its_own(app_ctx):
    demo, tea = create_store("demo", name="Demo Shop"), create_store("tea", name="Tea House")
    with tenant_context(demo.id):
        owner = db.session.query(StaffUser).one()
        change_theme(actor=owner, theme_name="default", settings={"primary_color": "#abcdef"})
        db.session.commit()
    with tenant_context(tea.id):
        ext = store_ext(APPID)["ext"]
    assert ext["store_name"] == "Tea House" and ext["colors"]["primary"] == "#07c160"
