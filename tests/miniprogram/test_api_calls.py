"""The mini-program (miniprogram/) calls the API as it is served: every request the client
makes is an operation of /api/v1/openapi.json, and every operation a shopper uses is called
by the client (the few it leaves alone are listed with the reason).

The client's calls are greppable by design: each goes through ``api.get('/path')``,
``api.post(`/orders/${no}/payment`, body)`` … or ``paged(this, 'key', '/path', …)`` (a GET)
with a literal path; a call whose path is not a literal fails here too."""
import re
from pathlib import Path

import pytest

from storefront.api.spec import openapi_document

MINIPROGRAM = Path(__file__).resolve().parents[2] / "miniprogram"
PREFIX = "/api/v1"
METHODS = {"get": "GET", "post": "POST", "put": "PUT", "patch": "PATCH", "del": "DELETE"}

# Operations the client does not call, and why.
NOT_CALLED = {
    ("GET", "/products/{}/presale"): "the mini-program has no 预售 screens yet (the H5 store has them); the "
                                     "API is ready for them",
    ("POST", "/products/{}/presale/preview"): "as GET /products/{}/presale: no 预售 screens in the mini-program yet",
    ("POST", "/products/{}/presale/orders"): "as GET /products/{}/presale: no 预售 screens in the mini-program yet",
    ("GET", "/share-codes/{}/qr.svg"): "an <image> loads it from the qr_url that /distribution/share-code "
                                       "and /me/invites answer, not a request of api.js",
    ("GET", "/aftersales/{}"): "the after-sale list already shows every request in full (AfterSaleOut); "
                               "there is no page for one request",
    ("GET", "/support/conversations"): "the 客服 page opens from a product or an order (POST starts or continues "
                                       "that conversation); a list of them waits for a 消息 page in 我的",
}

API_CALL = re.compile(r"\bapi\.(get|post|put|patch|del)\(\s*(?:(['`])(/[^'`]*)\2)?")
PAGED_CALL = re.compile(r"\bpaged\(\s*this\s*,\s*'[^']+'\s*,\s*(?:(['`])(/[^'`]*)\1)?")
SEND_CALL = re.compile(r"\bsend\(\s*'([A-Z]+)'\s*,\s*(?:(['`])(/[^'`]*)\2)?")
# The one generic call: paged() GETs the path its callers name (each a literal, checked above).
HELPERS = {"utils/paged.js"}
TEMPLATE = re.compile(r"\$\{[^}]*\}")
PARAM = re.compile(r"\{[^}]*\}")


def _sources():
    for path in sorted(MINIPROGRAM.rglob("*.js")):
        relative = path.relative_to(MINIPROGRAM)
        if relative.parts[0] in {"node_modules", "test", "tools"}:
            continue
        yield relative.as_posix(), path.read_text(encoding="utf-8")


def client_calls():
    """{(METHOD, path with {} for each template part): [where]} and the calls with no literal path."""
    calls, unreadable = {}, []
    for name, text in _sources():
        for number, line in enumerate(text.splitlines(), 1):
            where = f"{name}:{number}"
            found = [(METHODS[m.group(1)], m.group(3)) for m in API_CALL.finditer(line)]
            found += [("GET", m.group(2)) for m in PAGED_CALL.finditer(line)]
            found += [(m.group(1), m.group(3)) for m in SEND_CALL.finditer(line)]
            for method, path in found:
                if path is None:
                    if name not in HELPERS:
                        unreadable.append(where)
                    continue
                calls.setdefault((method, TEMPLATE.sub("{}", path.split("?")[0])), []).append(where)
    return calls, unreadable


@pytest.fixture(scope="module")
def operations(app):
    with app.app_context():
        document = openapi_document()
    found = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method.upper() in set(METHODS.values()):
                found[(method.upper(), PARAM.sub("{}", path.removeprefix(PREFIX)))] = operation["operationId"]
    return found


def test_the_scanner_sees_the_client_calls():
    calls, _ = client_calls()
    assert ("POST", "/session") in calls  # api.js signs in with send(), not api.post
    assert ("POST", "/orders/{}/payment") in calls  # a template literal
    assert ("GET", "/me/points") in calls  # through paged()
    assert len(calls) > 40


def test_every_client_call_names_its_path_literally():
    _, unreadable = client_calls()
    assert unreadable == [], "API calls whose path is not a literal (the contract test cannot check them)"


def test_every_call_the_client_makes_is_an_operation_of_the_api(operations):
    calls, _ = client_calls()
    unknown = {f"{method} {path}": where for (method, path), where in calls.items() if (method, path) not in operations}
    assert unknown == {}, "the client calls what the API does not serve"


def test_every_operation_a_shopper_uses_is_called_by_the_client(operations):
    calls, _ = client_calls()
    missing = sorted(f"{method} {path} ({operations[(method, path)]})" for method, path in operations
                     if (method, path) not in calls and (method, path) not in NOT_CALLED)
    assert missing == [], "operations the client never calls (call them or list them in NOT_CALLED with a reason)"


def test_the_operations_listed_as_not_called_exist_and_are_not_called(operations):
    calls, _ = client_calls()
    assert [key for key in NOT_CALLED if key not in operations] == []
    assert [key for key in NOT_CALLED if key in calls] == []
