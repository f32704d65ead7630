"""Theme names and descriptions live in each theme.json; listed here so the message
extractor finds them (a test checks the two stay in step)."""
from themes.fields import N_

THEME_TEXTS = (
    N_("Boutique"),
    N_("Quiet and refined, for tea and crafts: serif type, ink on paper colours, generous space, thin rules."),
    N_("Clean"),
    N_("White cards on a light grey page; WeChat green."),
    N_("Promo"),
    N_("Bold and loud for sales days: red and orange, big headings, price tags that stand out, round pill buttons."),
)
