"""Chinese text normalisation: one canonical form for questions and knowledge texts."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

import zhconv

# Sentence-final particles and fillers carry no meaning for matching.
_PARTICLES = "啊呀呢吧嘛哦喔哈啦噻撒咯嘞哇嗷呐"
_TRAILING_PARTICLES = re.compile(rf"[{_PARTICLES}吗]+(?=[\s,.!?;:~，。！？；：、…]|$)")
_FILLERS = re.compile(
    r"^(请问一下|请问|麻烦问一下|麻烦问下|麻烦|我想问一下|我想问下|想问一下|想问下|问一下|问下|"
    r"你好|您好|哈喽|嗨|打扰了|打扰一下)+"
)
# Keep hanzi, latin letters, digits; everything else becomes a space.
_NOT_WORD = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class Rewrites:
    """Whole-word rewrites (dialect, confusable names, synonyms), applied longest first."""

    table: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        keys = sorted(self.table, key=len, reverse=True)
        pattern = re.compile("|".join(re.escape(k) for k in keys)) if keys else None
        object.__setattr__(self, "_pattern", pattern)

    def apply(self, text: str) -> str:
        pattern: re.Pattern[str] | None = self.__dict__["_pattern"]
        if pattern is None:
            return text
        return pattern.sub(lambda m: self.table[m.group(0)], text)


def to_simplified(text: str) -> str:
    """NFKC (full-width → half-width), lower case, traditional → simplified."""
    text = unicodedata.normalize("NFKC", text)
    simplified: str = zhconv.convert(text.lower(), "zh-cn")
    return simplified


def normalize(text: str, rewrites: Rewrites | None = None, fillers: bool = False) -> str:
    """The canonical matching form of a text.

    Args:
        text: anything a resident typed.
        rewrites: dialect / synonym table; none by default.
        fillers: keep polite openings (请问, 你好 ...) instead of removing them.

    Returns:
        Lower-case simplified Chinese with particles, fillers and punctuation removed; latin words
        (pinyin) stay separated by single spaces.
    """
    text = _CONTROL.sub(" ", to_simplified(text))
    if rewrites is not None:
        text = rewrites.apply(text)
    text = _TRAILING_PARTICLES.sub(" ", text.strip())
    text = _NOT_WORD.sub(" ", text)
    text = text.strip() if fillers else _FILLERS.sub("", text.strip())
    return _SPACES.sub(" ", text).strip()
