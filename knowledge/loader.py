"""Load knowledge files (YAML, CSV, JSONL) with errors that name the file and line."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from knowledge.entry import CATEGORIES, Community, District, Entry

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
_LINE = "__line__"
RawEntries = list[tuple[str, int, dict[str, Any]]]  # (file, line, raw mapping)
CSV_COLUMNS = (
    "id", "category", "community", "question", "paraphrases", "keywords", "answer", "source",
    "updated_at",
)  # fmt: skip


class KnowledgeError(Exception):
    """A knowledge file is not valid; `problems` lists every problem as 'file:line: message'."""

    def __init__(self, problems: Sequence[str]):
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass
class Loaded:
    """What a set of knowledge files holds."""

    entries: list[Entry] = field(default_factory=list)
    communities: list[Community] = field(default_factory=list)
    district: District | None = None


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers the line each mapping starts on, and leaves dates as text
    (an impossible one like 2026-02-30 is then one entry's problem, not a crash)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        mapping[_LINE] = node.start_mark.line + 1
        return mapping


def _date_as_text(loader: _LineLoader, node: yaml.Node) -> str:
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _date_as_text)


def load_files(paths: Iterable[Path], known_communities: Iterable[str] = ()) -> Loaded:
    """Read and validate knowledge files together.

    Args:
        paths: YAML (`entries:` and/or `communities:`) and CSV files.
        known_communities: community ids already in the database.

    Raises:
        KnowledgeError: with every problem found; nothing is returned half-read.
    """
    loaded, problems = Loaded(), []
    raw_entries: RawEntries = []
    for path in paths:
        try:
            _read_file(Path(path), loaded, raw_entries)
        except KnowledgeError as exc:
            problems.extend(exc.problems)
    known = set(known_communities) | {c.id for c in loaded.communities}
    seen: dict[str, str] = {}
    for where, line, raw in raw_entries:
        try:
            entry = _entry(raw, known)
        except ValueError as exc:
            problems.append(f"{where}:{line}: {exc}")
            continue
        if entry.id in seen:
            problems.append(f"{where}:{line}: 重复的 id '{entry.id}'（已在 {seen[entry.id]} 出现）")
            continue
        seen[entry.id] = f"{where}:{line}"
        loaded.entries.append(entry)
    if problems:
        raise KnowledgeError(problems)
    return loaded


MAX_FILE_BYTES = 64 * 1024 * 1024  # far above any district's base; /dev/zero is not a file


def read_text(path: Path, limit: int = MAX_FILE_BYTES) -> str:
    """A regular file's UTF-8 text (a BOM is dropped), read to at most `limit` bytes.

    Raises:
        OSError: not a regular file, or it cannot be read.
        ValueError: larger than `limit`, or not UTF-8.
    """
    if not path.exists():
        raise OSError(f"找不到 {path}，请检查文件名和路径")
    if not path.is_file():
        raise OSError(f"{path} 不是一个普通文件")
    with path.open("rb") as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"文件太大（超过 {limit // (1024 * 1024)} MB）")
    return data.decode("utf-8-sig")


def _read_file(path: Path, loaded: Loaded, raw_entries: RawEntries) -> None:
    try:
        text = read_text(path, MAX_FILE_BYTES)
    except UnicodeDecodeError as exc:
        raise KnowledgeError([f"{path}: 不是 UTF-8 编码，请另存为 UTF-8 再导入"]) from exc
    except (OSError, ValueError) as exc:
        raise KnowledgeError([f"{path}: 无法读取（{exc}）"]) from exc
    if path.suffix.lower() == ".csv":
        raw_entries.extend((str(path), line, row) for line, row in _csv_rows(path, text))
        return
    if path.suffix.lower() in JSONL_SUFFIXES:
        raw_entries.extend((str(path), line, row) for line, row in _jsonl_rows(path, text))
        return
    try:
        doc = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        problem = getattr(exc, "problem", exc)
        raise KnowledgeError([f"{path}:{line}: YAML 格式错误：{problem}"]) from exc
    if not isinstance(doc, dict) or not ({"entries", "communities"} & doc.keys()):
        raise KnowledgeError([f"{path}:1: 文件里需要有 entries: 或 communities: 列表"])
    problems: list[str] = []
    for raw in _list(doc, "entries", path, problems):
        raw_entries.append((str(path), raw.get(_LINE, 0), raw))
    for raw in _list(doc, "communities", path, problems):
        try:
            loaded.communities.append(_community(raw))
        except ValueError as exc:
            problems.append(f"{path}:{raw.get(_LINE, 0)}: {exc}")
    if "district" in doc and not problems:
        loaded.district = District(
            name=str(doc["district"]),
            city=str(doc.get("city", "")),
            timezone=str(doc.get("timezone", "Asia/Shanghai")),
            communities=tuple(loaded.communities),
        )
    if problems:
        raise KnowledgeError(problems)


def _list(doc: dict[str, Any], key: str, path: Path, problems: list[str]) -> list[dict[str, Any]]:
    items = doc.get(key) or []
    if not isinstance(items, list):
        problems.append(f"{path}:{doc.get(_LINE, 1)}: {key} 应该是一个列表")
        return []
    good = [item for item in items if isinstance(item, dict)]
    if len(good) != len(items):
        problems.append(f"{path}:{doc.get(_LINE, 1)}: {key} 里的每一项都应该是键值对")
    return good


JSONL_SUFFIXES = (".jsonl", ".ndjson")


def _jsonl_rows(path: Path, text: str) -> Iterable[tuple[int, dict[str, Any]]]:
    """One entry per line, as `linli kb export` writes them: `questions` is the canonical
    question followed by its paraphrases (a `question` and `paraphrases` pair works too)."""
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{path}:{number}: 不是一行 JSON（{exc.msg}）")
            continue
        if not isinstance(record, dict):
            problems.append(f"{path}:{number}: 每一行应该是一个 {{...}} 对象")
            continue
        questions = record.pop("questions", None)
        if isinstance(questions, list) and questions and "question" not in record:
            record["question"], *rest = questions
            record.setdefault("paraphrases", rest)
        yield number, record
    if problems:
        raise KnowledgeError(problems)


def _csv_rows(path: Path, text: str) -> Iterable[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(text.splitlines())
    missing = {"id", "question", "answer"} - set(reader.fieldnames or ())
    if missing:
        raise KnowledgeError([f"{path}:1: 表头缺少列：{', '.join(sorted(missing))}"])
    for row in reader:
        record: dict[str, Any] = {k: (v or "").strip() for k, v in row.items() if k}
        for key in ("paraphrases", "keywords"):
            record[key] = [p.strip() for p in record.get(key, "").split("|") if p.strip()]
        yield reader.line_num, record


def _text(raw: dict[str, Any], key: str, required: bool = True) -> str:
    value = raw.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValueError(f"缺少 {key}")
        return ""
    if not isinstance(value, str | int | float):
        raise ValueError(f"{key} 应该是文字")
    return str(value).strip()


def _texts(raw: dict[str, Any], key: str) -> tuple[str, ...]:
    value = raw.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise ValueError(f"{key} 应该是文字列表")
    return tuple(dict.fromkeys(str(v).strip() for v in value if str(v).strip()))


def parse_entry(raw: dict[str, Any], known_communities: Iterable[str]) -> Entry:
    """One entry from its fields (as a file gives them), checked as an import checks it.

    Raises:
        ValueError: a field is missing or invalid; the message says which, in Chinese.
    """
    return _entry(raw, set(known_communities))


def _entry(raw: dict[str, Any], known_communities: set[str]) -> Entry:
    entry_id = _text(raw, "id")
    if not _ID.match(entry_id):
        raise ValueError(f"id '{entry_id}' 只能用小写字母、数字、- 和 _")
    category = _text(raw, "category", required=False) or "service"
    if category not in CATEGORIES:
        raise ValueError(f"未知的 category '{category}'（可用：{', '.join(CATEGORIES)}）")
    community = _text(raw, "community", required=False) or None
    if community is not None and community not in known_communities:
        raise ValueError(f"未知的社区 '{community}'")
    return Entry(
        id=entry_id,
        category=category,
        question=_text(raw, "question"),
        answer=_text(raw, "answer"),
        source=_text(raw, "source"),
        community=community,
        paraphrases=_texts(raw, "paraphrases"),
        keywords=_texts(raw, "keywords"),
        updated_at=_date(raw.get("updated_at")),
    )


def _date(value: object) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValueError(f"updated_at '{value}' 不是日期（例：2026-11-26）") from exc


def _community(raw: dict[str, Any]) -> Community:
    community_id = _text(raw, "id")
    if not _ID.match(community_id):
        raise ValueError(f"社区 id '{community_id}' 只能用小写字母、数字、- 和 _")
    return Community(
        id=community_id,
        name=_text(raw, "name"),
        street=_text(raw, "street", required=False),
        aliases=_texts(raw, "aliases"),
    )


def demo_files() -> list[Path]:
    """The demo district and knowledge base shipped with Linli."""
    data = Path(__file__).with_name("data")
    return [data / "district.yaml", *sorted((data / "kb").glob("*.yaml"))]


_LANGUAGE = Path(__file__).with_name("data") / "synonyms.yaml"


@functools.lru_cache(maxsize=1)
def _language() -> dict[str, Any]:
    """synonyms.yaml as read once a process (both matchers read its rewrites and kinds:
    four parses of ~10 ms otherwise). Callers copy out of it, never change it."""
    doc: dict[str, Any] = yaml.safe_load(_LANGUAGE.read_text(encoding="utf-8")) or {}
    return doc


def load_rewrites_table() -> dict[str, str]:
    """The dialect, confusable-name and synonym rewrites shipped with Linli."""
    doc = _language()
    table: dict[str, str] = {}
    for name in ("dialect", "confusable", "synonym"):
        section = doc.get(name) or {}
        table.update({str(k): str(v) for k, v in section.items() if str(k) != str(v)})
    return table


def load_question_kinds() -> dict[str, tuple[str, ...]]:
    """Kinds of question (price, time, route ...) and the words that ask them."""
    doc = _language()
    kinds = doc.get("question_kinds") or {}
    return {str(kind): tuple(str(w) for w in words) for kind, words in kinds.items()}
