"""The API against its own OpenAPI document: schemathesis generates requests for every
operation (valid and invalid input) and checks that nothing is a 5xx, every status code
is documented and every response matches its schema."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from commerce.members.models import Member
from commerce.members.wechat_login import issue_api_token
from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import MiniProgram
from tests.conftest import PLATFORM_HOST
from tests.factories import create_member, create_product, create_store

APPID = "wx0123456789abcdef"
BASE_URL = f"http://{PLATFORM_HOST}"  # the document's paths are whole: /api/v1/…
PUBLIC_READS = ("/api/v1/store", "/api/v1/home", "/api/v1/categories", "/api/v1/products", "/api/v1/search")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]


@pytest.fixture
def seeded_store(app_ctx):
    store = create_store("demo", name="Demo Shop")
    for i in range(5):
        create_product(store, f"商品{i}", price=1000 + i * 100, category_name="服饰" if i % 2 else None)
    with tenant_context(store.id):
        db.session.add(MiniProgram(appid=APPID))
        db.session.commit()
    return store


@pytest.fixture
def member_token(seeded_store):
    """A signed-in shopper of the seeded store, so the member operations are reached too (with
    generated ids and bodies they mostly answer 404 or 422 — as documented, never 5xx)."""
    member_id, _address_id = create_member(seeded_store, nickname="测试", openid="openid-schemathesis")
    with tenant_context(seeded_store.id):
        return issue_api_token(db.session.get(Member, member_id))


@pytest.fixture
def api_schema(app, seeded_store):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, base_url=f"http://{PLATFORM_HOST}")


def operations(schema):
    found = [result.ok() for result in schema.get_all_operations()]
    assert found, "the document describes no operation"
    return found


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_conforms_to_the_document(api_schema, member_token, wechat, mode):
    """``wechat``: the WeChat Pay sandbox answers the payments and top-ups the shopper starts (an
    unreachable WeChat Pay is a documented 502, but a 5xx all the same)."""
    failures, statuses = [], {}
    for operation in operations(api_schema):
        seen = statuses.setdefault(operation.label, set())

        @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        # The seeded store's AppID is fixed; every other parameter is generated.
        @given(case=operation.as_strategy(generation_mode=mode, headers={"X-Duoshop-AppID": APPID, "Authorization": f"Bearer {member_token}"}))
        def check(case):
            response = case.call(base_url=BASE_URL)
            seen.add(response.status_code)  # noqa: B023 — check() runs within this iteration
            case.validate_response(response, checks=CHECKS)

        try:
            check()
        except Unsatisfiable:
            assert mode == GenerationMode.NEGATIVE, f"{operation.label}: no valid request could be generated"
            # Nothing to get wrong: the operation's one parameter, the AppID, is fixed.
        except Exception as exc:  # report every operation that fails, not only the first
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
    if mode == GenerationMode.POSITIVE:  # the public reads were reached, not refused at the door
        public_reads = [label for label in statuses if label.startswith("GET ") and label.split()[1] in PUBLIC_READS]
        assert sorted(public_reads) == sorted(f"GET {path}" for path in PUBLIC_READS)
        assert [label for label in public_reads if 200 not in statuses[label]] == []
