"""The words of Chinese product search: what a product is indexed under, what a query asks for.

Chinese has no spaces, so 「陶瓷杯」 is not a substring of 「手作陶瓷马克杯」 although both
words are in it. The two sides are cut differently, on purpose:

- A product is indexed without any segmenter: every Chinese character and every pair of
  neighbouring characters of its title, subtitle, tags and category names (「手」「手作」
  「作陶」「陶瓷」…), and every word of Latin letters or digits whole and split at letter/digit
  boundaries (「iphone15」「iphone」「15」). Nothing depends on how a segmenter happens to cut a
  title in its context, and a new segmenter dictionary never needs a re-index.
- A query is cut into words with jieba (``HMM=False``: dictionary words, unknown runs fall
  apart into single characters), and words longer than two characters into their dictionary
  parts, so every Chinese term is one or two characters, one index token: 「陶瓷杯」 asks for
  「陶瓷」 and 「杯」, in any order and anywhere in the product's words. 「杯子」 also accepts 「杯」.
  Latin words match as prefixes (「iph」 finds iPhone), numbers whole.

Text is NFKC-normalized and lower-cased on both sides, so 「ＴＥＡ」 finds 「tea」. jieba's
dictionary (≈0.4 s to load from its cache, ≈1.5 s the first time on a machine, which builds
the cache) is loaded once per process, lazily, by the first query with three or more Chinese
characters in a row (shorter runs need no segmenting); app start and CLI commands never pay it.
"""
import re
import threading
import unicodedata
from dataclasses import dataclass

import jieba

jieba.setLogLevel("WARNING")  # not "Building prefix dict…" on every first search

MAX_QUERY = 50
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"  # kana, Han, hangul
_RUN = re.compile(rf"(?P<cjk>[{_CJK}]+)|(?P<word>[^\W_{_CJK}]+)")
_PARTS = re.compile(r"\d+|[^\W\d_]+")
_NOISE = frozenset("的了和与及或之在")  # particles a shopper types that no title needs
_SUFFIX = "子"  # 杯子 → 杯, 盘子 → 盘: the noun suffix a title often leaves out

_segmenter = jieba.Tokenizer()
_loaded = threading.Lock()


@dataclass(frozen=True)
class Term:
    """One thing a query asks for: any of ``alternatives`` among a product's index tokens,
    whole, or as the start of one when ``prefix``."""

    alternatives: tuple
    prefix: bool = False


def normalize(text):
    """Lower-case NFKC text with control characters and runs of spaces made single spaces."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def product_index(title, subtitle, tags, category_names):
    """``(search_terms, search_title)`` of a product: the tokens of all its words, and its
    normalized title for ranking."""
    return index_tokens(title, subtitle, *tags, *category_names), normalize(title)


def index_tokens(*fields):
    """The index tokens of a product's texts, as one string ``" t1 t2 … "`` (space at both
    ends, so ``LIKE '% t %'`` finds a whole token)."""
    tokens = {}
    for field in fields:
        for match in _RUN.finditer(normalize(field)):
            run = match.group()
            if match.group("cjk"):
                tokens.update(dict.fromkeys(run))
                tokens.update(dict.fromkeys(run[i:i + 2] for i in range(len(run) - 1)))
            else:
                tokens[run] = None
                tokens.update(dict.fromkeys(_PARTS.findall(run)))
    return " " + " ".join(tokens) + " " if tokens else ""


def query_terms(query):
    """The ``Term``s every match must have, in the query's order, without repeats."""
    terms = []
    for match in _RUN.finditer(normalize(query)[:MAX_QUERY]):
        if match.group("cjk"):
            terms.extend(_cjk_terms(match.group()))
        else:
            terms.extend(Term((part,), prefix=len(part) > 1 and not part.isdigit())
                         for part in _PARTS.findall(match.group()))
    meaningful = [term for term in terms if term.alternatives[0] not in _NOISE]
    return list(dict.fromkeys(meaningful or terms))


def phrase(query):
    """The query as a shopper typed it, normalized: a title containing it ranks first."""
    return normalize(query)[:MAX_QUERY]


def query_units(query):
    """The single characters and Latin/number words of a query: what a near miss shares."""
    units = []
    for match in _RUN.finditer(normalize(query)[:MAX_QUERY]):
        units.extend(match.group() if match.group("cjk") else _PARTS.findall(match.group()))
    return list(dict.fromkeys(units))


def _cjk_terms(run):
    for word in _words(run):
        for piece in _pieces(word):
            if len(piece) == 2 and piece.endswith(_SUFFIX):
                yield Term((piece, piece[0]))
            else:
                yield Term((piece,))


def _words(run):
    if len(run) <= 2:
        return [run]
    with _loaded:  # the first caller loads the dictionary; the others wait for it
        _segmenter.check_initialized()
    return list(_segmenter.cut(run, HMM=False))


def _pieces(word):
    """``word`` as dictionary words of one or two characters: 马克杯 → 马克, 杯."""
    if len(word) <= 2:
        return [word]
    for end in range(len(word) - 1, 1, -1):
        if _segmenter.FREQ.get(word[:end]):
            return _pieces(word[:end]) + _pieces(word[end:])
    return [word[0], *_pieces(word[1:])]
