"""The kinds of problem a district's residents may report, read from its YAML file at start:
each with its time limits (to answer, to fix) and the words that suggest it."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

import knowledge

DEMO = Path(knowledge.__file__).with_name("data") / "order_categories.yaml"
FALLBACK = "其他"  # the category a resident's words suggest when none fits
OWNER_ROLES = ("volunteer", "staff")  # who a category's new orders wait for


@dataclass(frozen=True)
class Category:
    """One kind of problem (路灯照明) and its time limits."""

    name: str
    respond_hours: int
    resolve_days: int
    words: tuple[str, ...] = ()
    owner: str = "volunteer"  # the role reminded while nobody has accepted (网格员/街长: volunteer)


def load_categories(path: Path | None = None) -> tuple[Category, ...]:
    """The categories in `path` (the demo district's when None), in the file's order. The
    file is parsed once while it stays the same: console pages and reports ask on every
    request, and re-reading the YAML each time would be I/O for nothing.

    Raises:
        ValueError: the file lists none, a name twice, a name too long, or a limit that is
            not a positive whole number.
    """
    file = path or DEMO
    seen = file.stat()
    return _parsed(file, seen.st_mtime_ns, seen.st_size)


@functools.lru_cache(maxsize=16)
def _parsed(path: Path, _mtime_ns: int, _size: int) -> tuple[Category, ...]:
    """The file's categories, for one version of it (its modification time and size)."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = tuple(_category(raw) for raw in doc.get("categories") or [])
    names = [c.name for c in found]
    if not found or len(set(names)) != len(names):
        raise ValueError(f"工单类别文件 {path} 没有类别，或有重名的类别")
    return found


def _category(raw: dict[str, object]) -> Category:
    name = str(raw.get("name") or "").strip()
    limits = [raw.get("respond_hours"), raw.get("resolve_days")]
    if not 0 < len(name) <= 20 or not all(isinstance(n, int) and n > 0 for n in limits):
        raise ValueError(f"工单类别写得不对：{raw!r}（要有名称和正整数的时限）")
    words = tuple(str(w) for w in raw.get("words") or ())  # type: ignore[attr-defined]
    owner = str(raw.get("owner") or "volunteer")
    if owner not in OWNER_ROLES:
        raise ValueError(f"工单类别 {name} 的负责角色只能是 {'、'.join(OWNER_ROLES)}：{owner}")
    return Category(name, int(str(limits[0])), int(str(limits[1])), words, owner)


def named(name: str, categories: Sequence[Category]) -> Category | None:
    """The category called `name`, if the district has it."""
    return next((c for c in categories if c.name == name), None)


def suggest(text: str, categories: tuple[Category, ...]) -> Category | None:
    """The category whose words appear in `text` (the longest match wins: 楼道灯 over 灯);
    None when no word of any category does."""
    best: tuple[int, Category] | None = None
    for category in categories:
        for word in category.words:
            if word in text and (best is None or len(word) > best[0]):
                best = (len(word), category)
    return best[1] if best else None
