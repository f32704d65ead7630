from typing import Literal

from pydantic import Field, model_validator

from themes import data
from themes.blocks.registry import BlockSettings, BlockType, register
from themes.fields import N_, CategoryRef, Number, ProductRefs, Text


class ProductGridSettings(BlockSettings):
    title: Text(N_("Title"), default="")
    source: Literal["newest", "best_selling", "category", "picked"] = Field(
        "newest", title=N_("Products to show"), json_schema_extra={"widget": "select"})
    category_id: CategoryRef(N_("Category"))
    product_ids: ProductRefs(N_("Hand-picked products"))
    columns: Number(N_("Columns"), default=2, ge=1, le=4)
    count: Number(N_("How many"), default=6, ge=1, le=40)

    @model_validator(mode="after")
    def source_has_what_it_needs(self):
        if self.source == "category" and self.category_id is None:
            raise ValueError("choose a category for a category grid")
        return self


def needs(settings):
    return [data.products(settings.source, count=settings.count, category_id=settings.category_id,
                          product_ids=settings.product_ids)]


register(BlockType(name="product_grid", label=N_("Product grid"), icon="▦", settings=ProductGridSettings,
                   group="products", max_per_page=10, needs=needs))
