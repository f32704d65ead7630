from typing import Literal

from pydantic import Field

from themes.blocks.registry import BlockSettings, BlockType, register
from themes.fields import N_, Link, Text


class NoticeSettings(BlockSettings):
    text: Text(N_("Notice"), max_length=200)
    link: Link(N_("Link"))
    speed: Literal["slow", "normal", "fast"] = Field(
        "normal", title=N_("Scrolling speed"), json_schema_extra={"widget": "select"})


register(BlockType(name="notice", label=N_("Notice"), icon="≋", settings=NoticeSettings, group="basic",
                   max_per_page=3))
