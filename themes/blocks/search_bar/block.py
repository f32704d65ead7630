import re

from pydantic import field_validator

from themes.blocks.registry import BlockSettings, BlockType, register
from themes.fields import N_, Text

KEYWORD_SEPARATORS = re.compile(r"[,，、]")
MAX_KEYWORDS = 8
MAX_KEYWORD_LENGTH = 12


def split_keywords(value):
    return [word.strip() for word in KEYWORD_SEPARATORS.split(value) if word.strip()]


class SearchBarSettings(BlockSettings):
    placeholder: Text(N_("Placeholder"), max_length=30)
    hot_keywords: Text(N_("Hot keywords, separated by commas"), max_length=120, placeholder="茶, 礼盒, 新品")

    @field_validator("hot_keywords")
    @classmethod
    def few_short_keywords(cls, value):
        words = split_keywords(value)
        if len(words) > MAX_KEYWORDS:
            raise ValueError(f"at most {MAX_KEYWORDS} hot keywords")
        if any(len(word) > MAX_KEYWORD_LENGTH for word in words):
            raise ValueError(f"each hot keyword at most {MAX_KEYWORD_LENGTH} characters")
        return ", ".join(words)

    @property
    def keywords(self):
        return split_keywords(self.hot_keywords)


register(BlockType(name="search_bar", label=N_("Search bar"), icon="⌕", settings=SearchBarSettings,
                   group="basic", max_per_page=1))
