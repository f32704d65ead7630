"""Shipping templates: the services' rules, the console screens, two stores kept apart,
and the default template every new store gets."""
import pytest
from sqlalchemy import select

from commerce.shipping.errors import InvalidShippingTemplate, NotDeliverable
from commerce.shipping.models import ShippingRule, ShippingTemplate
from commerce.shipping.regions import HK_MACAO_TAIWAN_ABROAD, OVERSEAS
from commerce.shipping.service import (
    create_default_shipping_template,
    create_template,
    delete_template,
    list_templates,
    set_default_template,
    shipping_fee_for,
    update_template,
)
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import StaffUser, Tenant
from tests.conftest import csrf_from
from tests.factories import create_staff, create_store, login_staff

BEIJING, SHANGHAI, XINJIANG, TAIWAN = "110000", "310000", "650000", "710000"


def paid_rule(regions=(), first_fee=1000, extra_fee=500):
    return {"regions": list(regions), "first_weight_g": 1000, "first_fee": first_fee, "extra_weight_g": 1000,
            "extra_fee": extra_fee}


@pytest.fixture
def stores(app_ctx):
    return create_store("demo"), create_store("tea")


def owner_of(store):
    return db.session.scalar(select(StaffUser).where(StaffUser.email == store.owner_email))


def template_named(store, name):
    with tenant_context(store.id):
        db.session.expire_all()
        return db.session.scalar(select(ShippingTemplate).where(ShippingTemplate.name == name))


# --- provisioning and checkout's fee -------------------------------------------------------

def test_a_new_store_ships_free_nationwide_but_not_to_hong_kong_macao_taiwan_or_abroad(stores):
    demo, _tea = stores
    with tenant_context(demo.id):
        (template,) = list_templates()
        assert template.is_default and template.name == "Free shipping nationwide"
        assert set(template.not_delivered) == set(HK_MACAO_TAIWAN_ABROAD)
        assert shipping_fee_for(XINJIANG, [(20_000, 3)], 1) == 0
        with pytest.raises(NotDeliverable, match="台湾省"):
            shipping_fee_for(TAIWAN, [(100, 1)], 1)


def test_provisioning_twice_keeps_one_template(stores):
    demo, _tea = stores
    with tenant_context(demo.id):
        create_default_shipping_template(db.session.get(Tenant, demo.id))
        assert len(list_templates()) == 1


def test_a_store_without_any_template_ships_free(stores):
    demo, _tea = stores
    with tenant_context(demo.id):
        delete_template(list_templates()[0], actor=None)
        assert list_templates() == []
        assert shipping_fee_for(OVERSEAS, [(5000, 1)], 0) == 0


def test_checkout_fee_follows_the_default_template(stores):
    demo, _tea = stores
    with tenant_context(demo.id):
        create_template(actor=owner_of(demo), name="顺丰", is_default=True, free_over=19900,
                        rules=[paid_rule([XINJIANG], first_fee=2500), paid_rule()])
        db.session.commit()
        assert shipping_fee_for(SHANGHAI, [(1500, 1)], 1000) == 1500
        assert shipping_fee_for(XINJIANG, [(800, 1)], 1000) == 2500
        assert shipping_fee_for(XINJIANG, [(800, 1)], 19900) == 0
        assert [t.name for t in list_templates()] == ["顺丰", "Free shipping nationwide"]


# --- the services' rules -------------------------------------------------------------------

@pytest.mark.parametrize("changes, field", [
    ({"name": " "}, "name"),
    ({"name": "x" * 41}, "name"),
    ({"name": "Free shipping nationwide"}, "name"),
    ({"free_over": -1}, "free_over"),
    ({"free_over": 9.9}, "free_over"),
    ({"rules": []}, "rules"),
    ({"rules": [paid_rule(first_fee=-1)]}, "rule_0_first_fee"),
    ({"rules": [paid_rule(extra_fee=1.5)]}, "rule_0_extra_fee"),
    ({"rules": [dict(paid_rule(), first_weight_g=0)]}, "rule_0_first_weight_g"),
    ({"rules": [dict(paid_rule(), extra_weight_g=-500)]}, "rule_0_extra_weight_g"),
    ({"rules": [paid_rule(["999999"])]}, "rule_0_regions"),
    ({"rules": [paid_rule([BEIJING]), paid_rule([SHANGHAI, BEIJING])]}, "rule_1_regions"),
    ({"rules": [paid_rule(), paid_rule()]}, "rule_1_regions"),
    ({"rules": [paid_rule([TAIWAN])], "not_delivered": [TAIWAN]}, "rule_0_regions"),
    ({"not_delivered": ["12"]}, "not_delivered"),
])
def test_invalid_templates_are_refused_naming_the_field(stores, changes, field):
    demo, _tea = stores
    arguments = {"name": "快递", "rules": [paid_rule()], **changes}
    with tenant_context(demo.id), pytest.raises(InvalidShippingTemplate) as refusal:
        create_template(actor=None, **arguments)
    assert refusal.value.field == field


