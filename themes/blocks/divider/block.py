from typing import Literal

from pydantic import Field

from themes.blocks.registry import BlockSettings, BlockType, register
from themes.fields import N_, Color


class DividerSettings(BlockSettings):
    style: Literal["solid", "dashed"] = Field("solid", title=N_("Line style"), json_schema_extra={"widget": "select"})
    color: Color(N_("Colour"), default="#ebedf0")


register(BlockType(name="divider", label=N_("Divider"), icon="―", settings=DividerSettings, group="layout",
                   max_per_page=30))
