from themes.blocks.registry import BlockSettings, BlockType, register
from themes.fields import N_, Number


class SpacerSettings(BlockSettings):
    height: Number(N_("Height (pixels)"), default=16, ge=4, le=120)

    @property
    def height_step(self):
        """The height rounded to the nearest 4 px, the steps blocks.css has a class for."""
        return min(120, max(4, round(self.height / 4) * 4))


register(BlockType(name="spacer", label=N_("Spacer"), icon="↕", settings=SpacerSettings, group="layout",
                   max_per_page=30))