def test_a_region_in_two_rules_is_named_in_the_message(stores):
    demo, _tea = stores
    with tenant_context(demo.id), pytest.raises(InvalidShippingTemplate, match="北京市 is in rule 1 and rule 2"):
        create_template(actor=None, name="快递", rules=[paid_rule([BEIJING]), paid_rule([BEIJING])])


def test_a_store_has_one_default_and_keeps_it_until_another_is_chosen(stores):
    demo, _tea = stores
    with tenant_context(demo.id):
        nationwide = list_templates()[0]
        express = create_template(actor=None, name="顺丰", rules=[paid_rule()])
        assert not express.is_default and nationwide.is_default
        set_default_template(express, actor=None)
        db.session.commit()
        db.session.expire_all()
        assert [t.name for t in list_templates() if t.is_default] == ["顺丰"]
        update_template(express, actor=None, name="顺丰", rules=[paid_rule()], is_default=False)
        assert express.is_default  # un-ticking does not leave the store without a default
        with pytest.raises(InvalidShippingTemplate, match="Make another template the default"):
            delete_template(express, actor=None)


def test_updating_replaces_the_rules(stores):
    demo, _tea = stores
    with tenant_context(demo.id):
        template = create_template(actor=None, name="快递", rules=[paid_rule([BEIJING]), paid_rule()])
        db.session.commit()
        update_template(template, actor=None, name="快递", rules=[paid_rule([SHANGHAI], first_fee=700)])
        db.session.commit()
        rules = db.session.scalars(select(ShippingRule).where(ShippingRule.template_id == template.id)).all()
        assert [(r.regions, r.first_fee) for r in rules] == [([SHANGHAI], 700)]


# --- console screens ---------------------------------------------------------------------

@pytest.fixture
def console(stores, platform_client):
    demo, _tea = stores
    login_staff(platform_client, demo)
    return platform_client


def template_form(**overrides):
    form = {"name": "顺丰速运", "free_over": "99", "action": "save", "rule_count": "2",
            "rule_0_regions": [XINJIANG], "rule_0_first_weight_g": "1000", "rule_0_first_fee": "20",
            "rule_0_extra_weight_g": "1000", "rule_0_extra_fee": "10.5",
            "rule_1_first_weight_g": "500", "rule_1_first_fee": "8", "rule_1_extra_weight_g": "500",
            "rule_1_extra_fee": "3", "not_delivered": [TAIWAN, OVERSEAS]}
    form.update(overrides)
    return form


def test_console_lists_creates_and_edits_a_template(console, stores):
    demo, _tea = stores
    assert "Free shipping nationwide" in console.get("/console/shipping").get_data(as_text=True)
    token = csrf_from(console, "/console/shipping/new")
    response = console.post("/console/shipping/new", data=template_form(csrf_token=token))
    assert response.status_code == 302
    template = template_named(demo, "顺丰速运")
    with tenant_context(demo.id):
        assert template.free_over == 9900 and not template.is_default
        assert [(r.regions, r.first_fee, r.extra_fee) for r in template.rules] == [
            ([XINJIANG], 2000, 1050), ([], 800, 300)]
        assert template.not_delivered == [TAIWAN, OVERSEAS]
    page = console.get(f"/console/shipping/{template.id}").get_data(as_text=True)
    assert 'value="10.50"' in page and "新疆维吾尔自治区" in page
    response = console.post(f"/console/shipping/{template.id}", data=template_form(
        csrf_token=token, name="顺丰", is_default="1", rule_0_remove="1"))
    assert response.status_code == 302
    template = template_named(demo, "顺丰")
    with tenant_context(demo.id):
        assert template.is_default and [r.regions for r in template.rules] == [[]]


