from typing import Literal

from pydantic import Field, model_validator

from themes import data
from themes.blocks.registry import BlockSettings, BlockType, register
from themes.fields import N_, CategoryRef, Number, ProductRefs, Text


class ProductCarouselSettings(BlockSettings):
    title: Text(N_("Title"))
    source: Literal["newest", "best_selling", "category", "picked"] = Field(
        "newest", title=N_("Products to show"), json_schema_extra={"widget": "select"})
    category_id: CategoryRef(N_("Category"))
    product_ids: ProductRefs(N_("Hand-picked products"))
    count: Number(N_("How many"), default=8, ge=1, le=20)
    card_size: Literal["small", "large"] = Field(
        "small", title=N_("Card size"), json_schema_extra={"widget": "select"})

    @model_validator(mode="after")
    def source_has_what_it_needs(self):
        if self.source == "category" and self.category_id is None:
            raise ValueError("choose a category for a category carousel")
        return self


def needs(settings):
    return [data.products(settings.source, count=settings.count, category_id=settings.category_id,
                          product_ids=settings.product_ids)]


register(BlockType(name="product_carousel", label=N_("Product carousel"), icon="⇆",
                   settings=ProductCarouselSettings, group="products", max_per_page=10, needs=needs))
