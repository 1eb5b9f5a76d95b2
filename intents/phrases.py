"""Short fixed phrases (greetings, help, asking for a person) recognised the same way the
matcher reads text: simplified, dialect rewritten, punctuation and spaces off."""

from __future__ import annotations

import re
from functools import lru_cache

from knowledge.loader import load_rewrites_table
from knowledge.normalize import Rewrites, to_simplified

_NOT_WORD = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff]+")
# a thumbs-up or folded hands sent alone: "好的" / "谢谢" without words
APPROVING = re.compile(r"^[\s👍👌🙏🤝✌💪❤👏🌹]+$")


@lru_cache(maxsize=1)
def _rewrites() -> Rewrites:
    return Rewrites(load_rewrites_table())


def plain(text: str) -> str:
    """The text with only hanzi, latin letters and digits left, dialect rewritten."""
    return _NOT_WORD.sub("", _rewrites().apply(to_simplified(text)))
