"""Custom domains cannot be squatted: platform addresses are refused, a claim is pending
until its DNS TXT record proves ownership, only a verified claim routes and blocks other
stores, and a pending claim expires."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from commerce.orders.jobs import sweep_all_stores
from core.extensions import db
from core.models import utcnow
from core.tenancy import tenant_context, unscoped
from tenants.domains import DnsUnavailable, expire_domain_claims, record_name, record_value, use_txt_resolver
from tenants.errors import AlreadyTaken, InvalidValue
from tenants.models import Domain, StaffUser
from tenants.resolve import StoreNotFound, forget_routes, resolve_tenant
from tests.conftest import PLATFORM_HOST, csrf_from
from tests.factories import create_store, login_staff

HOST = "shop.tea-brand.cn"


@pytest.fixture
def dns_records():
    """``{name: [txt strings]}`` the DNS answers with during the test."""
    records = {}
    with use_txt_resolver(lambda name: records.get(name, [])):
        yield records


@pytest.fixture
def stores(app_ctx):
    return create_store("demo", name="Demo Shop"), create_store("tea", name="Tea House")


def owner(store):
    return db.session.scalar(select(StaffUser).where(StaffUser.role == StaffUser.OWNER))


def add(store, hostname):
    from tenants.service import add_custom_domain

    with tenant_context(store.id):
        domain = add_custom_domain(actor=owner(store), hostname=hostname)
        db.session.commit()
        return domain


def verify(store, domain, now=None):
    from tenants.service import verify_domain

    with tenant_context(store.id):
        try:
            verify_domain(actor=owner(store), domain=domain, now=now)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    forget_routes()


def publish(dns_records, domain):
    dns_records.setdefault(record_name(domain), []).append(record_value(domain))


def routes_to(hostname):
    try:
        return resolve_tenant(hostname, platform_domain=PLATFORM_HOST).tenant.slug
    except StoreNotFound:
        return None


def all_domains():
    with unscoped():
        rows = db.session.execute(select(Domain.tenant_id, Domain.hostname, Domain.verified)).all()
    return sorted(tuple(row) for row in rows)


@pytest.mark.parametrize("hostname", ["tea.duoshop.test", "TEA.duoshop.test.", "duoshop.test", "a.b.duoshop.test"])
def test_platform_addresses_cannot_be_claimed(stores, hostname):
    demo, _tea = stores
    with pytest.raises(InvalidValue, match="address of the platform"):
        add(demo, hostname)
    db.session.rollback()
    assert all_domains() == []


@pytest.mark.parametrize("hostname", ["localhost", "shop", "-bad-.example.com", "shop..example.com", "shop example.com"])
def test_malformed_hostnames_are_refused(stores, hostname):
    demo, _tea = stores
    with pytest.raises(InvalidValue, match="shop.example.com"):
        add(demo, hostname)
    db.session.rollback()
    assert all_domains() == []


def test_a_squatters_pending_claim_neither_routes_nor_blocks_the_owner(stores, dns_records):
    demo, tea = stores
    add(demo, HOST)  # the squatter
    assert routes_to(HOST) is None
    real = add(tea, HOST)  # the real owner is not blocked
    publish(dns_records, real)
    verify(tea, real)
    assert routes_to(HOST) == "tea"
    assert all_domains() == [(demo.id, HOST, False), (tea.id, HOST, True)]


def test_without_the_txt_record_the_claim_stays_pending(stores, dns_records):
    _demo, tea = stores
    domain = add(tea, HOST)
    dns_records[record_name(domain)] = ["duoshop-verify=someone-elses-token"]
    with pytest.raises(InvalidValue, match="No TXT record"):
        verify(tea, domain)
    assert all_domains() == [(tea.id, HOST, False)]
    assert routes_to(HOST) is None


def test_a_squatter_cannot_verify_a_hostname_another_store_verified(stores, dns_records):
    demo, tea = stores
    squatter, real = add(demo, HOST), add(tea, HOST)
    publish(dns_records, real)
    verify(tea, real)
    publish(dns_records, squatter)  # even if the record were there, the hostname is taken
    with pytest.raises(AlreadyTaken, match="already connected"):
        verify(demo, squatter)
    moon = create_store("moon")
    with pytest.raises(AlreadyTaken, match="already connected"):
        add(moon, "Shop.Tea-Brand.cn")
    db.session.rollback()
    assert routes_to(HOST) == "tea"


def test_dns_failure_says_try_again_and_changes_nothing(stores):
    _demo, tea = stores
    domain = add(tea, HOST)

    def no_answer(name):
        raise DnsUnavailable("DNS did not answer. Please try again in a few minutes.")

    with use_txt_resolver(no_answer), pytest.raises(DnsUnavailable):
        verify(tea, domain)
    assert all_domains() == [(tea.id, HOST, False)]


def _age(store, hostname, hours):
    with tenant_context(store.id):
        domain = db.session.scalar(select(Domain).where(Domain.hostname == hostname))
        domain.created_at = utcnow() - timedelta(hours=hours)
        db.session.commit()
        return domain


def test_unverified_claims_expire_in_the_sweep_of_their_own_store(stores, dns_records):
    demo, tea = stores
    add(demo, HOST)
    add(demo, "fresh.demo-brand.cn")
    verified = add(demo, "shop.demo-brand.cn")
    publish(dns_records, verified)
    verify(demo, verified)
    add(tea, HOST)
    for store, hostname in ((demo, HOST), (demo, "shop.demo-brand.cn"), (tea, HOST)):
        _age(store, hostname, 73)
    outcomes = sweep_all_stores()
    assert outcomes[demo.id]["domain_claims_expired"] == 1 and outcomes[tea.id]["domain_claims_expired"] == 1
    assert all_domains() == [(demo.id, "fresh.demo-brand.cn", False), (demo.id, "shop.demo-brand.cn", True)]


def test_a_claim_is_kept_for_72_hours(stores):
    demo, _tea = stores
    add(demo, HOST)
    _age(demo, HOST, 71)
    with tenant_context(demo.id):
        assert expire_domain_claims() == 0
    assert all_domains() == [(demo.id, HOST, False)]


def test_an_expired_claim_is_not_verified_and_can_be_made_again(stores, dns_records):
    demo, _tea = stores
    add(demo, HOST)
    expired = _age(demo, HOST, 73)
    publish(dns_records, expired)
    with pytest.raises(InvalidValue, match="expired"):
        verify(demo, expired)
    again = add(demo, HOST)
    assert again.verification_token != expired.verification_token
    assert all_domains() == [(demo.id, HOST, False)]


# ---------------------------------------------------------------- the console screen

def _post(client, action):
    return client.post(action, data={"csrf_token": csrf_from(client, "/console/settings")})


def test_console_shows_the_txt_record_and_verifies_with_the_button(stores, dns_records, platform_client, app):
    _demo, tea = stores
    domain = add(tea, HOST)
    login_staff(platform_client, tea)
    page = platform_client.get("/console/settings").get_data(as_text=True)
    assert f"_duoshop-challenge.{HOST}" in page and f"duoshop-verify={domain.verification_token}" in page
    assert "验证" in page and f"/console/settings/domains/{domain.id}/verify" in page
    missing = _post(platform_client, f"/console/settings/domains/{domain.id}/verify")
    assert missing.status_code == 302
    assert f"尚未在 _duoshop-challenge.{HOST} 找到 TXT 记录" in platform_client.get("/console/settings").get_data(as_text=True)
    assert app.test_client(host=HOST).get("/").status_code == 404
    publish(dns_records, domain)
    done = _post(platform_client, f"/console/settings/domains/{domain.id}/verify")
    assert done.status_code == 302
    assert all_domains() == [(tea.id, HOST, True)]
    assert app.test_client(host=HOST).get("/").status_code == 200


def test_console_cannot_verify_another_stores_domain(stores, dns_records, platform_client):
    demo, tea = stores
    theirs = add(tea, HOST)
    publish(dns_records, theirs)
    login_staff(platform_client, demo)
    assert _post(platform_client, f"/console/settings/domains/{theirs.id}/verify").status_code == 404
    assert all_domains() == [(tea.id, HOST, False)]


def test_console_refuses_a_platform_subdomain_with_a_message(stores, platform_client):
    demo, _tea = stores
    login_staff(platform_client, demo)
    response = platform_client.post("/console/settings/domains", headers={"Accept-Language": "en"}, data={
        "csrf_token": csrf_from(platform_client, "/console/settings"), "hostname": "tea.duoshop.test"})
    assert response.status_code == 422 and "address of the platform" in response.get_data(as_text=True)
    assert all_domains() == []
