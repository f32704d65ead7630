"""A member's address book: the 省/市/区 must be one of China's divisions (npm's
@vant/area-data, the file the picker loads), several addresses with exactly one default,
name/phone/street encrypted at rest, and nothing reachable from another member or store."""
import pytest
from sqlalchemy import func, select, text

from commerce.members.addresses import (
    MAX_ADDRESSES,
    InvalidAddress,
    UnknownAddress,
    change_address,
    delete_address,
    make_default_address,
    save_address,
)
from commerce.members.models import Address
from commerce.members.queries import member_addresses
from commerce.shipping.divisions import divisions
from core.extensions import db
from core.tenancy import tenant_context
from tests.factories import create_member, create_store

HANGZHOU = {"name": "张三", "phone": "138 1234 5678", "province_code": "330000", "city": "杭州市",
            "district": "西湖区", "detail": "文三路 100 号"}


@pytest.fixture
def stores(app_ctx):
    """demo with a member without addresses yet, tea with one with its factory address:
    ``(demo, tea, demo member id, tea member id, tea address id)``."""
    demo, tea = create_store("demo"), create_store("tea")
    demo_member, demo_address = create_member(demo)
    with tenant_context(demo.id):
        delete_address(demo_member, demo_address)
        db.session.commit()
    tea_member, tea_address = create_member(tea)
    return demo, tea, demo_member, tea_member, tea_address


def address_count(store):
    with tenant_context(store.id):
        return db.session.scalar(select(func.count()).select_from(Address))


def test_the_divisions_are_china_s_34_provinces_with_their_cities_and_districts(app_ctx):
    known = divisions()
    assert len(known.provinces) == 34 and known.provinces["330000"] == "浙江省"
    assert known.city_code("330000", "杭州市") == "330100"
    assert known.has("110000", "北京市", "朝阳区") and known.has("810000", "香港岛", "中西区")
    assert divisions() is known  # read once


@pytest.mark.parametrize("changes, field, message", [
    ({}, None, None),
    ({"province_code": "440000", "city": "广州市", "district": "海珠区"}, None, None),
    ({"province_code": "990000"}, "province_code", "Choose a province."),  # 海外: not a division
    ({"province_code": "浙江省"}, "province_code", "Choose a province."),  # a name, not a code
    ({"province_code": ""}, "province_code", "Choose a province."),
    ({"city": "南京市"}, "city", "Choose a city of 浙江省."),  # a city of 江苏省
    ({"city": "杭州"}, "city", "Choose a city of 浙江省."),
    ({"city": ""}, "city", "Choose a city of 浙江省."),
    ({"district": "鼓楼区"}, "district", "Choose a district of 杭州市."),  # 南京's, not 杭州's
    ({"district": "朝阳区"}, "district", "Choose a district of 杭州市."),
    ({"district": ""}, "district", "Choose a district of 杭州市."),
    ({"province_code": "110000", "city": "北京市", "district": "西湖区"}, "district", "Choose a district of 北京市."),
    ({"name": ""}, "name", "Enter the receiver's name"),
    ({"phone": "12345"}, "phone", "Enter an 11-digit mobile number"),
    ({"detail": "1号"}, "detail", "Enter the street and number"),
])
def test_an_address_is_saved_only_when_its_province_city_and_district_exist(stores, changes, field, message):
    demo, _, member_id, _, _ = stores
    with tenant_context(demo.id):
        if field is None:
            address = save_address(member_id, **{**HANGZHOU, **changes})
            db.session.commit()
            assert address.phone == "13812345678" and address.is_default
            return
        with pytest.raises(InvalidAddress) as refused:
            save_address(member_id, **{**HANGZHOU, **changes})
        db.session.rollback()
    assert refused.value.field == field and str(refused.value.message).startswith(message)
    assert address_count(demo) == 0


def test_a_member_keeps_several_addresses_with_one_default(stores):
    demo, _, member_id, _, _ = stores
    with tenant_context(demo.id):
        home = save_address(member_id, **HANGZHOU)
        office = save_address(member_id, **{**HANGZHOU, "detail": "西溪路 556 号"})
        assert home.is_default and not office.is_default  # the first one is the default
        parents = save_address(member_id, **{**HANGZHOU, "city": "宁波市", "district": "鄞州区", "detail": "中山路 1 号"},
                               make_default=True)
        db.session.commit()
        assert [a.id for a in member_addresses(member_id)] == [parents.id, office.id, home.id]  # default first
        assert [a.is_default for a in member_addresses(member_id)] == [True, False, False]

        make_default_address(member_id, office.id)
        change_address(member_id, home.id, **{**HANGZHOU, "name": "张三丰"})
        db.session.commit()
        assert [(a.id, a.is_default) for a in member_addresses(member_id)] == [
            (office.id, True), (parents.id, False), (home.id, False)]
        assert db.session.get(Address, home.id).name == "张三丰"

        delete_address(member_id, office.id)  # the default goes: the newest left takes over
        db.session.commit()
        assert [(a.id, a.is_default) for a in member_addresses(member_id)] == [(parents.id, True), (home.id, False)]


def test_a_correction_to_a_division_that_does_not_exist_changes_nothing(stores):
    demo, _, member_id, _, _ = stores
    with tenant_context(demo.id):
        address_id = save_address(member_id, **HANGZHOU).id
        db.session.commit()
        with pytest.raises(InvalidAddress):
            change_address(member_id, address_id, **{**HANGZHOU, "district": "浦东新区"})
        db.session.rollback()
        assert db.session.get(Address, address_id).district == "西湖区"


def test_an_address_book_holds_at_most_twenty(stores):
    demo, _, member_id, _, _ = stores
    with tenant_context(demo.id):
        for _ in range(MAX_ADDRESSES):
            save_address(member_id, **HANGZHOU)
        with pytest.raises(InvalidAddress, match="at most 20"):
            save_address(member_id, **HANGZHOU)


def test_name_phone_and_street_are_encrypted_at_rest(stores):
    demo, _, member_id, _, _ = stores
    with tenant_context(demo.id):
        save_address(member_id, **HANGZHOU)
        db.session.commit()
        row = db.session.execute(text("SELECT name, phone, detail, city, district FROM addresses "
                                      "WHERE tenant_id = :store"), {"store": demo.id}).one()
    assert "张三" not in row.name and "13812345678" not in row.phone and "文三路" not in row.detail
    assert (row.city, row.district) == ("杭州市", "西湖区")  # the divisions are not personal: kept readable


def test_another_store_s_address_cannot_be_changed_made_default_or_deleted(stores):
    demo, tea, demo_member, tea_member, tea_address = stores
    with tenant_context(demo.id):
        for verb in (lambda: change_address(demo_member, tea_address, **HANGZHOU),
                     lambda: make_default_address(demo_member, tea_address),
                     lambda: delete_address(demo_member, tea_address)):
            with pytest.raises(UnknownAddress):
                verb()
        assert member_addresses(tea_member) == []  # the other store's member is not seen at all
        db.session.rollback()
    assert address_count(tea) == 1


def test_another_member_s_address_of_the_same_store_is_not_theirs(stores):
    demo, _, member_id, _, _ = stores
    neighbour, neighbours_address = create_member(demo, nickname="邻居")
    with tenant_context(demo.id):
        with pytest.raises(UnknownAddress):
            make_default_address(member_id, neighbours_address)
        with pytest.raises(UnknownAddress):
            delete_address(member_id, neighbours_address)
        db.session.rollback()
        assert [a.id for a in member_addresses(neighbour)] == [neighbours_address]
