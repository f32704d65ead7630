from typing import Literal

from pydantic import Field

from themes import data
from themes.blocks.registry import BlockSettings, BlockType, register
from themes.fields import N_, Number, Text


class CategoryGridSettings(BlockSettings):
    title: Text(N_("Title"))
    columns: Number(N_("Columns"), default=4, ge=3, le=5)
    count: Number(N_("How many"), default=8, ge=1, le=20)
    icon_style: Literal["circle", "square", "text"] = Field(
        "circle", title=N_("Icon style"), json_schema_extra={"widget": "select"})


def needs(settings):
    return [data.categories()]


register(BlockType(name="category_grid", label=N_("Category grid"), icon="⊞", settings=CategoryGridSettings,
                   group="products", max_per_page=5, needs=needs))