def test_add_a_rule_rerenders_with_one_more_empty_rule_and_saves_nothing(console, stores):
    demo, _tea = stores
    token = csrf_from(console, "/console/shipping/new")
    body = console.post("/console/shipping/new", data=template_form(csrf_token=token, action="add_rule"))
    assert body.status_code == 200
    assert 'name="rule_2_first_fee"' in body.get_data(as_text=True)
    assert template_named(demo, "顺丰速运") is None


@pytest.mark.parametrize("changes, message", [
    ({"name": ""}, "Name is required."),
    ({"rule_1_first_fee": "8.999"}, "Rule 2: 8.999 is not an amount in yuan."),
    ({"rule_1_first_weight_g": "1.5"}, "Rule 2: weights must be whole grams above 0."),
    ({"rule_1_regions": [XINJIANG]}, "新疆维吾尔自治区 is in rule 1 and rule 2"),
    ({"free_over": "abc"}, "abc is not an amount in yuan."),
])
def test_a_refused_form_names_the_problem_keeps_the_input_and_writes_nothing(console, stores, changes, message):
    demo, _tea = stores
    token = csrf_from(console, "/console/shipping/new")
    response = console.post("/console/shipping/new", data=template_form(csrf_token=token, **changes),
                            headers={"Accept-Language": "en"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body and 'value="10.5"' in body
    with tenant_context(demo.id):
        assert len(list_templates()) == 1


def test_console_makes_default_and_deletes(console, stores):
    demo, _tea = stores
    with tenant_context(demo.id):
        express_id = create_template(actor=None, name="顺丰", rules=[paid_rule()]).id
        nationwide_id = list_templates()[0].id
        db.session.commit()
    token = csrf_from(console, "/console/shipping")
    refused = console.post(f"/console/shipping/{nationwide_id}/delete", data={"csrf_token": token},
                           headers={"Accept-Language": "en"}, follow_redirects=True)
    assert "Make another template the default" in refused.get_data(as_text=True)
    assert console.post(f"/console/shipping/{express_id}/default", data={"csrf_token": token}).status_code == 302
    assert console.post(f"/console/shipping/{nationwide_id}/delete", data={"csrf_token": token}).status_code == 302
    with tenant_context(demo.id):
        db.session.expire_all()
        assert [(t.name, t.is_default) for t in list_templates()] == [("顺丰", True)]


def test_console_posts_need_a_csrf_token(console, stores):
    assert console.post("/console/shipping/new", data=template_form()).status_code == 400


@pytest.mark.parametrize("path", ["/console/shipping/new", "/console/shipping/{id}",
                                  "/console/shipping/{id}/default", "/console/shipping/{id}/delete"])
def test_viewer_may_look_but_not_change(stores, platform_client, path):
    demo, _tea = stores
    with tenant_context(demo.id):
        template_id = list_templates()[0].id
    create_staff(demo, "viewer@demo.test", StaffUser.VIEWER)
    login_staff(platform_client, demo, email="viewer@demo.test")
    assert platform_client.get("/console/shipping").status_code == 200
    assert platform_client.get(f"/console/shipping/{template_id}").status_code == 200
    token = csrf_from(platform_client, "/console/shipping")
    response = platform_client.post(path.format(id=template_id), data=template_form(csrf_token=token))
    assert response.status_code == 403


@pytest.mark.parametrize("method, path", [
    ("get", "/console/shipping/{id}"),
    ("post", "/console/shipping/{id}"),
    ("post", "/console/shipping/{id}/default"),
    ("post", "/console/shipping/{id}/delete"),
])
def test_a_store_cannot_see_or_change_another_stores_template(console, stores, method, path):
    _demo, tea = stores
    with tenant_context(tea.id):
        tea_template_id = list_templates()[0].id
    token = csrf_from(console, "/console/shipping")
    response = getattr(console, method)(path.format(id=tea_template_id), data=template_form(csrf_token=token))
    assert response.status_code == 404
    assert template_named(tea, "Free shipping nationwide").is_default
    assert f"/console/shipping/{tea_template_id}" not in console.get("/console/shipping").get_data(as_text=True)
