"""The OpenAPI document of /api/v1, built by spectree from the routes and their pydantic
models, and the same models checking every request and response at run time.

A route declares what it reads and answers with ``@spec.validate(query=…, json=…,
resp=responses(ok=Model, errors=(400, 404)))``. A request that does not fit its model is
refused as problem+json naming each field (``invalid_params``), before the view runs; a
response that does not fit its model is a bug on our side: logged and answered as a 500
(tests see it), never sent half-right to a shopper.

Why spectree: it reads pydantic 2 models directly, builds the document from the Flask
routes as they are (so the paths cannot drift from ``url_map``), validates requests and
responses with the same models, and plugs into a plain ``Blueprint`` (flask-openapi3 wants
its own app class; apispec needs a third-party pydantic plugin).
"""
import logging
import re
from copy import deepcopy
from functools import cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from spectree import Response, SecurityScheme, SecuritySchemeData, SpecTree

from core.errors import DomainError
from storefront.api.models import Problem

log = logging.getLogger(__name__)

DESCRIPTION = (
    "Storefront data, the shopper's cart, orders, payments and campaigns for WeChat mini-programs. "
    "The store is chosen by the host or the mini-program's AppID (`X-Duoshop-AppID`); the shopper by the "
    "bearer token from `POST /api/v1/session`. Money is integer fen (分). Errors are RFC 9457 problem details "
    "(`application/problem+json`) with a stable `code`; `title` and `detail` follow `Accept-Language`."
)
PROBLEM_TYPE = "application/problem+json"


# pydantic's error types in the shopper's language (the client may show ``reason`` as is).
REASONS = {
    "missing": _l("Required."),
    "int_parsing": _l("Must be a whole number."),
    "int_type": _l("Must be a whole number."),
    "bool_parsing": _l("Must be true or false."),
    "greater_than_equal": _l("Must be at least %(ge)s."),
    "greater_than": _l("Must be more than %(gt)s."),
    "less_than_equal": _l("Must be at most %(le)s."),
    "less_than": _l("Must be less than %(lt)s."),
    "string_too_short": _l("Must be at least %(min_length)s characters."),
    "string_too_long": _l("Must be at most %(max_length)s characters."),
    "string_type": _l("Must be text."),
    "string_pattern_mismatch": _l("Contains characters that are not allowed."),
    "literal_error": _l("Must be one of: %(expected)s."),
    "enum": _l("Must be one of: %(expected)s."),
    "extra_forbidden": _l("Is not a field of this request."),
    "model_type": _l("Must be a JSON object."),
    "model_attributes_type": _l("Must be a JSON object."),
    "list_type": _l("Must be a list."),
    "too_short": _l("Must have at least %(min_length)s items."),
    "too_long": _l("Must have at most %(max_length)s items."),
}


def _reason(error):
    template = REASONS.get(error.get("type"))
    if template is None:
        return error.get("msg", "")
    try:
        return str(template) % {name: str(value) for name, value in (error.get("ctx") or {}).items()}
    except (KeyError, TypeError, ValueError):
        return error.get("msg", "")


class InvalidParameters(DomainError):
    """The request does not fit its model; ``invalid_params`` names every field and why."""

    status = 400
    code = "invalid_parameter"

    def __init__(self, errors):
        params = [{"name": _location(error), "reason": _reason(error)} for error in errors]
        first = params[0]["name"] if params else ""
        super().__init__(_l("%(name)s is not valid: see invalid_params.", name=first), field=first,
                         extra={"invalid_params": params})


class ResponseBrokeItsModel(RuntimeError):
    """An answer of ours does not fit the model the document promises."""


def _location(error):
    return ".".join(str(part) for part in error.get("loc", ()) if part != "__root__") or "body"


def _refuse_invalid_request(request, response, error, instance, adapter=None):
    if error is not None:
        raise InvalidParameters(error.errors(include_url=False, include_input=False))


def _refuse_invalid_response(request, response, error, instance, adapter=None):
    if error is not None:
        log.error("%s %s answered outside its model: %s", request.method, request.path, error)
        raise ResponseBrokeItsModel(str(error))


