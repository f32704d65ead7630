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

from core.extensions import db
from core.tenancy import tenant_context
from tenants.models import MiniProgram
from tests.conftest import PLATFORM_HOST
from tests.factories import create_product, create_store

APPID = "wx0123456789abcdef"
BASE_URL = f"http://{PLATFORM_HOST}/api/v1"
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
def api_schema(app, seeded_store):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, base_url=f"http://{PLATFORM_HOST}")


def operations(schema):
    found = [result.ok() for result in schema.get_all_operations()]
    assert found, "the document describes no operation"
    return found


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_conforms_to_the_document(api_schema, mode):
    failures = []
    for operation in operations(api_schema):

        @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        # The seeded store's AppID is fixed; every other parameter is generated.
        @given(case=operation.as_strategy(generation_mode=mode, headers={"X-Duoshop-AppID": APPID}))
        def check(case):
            case.call_and_validate(base_url=BASE_URL, checks=CHECKS)

        try:
            check()
        except Unsatisfiable:
            assert mode == GenerationMode.NEGATIVE, f"{operation.label}: no valid request could be generated"
            # Nothing to get wrong: the operation's one parameter, the AppID, is fixed.
        except Exception as exc:  # report every operation that fails, not only the first
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
