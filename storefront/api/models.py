"""The building blocks every /api/v1 model shares: problem details, absolute URLs, money,
keyset pages, and the catalog's shapes (products, images, categories, members).

An area's own request and response models sit at the top of its route module."""
from typing import Annotated, Generic, TypeVar
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

MAX_LIMIT = 50
DEFAULT_LIMIT = 20


def _absolute_http_url(value):
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        raise ValueError("must be an absolute http(s) URL")
    return value


# A link the client loads as is (an <image src>, a page to open): absolute, so the
# mini-program, which has no host of its own, can use it.
Url = Annotated[str, AfterValidator(_absolute_http_url), WithJsonSchema({"type": "string", "format": "uri"})]
Fen = Annotated[int, Field(ge=0, description="Money in fen (分).")]
SignedFen = Annotated[int, Field(description="Money in fen (分); negative for a deduction.")]

T = TypeVar("T")


class Model(BaseModel):
    """Strict about what we answer: a field nobody declared is a bug, not a bonus."""

    model_config = ConfigDict(extra="forbid")


class Body(Model):
    """A request body: JSON's own types only. ``true`` is not the number 1 and ``"5"`` is not 5
    (query strings are parsed from text; a JSON body has no excuse)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Problem(BaseModel):
    """RFC 9457 problem details; `title` and `detail` follow Accept-Language."""

    type: str
    title: str
    status: int
    detail: str
    code: str = Field(description="Stable machine-readable reason, e.g. out_of_stock, not_authenticated.")
    instance: str
    request_id: str | None = None
    invalid_params: list[dict] | None = Field(None, description="The fields that were refused, each with a reason.")


class Page(Model, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class PageQuery(Model):
    cursor: str | None = Field(None, max_length=200, description="Opaque; the `next_cursor` of the previous page.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Page size.")


class Image(Model):
    id: int
    url: Url
    thumbnail_url: Url
    width: int
    height: int
    position: int


class Sku(Model):
    """A purchasable variant."""

    id: int
    code: str | None
    spec_values: list[str] = Field(description="This SKU's value of each spec, in the order of `specs`.")
    price: Fen
    market_price: Fen | None
    stock: int
    weight: int | None = Field(description="Grams.")
    image_url: Url | None = Field(description="The SKU's own picture, shown when it is chosen.")


class Spec(Model):
    """One axis of the spec matrix, e.g. 颜色 with its values."""

    name: str
    values: list[str]


class Product(Model):
    """A product on sale; `specs` and `skus` in the detail only."""

    id: int
    title: str
    subtitle: str | None
    price: Fen
    category_id: int | None
    stock: int
    sold_count: int
    images: list[Image]
    specs: list[Spec] | None = None
    skus: list[Sku] | None = None
    description: str | None = Field(None, description="Detail only: sanitized rich text (HTML) for <rich-text>.")


class Category(Model):
    id: int
    name: str
    parent_id: int | None


class Member(Model):
    id: int
    nickname: str | None
    has_phone: bool


class RequestPaymentParams(Model):
    """The arguments of ``wx.requestPayment`` for the store's mini-program, signed by WeChat Pay
    (from ``payments.gateway.request_payment_params``)."""

    appId: str  # noqa: N815 — WeChat's names
    timeStamp: str  # noqa: N815
    nonceStr: str  # noqa: N815
    package: str = Field(description="prepay_id=…")
    signType: str  # noqa: N815
    paySign: str  # noqa: N815
