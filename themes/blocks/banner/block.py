from typing import Literal

from pydantic import Field

from themes.blocks.registry import BlockSettings, BlockType, register
from themes.fields import N_, Number, Toggle


class BannerSettings(BlockSettings):
    height: Literal["small", "medium", "large"] = Field("medium", title=N_("Height"),
                                                        json_schema_extra={"widget": "select"})
    autoplay: Toggle(N_("Play automatically"), default=True)
    interval: Number(N_("Seconds per slide"), default=4, ge=2, le=15)


register(BlockType(
    name="banner", label=N_("Banner carousel"), icon="◧", settings=BannerSettings, group="basic",
    max_per_page=5, child_type="slide", max_children=8,
    defaults_children=({"image": "", "alt": "", "link": ""},),
))
