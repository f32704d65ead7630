"""``POST /api/v1/events``: what a mini-program's pages report of a shopper's browsing (a page
or product shown, a search and how many it found, a share), up to ``MAX_EVENTS`` at a time.
The rest (cart, checkout, orders, payments, coupons) the server records where it happens, so
a client cannot make up orders or money. Answered 204 at once: the events wait in the
process's buffer (``commerce.analytics.collect``)."""
from typing import Annotated, Literal

from flask import Response, request
from pydantic import Field, model_validator

from commerce.analytics.channels import mini_program_channel
from commerce.analytics.collect import track
from commerce.analytics.events import CLIENT_KINDS, PAGES, PRODUCT_VIEW, SEARCH
from commerce.members.wechat_login import NotAuthenticated
from core.extensions import limiter
from storefront.api.blueprint import MAX_ID, api_bp, current_api_member
from storefront.api.models import Body
from storefront.api.spec import responses, spec
from storefront.visits import VISITOR_ID, search_words

TAG = "events"
MAX_EVENTS = 20
EVENTS_RATE_LIMIT = "60 per minute"  # per client address: a batch every second, never a flood


class ClientEvent(Body):
    """One thing the shopper did."""

    kind: Literal[CLIENT_KINDS]  # type: ignore[valid-type]
    page: Literal[PAGES] | None = Field(None, description="The page shown (page_view, share).")  # type: ignore[valid-type]
    product_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        None, description="The product shown or shared (product_view needs it).")
    words: Annotated[str, Field(min_length=1, max_length=60)] | None = Field(None, description="search: the words.")
    result_count: Annotated[int, Field(ge=0, le=100000)] | None = Field(
        None, description="search: how many products it found.")


    @model_validator(mode="after")
    def _has_what_its_kind_needs(self):
        if self.kind == PRODUCT_VIEW and self.product_id is None:
            raise ValueError("a product_view names its product_id")
        if self.kind == SEARCH and (self.words is None or self.result_count is None):
            raise ValueError("a search gives its words and result_count")
        return self


class EventBatch(Body):
    visitor_id: str = Field(pattern=VISITOR_ID.pattern, description="The client's own random id (utils/track.js): "
                                                                    "never derived from the member.")
    scene: Annotated[int, Field(ge=1000, le=99999)] | None = Field(
        None, description="WeChat's scene value the mini-program was opened with (the channel).")
    utm_source: Annotated[str, Field(max_length=32)] | None = Field(
        None, description="The channel the share link it was opened by names (`?utm_source=` in its path, from "
                          "the console's link builder); a known one wins over the scene.")
    events: list[ClientEvent] = Field(min_length=1, max_length=MAX_EVENTS)


@api_bp.route("/events", methods=["POST"])
@limiter.limit(EVENTS_RATE_LIMIT)
@spec.validate(json=EventBatch, resp=responses(None, status=204, errors=(400, 404)), tags=[TAG])
def events():
    """Report up to 20 browsing events of one visitor; with a member's token they are the
    member's. 400: a field out of its model (nothing is recorded)."""
    batch = request.context.json
    member_id = _member_id()
    channel = mini_program_channel(batch.utm_source, batch.scene)
    for event in batch.events:
        track(event.kind, visitor_id=batch.visitor_id, member_id=member_id, channel=channel, page=event.page,
              product_id=event.product_id, words=search_words(event.words) if event.words else None,
              result_count=event.result_count)
    return Response(status=204)


def _member_id():
    if not request.headers.get("Authorization"):
        return None
    try:
        return current_api_member().id
    except NotAuthenticated:
        return None  # an expired token still counts the browsing, anonymously
