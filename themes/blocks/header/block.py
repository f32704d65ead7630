from themes.blocks.registry import BlockSettings, BlockType, register
from themes.fields import N_, Image, Toggle


class HeaderSettings(BlockSettings):
    logo: Image(N_("Logo (leave empty to use the theme's)"))
    show_store_name: Toggle(N_("Show the store name"), default=True)
    sticky: Toggle(N_("Stay at the top while scrolling"), default=False)


register(BlockType(name="header", label=N_("Header and navigation"), icon="☰", settings=HeaderSettings,
                   group="layout", max_per_page=1, child_type="nav_link", max_children=6))