class responses(Response):  # noqa: N801 — read as a declaration: resp=responses(ok=…, errors=…)
    """What an operation answers: ``ok`` (a model, or None for no body) with ``status``, and
    problem details for each status in ``errors`` (documented as application/problem+json)."""

    def __init__(self, ok=None, *, status=200, errors=(), no_body=()):
        kwargs = {f"HTTP_{status}": ok} if ok is not None else {}
        kwargs.update({f"HTTP_{code}": Problem for code in errors})
        codes = [f"HTTP_{code}" for code in no_body] + ([f"HTTP_{status}"] if ok is None else [])
        super().__init__(*codes, **kwargs)

    def generate_spec(self, naming_strategy=None):
        document = super().generate_spec(naming_strategy) if naming_strategy else super().generate_spec()
        for answer in document.values():
            content = answer.get("content", {})
            schema = content.get("application/json", {}).get("schema", {})
            if schema.get("$ref", "").endswith("/Problem"):
                answer["content"] = {PROBLEM_TYPE: {"schema": schema}}
        return document


spec = SpecTree(
    "flask",
    title="Duoshop mini-program API",
    version="1.1.0",
    description=DESCRIPTION,
    mode="strict",  # only decorated routes are documented
    annotations=False,
    page_templates={},  # the document only; no HTML viewer pulled from a CDN
    path="api/v1/docs",
    validation_error_status=400,
    validation_error_model=Problem,  # what a refused request is answered with (InvalidParameters)
    before=_refuse_invalid_request,
    after=_refuse_invalid_response,
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _, nested: nested,
    security_schemes=[SecurityScheme(name="memberToken", data=SecuritySchemeData(
        type="http", scheme="bearer", description="The token from POST /api/v1/session."))],
)
MEMBER = {"memberToken": []}  # security= of an operation that needs the shopper's token


APPID_PARAMETER = {
    "name": "X-Duoshop-AppID", "in": "header", "required": False,
    "description": "The mini-program's AppID, naming the store on the platform host. Alternatively the "
                   "mini-program Referer `https://servicewechat.com/{appid}/{version}/page-frame.html`; "
                   "not needed on a store's own host. An AppID routes, it does not authenticate.",
    "schema": {"type": "string", "pattern": "^wx[0-9a-f]{16}$"},
}


LINKS = {}  # view name → {status: {link name: OpenAPI link object}}


def link(status, name, *, to, parameters=None, body=None, description=None):
    """Declare an OpenAPI link from this operation's ``status`` answer to the operation ``to``
    (a view name): what a client does next with what it got (a stateful schemathesis run walks
    them: products → product → cart → checkout → order → pay → after-sale). ``parameters`` and
    ``body`` hold runtime expressions such as ``$response.body#/order_no``; a ``body`` is the
    whole request (a generated one is not mixed in)."""
    def declare(view):
        found = {"operationId": to}
        if parameters:
            found["parameters"] = parameters
        if body is not None:
            found["requestBody"] = body
            found["x-schemathesis"] = {"merge_body": False}
        if description:
            found["description"] = description
        LINKS.setdefault(view.__name__, {}).setdefault(str(status), {})[name] = found
        return view
    return declare


def _documented_path(rule):
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


@cache
def openapi_document():
    """The document for the routes being served (built once per process: the routes do not
    change while it runs): each operation named after its view, naming the store by AppID,
    with the links declared by ``link``."""
    document = deepcopy(spec.spec)
    document.setdefault("components", {})["parameters"] = {"AppID": APPID_PARAMETER}
    views = {(_documented_path(rule.rule), method.lower()): rule.endpoint.split(".", 1)[1]
             for rule in current_app.url_map.iter_rules() if rule.endpoint.startswith("api.")
             for method in rule.methods}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            view = views[(path, method)]
            operation["operationId"] = view
            operation["parameters"] = [{"$ref": "#/components/parameters/AppID"}, *operation.get("parameters", [])]
            for status, links in LINKS.get(view, {}).items():
                operation["responses"][status]["links"] = links
    return document
