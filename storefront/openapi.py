"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

Written by hand next to the routes in ``storefront.views.api``; the schemathesis run in the test
suite checks the two against each other. Developer-facing, so in English only.
"""
from copy import deepcopy

MAX_LIMIT = 50  # keep in step with storefront.views.api


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema, description):
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _problem(description):
    return {"description": description, "content": {"application/problem+json": {"schema": _ref("Problem")}}}


NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_INT = {"type": ["integer", "null"]}

SCHEMAS = {
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details; title and detail follow Accept-Language.",
        "required": ["type", "title", "status", "detail", "instance"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "request_id": NULLABLE_STRING,
            "invalid_params": {
                "type": "array",
                "items": {"type": "object", "required": ["name", "reason"],
                          "properties": {"name": {"type": "string"}, "reason": {"type": "string"}}},
            },
        },
    },
    "Store": {
        "type": "object",
        "required": ["slug", "name", "logo_url", "theme"],
        "properties": {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "logo_url": NULLABLE_STRING,
            "theme": {"type": "string", "description": "Name of the store's theme (default, promo, boutique …)."},
        },
        "additionalProperties": False,
    },
    "Sku": {
        "type": "object",
        "description": "A purchasable variant; present once the catalog has SKUs. Money in fen.",
        "properties": {
            "id": {"type": "integer"},
            "code": NULLABLE_STRING,
            "spec_values": {"type": "array", "items": {"type": "string"},
                            "description": "This SKU's value of each spec, in the order of `specs`."},
            "price": NULLABLE_INT,
            "market_price": NULLABLE_INT,
            "stock": NULLABLE_INT,
            "weight": {"type": ["number", "null"]},
            "image_url": {**NULLABLE_STRING, "description": "The SKU's own picture (/media/…), shown when it is chosen."},
        },
    },
    "Spec": {
        "type": "object",
        "description": "One axis of the spec matrix, e.g. 颜色 with its values.",
        "properties": {"name": {"type": "string"}, "values": {"type": "array", "items": {"type": "string"}}},
    },
    "Image": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "url": NULLABLE_STRING,
            "thumbnail_url": NULLABLE_STRING,
            "alt": NULLABLE_STRING,
            "position": NULLABLE_INT,
        },
    },
    "Product": {
        "type": "object",
        "description": "A product on sale. Money is integer fen (分).",
        "required": ["id", "title", "subtitle", "price", "category_id", "stock", "sold_count"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "subtitle": NULLABLE_STRING,
            "price": {"type": "integer", "minimum": 0, "description": "fen"},
            "category_id": NULLABLE_INT,
            "stock": {"type": "integer"},
            "sold_count": {"type": "integer"},
            "images": {"type": "array", "items": _ref("Image")},
            "specs": {"type": "array", "items": _ref("Spec"), "description": "Detail only."},
            "skus": {"type": "array", "items": _ref("Sku"), "description": "Detail only."},
        },
    },
    "ProductPage": {
        "type": "object",
        "required": ["items", "next_cursor"],
        "properties": {
            "items": {"type": "array", "items": _ref("Product"), "maxItems": MAX_LIMIT},
            "next_cursor": {"type": ["string", "null"],
                            "description": "Pass as `cursor` for the next page; null on the last page."},
            "suggestions": {"type": "array", "items": {"type": "string"}, "maxItems": 5,
                            "description": "With `q` only: when nothing matched (first page), titles of products "
                                           "sharing most of its words, to offer as 你是不是要找; else empty."},
        },
        "additionalProperties": False,
    },
    "Category": {
        "type": "object",
        "required": ["id", "name", "parent_id"],
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "parent_id": NULLABLE_INT},
    },
    "CategoryNode": {
        "type": "object",
        "required": ["id", "name", "parent_id", "children"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "parent_id": NULLABLE_INT,
            "children": {"type": "array", "items": _ref("CategoryNode")},
        },
        "additionalProperties": False,
    },
    "CategoryTree": {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": _ref("CategoryNode")}},
        "additionalProperties": False,
    },
    "ChildBlock": {
        "type": "object",
        "required": ["id", "type", "settings"],
        "properties": {"id": {"type": "string"}, "type": {"type": "string"}, "settings": {"type": "object"}},
    },
    "Block": {
        "type": "object",
        "description": "A visible block of the page, in display order. Product and category blocks carry "
                       "the products or categories they show.",
        "required": ["id", "type", "settings", "blocks"],
        "properties": {
            "id": {"type": "string"},
            "type": {"type": "string", "description": "Block type, e.g. banner, product_grid, category_grid."},
            "settings": {"type": "object", "description": "The block's settings, as validated by its schema."},
            "blocks": {"type": "array", "items": _ref("ChildBlock"), "description": "Nested blocks (slides …)."},
            "products": {"type": "array", "items": _ref("Product")},
            "categories": {"type": "array", "items": _ref("Category")},
        },
        "additionalProperties": False,
    },
    "HomePage": {
        "type": "object",
        "required": ["page", "blocks"],
        "properties": {
            "page": {
                "oneOf": [
                    {"type": "null"},
                    {"type": "object", "required": ["id", "title", "version"],
                     "properties": {"id": {"type": "integer"}, "title": {"type": "string"},
                                    "version": {"type": "integer"}}},
                ],
                "description": "null when the store has never published a home page.",
            },
            "blocks": {"type": "array", "items": _ref("Block")},
        },
        "additionalProperties": False,
    },
    "Member": {
        "type": "object",
        "required": ["id", "nickname", "has_phone"],
        "properties": {"id": {"type": "integer"}, "nickname": NULLABLE_STRING, "has_phone": {"type": "boolean"}},
        "additionalProperties": False,
    },
    "SessionRequest": {
        "type": "object",
        "required": ["code"],
        "properties": {"code": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[^\\x00-\\x1f\\x7f]*$",
                                "description": "The code from `wx.login()`, valid once for five minutes."}},
    },
    "Session": {
        "type": "object",
        "required": ["token", "token_type", "expires_in", "member"],
        "properties": {
            "token": {"type": "string", "description": "Send as `Authorization: Bearer <token>`; valid in this "
                                                       "store only."},
            "token_type": {"type": "string", "enum": ["Bearer"]},
            "expires_in": {"type": "integer", "description": "Seconds the token stays valid."},
            "member": _ref("Member"),
        },
        "additionalProperties": False,
    },
}

PARAMETERS = {
    "AppID": {
        "name": "X-Duoshop-AppID", "in": "header", "required": False,
        "description": "The mini-program's AppID, naming the store on the platform host. Alternatively the "
                       "mini-program Referer `https://servicewechat.com/{appid}/{version}/page-frame.html`; "
                       "not needed on a store's own host. An AppID routes, it does not authenticate.",
        "schema": {"type": "string", "pattern": "^wx[0-9a-f]{16}$"},
    },
    "limit": {
        "name": "limit", "in": "query", "required": False, "description": "Page size.",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 20},
    },
    "cursor": {
        "name": "cursor", "in": "query", "required": False,
        "description": "Opaque; the `next_cursor` of the previous page, with the same `sort`.",
        "schema": {"type": "string", "maxLength": 200},
    },
    "sort": {
        "name": "sort", "in": "query", "required": False,
        "description": "`relevance` (best match first) only with `q`, and then the default.",
        "schema": {"type": "string", "enum": ["relevance", "newest", "price_asc", "price_desc", "sales"],
                   "default": "newest"},
    },
    "category_id": {
        "name": "category_id", "in": "query", "required": False,
        "description": "Only products of this category and its subcategories.",
        "schema": {"type": "integer", "minimum": 1, "maximum": 999999999},
    },
    "q": {
        "name": "q", "in": "query", "required": False, "description": "Search text.",
        "schema": {"type": "string", "maxLength": 50, "pattern": "^[^\\x00-\\x1f\\x7f]*$"},
    },
    "product_id": {
        "name": "product_id", "in": "path", "required": True,
        "schema": {"type": "integer", "minimum": 0},
    },
}

RESPONSES = {
    "BadRequest": _problem("A parameter is invalid; `invalid_params` names it."),
    "NotFound": _problem("No such store (unknown host or AppID), or nothing here in this store."),
    "Unauthorized": _problem("No member token, or a forged, expired or other store's one: log in again."),
}


def _param(name):
    return {"$ref": f"#/components/parameters/{name}"}


def _get(operation_id, summary, ok, *, parameters=(), bad_request=False, store=True, etag=False):
    responses = {"200": ok}
    if etag:
        responses["304"] = {"description": "Not modified: `If-None-Match` named the current ETag."}
    if bad_request:
        responses["400"] = {"$ref": "#/components/responses/BadRequest"}
    # Without a store the document is still served, but an AppID that names no store is a 404 anywhere.
    responses["404"] = {"$ref": "#/components/responses/NotFound"}
    return {"get": {"operationId": operation_id, "summary": summary,
                    "parameters": ([_param("AppID")] if store else []) + [_param(p) for p in parameters],
                    "responses": responses}}


LIST_PARAMETERS = ("limit", "cursor", "sort", "category_id")

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {
        "title": "Duoshop mini-program API",
        "version": "1.0.0",
        "description": "Storefront data for WeChat mini-programs and the shopper's login. The store is chosen "
                       "by the host or the mini-program AppID; the shopper by the bearer token from POST "
                       "/session. Errors are RFC 9457 problem details.",
    },
    "servers": [{"url": "/api/v1"}],
    "paths": {
        "/openapi.json": _get("getOpenApiDocument", "This document",
                              _json({"type": "object"}, "The OpenAPI document."), store=False),
        "/store": _get("getStore", "Store information", _json(_ref("Store"), "The store.")),
        "/home": _get("getHomePage", "The published home page with the data of its blocks",
                      _json(_ref("HomePage"), "The home page document."), etag=True),
        "/categories": _get("listCategories", "The category tree",
                            _json(_ref("CategoryTree"), "Root categories, each with its children.")),
        "/products": _get("listProducts", "Products on sale, a page at a time",
                          _json(_ref("ProductPage"), "A page of products."),
                          parameters=(*LIST_PARAMETERS, "q"), bad_request=True),
        "/products/{product_id}": _get("getProduct", "One product on sale",
                                       _json(_ref("Product"), "The product."), parameters=("product_id",)),
        "/search": _get("searchProducts", "Search products on sale",
                        _json(_ref("ProductPage"), "A page of matching products."),
                        parameters=(*LIST_PARAMETERS, "q"), bad_request=True),
    },
    "components": {"schemas": SCHEMAS, "parameters": PARAMETERS, "responses": RESPONSES,
                   "securitySchemes": {"memberToken": {"type": "http", "scheme": "bearer",
                                                      "description": "The token from POST /session."}}},
}
DOCUMENT["paths"]["/session"] = {"post": {
    "operationId": "createSession",
    "summary": "Log a mini-program user in: wx.login()'s code for a member token",
    "parameters": [_param("AppID")],
    "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("SessionRequest")}}},
    "responses": {
        "200": _json(_ref("Session"), "The member (made on first login) and a bearer token."),
        "400": {"$ref": "#/components/responses/BadRequest"},
        "404": {"$ref": "#/components/responses/NotFound"},
        "422": _problem("WeChat refused the code, or the store's mini-program has no login set up."),
        "502": _problem("WeChat could not be reached or answered nonsense."),
        "503": _problem("WeChat login is not configured on this platform."),
    },
}}
DOCUMENT["paths"]["/me"] = {"get": {
    "operationId": "getMe",
    "summary": "The signed-in member",
    "parameters": [_param("AppID")],
    "security": [{"memberToken": []}],
    "responses": {
        "200": _json(_ref("Member"), "The member the token names."),
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "404": {"$ref": "#/components/responses/NotFound"},
    },
}}
# /search needs its q, and ranks by relevance unless told otherwise.
DOCUMENT["paths"]["/search"]["get"]["parameters"][-1] = {**PARAMETERS["q"], "required": True,
                                                        "schema": {**PARAMETERS["q"]["schema"], "minLength": 1}}
DOCUMENT["paths"]["/search"]["get"]["parameters"][3] = {
    **PARAMETERS["sort"], "schema": {**PARAMETERS["sort"]["schema"], "default": "relevance"}}


def openapi_document():
    return deepcopy(DOCUMENT)
