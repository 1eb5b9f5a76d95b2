"""The knowledge base as the app keeps it: entries in the database, one matcher in memory."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import logging
import os
import pickle
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

import knowledge
from bot.config import Settings
from bot.db import session_scope
from bot.errors import ConfigError, UserFacingError
from bot.kb.models import KnowledgeEntry, KnowledgeVersion
from bot.models import Community as CommunityRow
from knowledge.entry import Community, Entry
from knowledge.loader import (
    Loaded,
    demo_files,
    load_files,
    load_question_kinds,
    load_rewrites_table,
)

if TYPE_CHECKING:
    from knowledge.calibration import Calibration
    from knowledge.matcher import Matcher, Thresholds

# The matcher's modules (jieba, pypinyin, numpy) load when a matcher is built, not for the
# entries and communities a staff command reads.

logger = logging.getLogger(__name__)


@dataclass
class Imported:
    """What an import did: the files as read, and which stored entries it added, changed
    (same id, other content) or removed (`replace` only)."""

    loaded: Loaded
    added: list[str] = field(default_factory=list)
    changed: list[Entry] = field(default_factory=list)  # the stored versions, before
    removed: list[str] = field(default_factory=list)


class WouldOverwrite(UserFacingError):
    """Entries in the files have the id of stored entries with other content; nothing was
    written. `changed` holds the stored versions and `incoming` the ones that would replace
    them."""

    def __init__(self, changed: list[Entry], incoming: dict[str, Entry]):
        super().__init__(f"{len(changed)} 条已有的知识会被覆盖")
        self.changed, self.incoming = changed, incoming


def import_files(
    engine: Engine,
    paths: Sequence[Path],
    today: dt.date,
    replace: bool = False,
    overwrite: bool = False,
) -> Imported:
    """Validate knowledge files and upsert them in one transaction: all of it or nothing.

    Args:
        engine: the database.
        paths: the files, read together (communities first, so entries may name them).
        today: `updated_at` of entries that do not say.
        replace: remove every stored entry first, so the base is exactly these files.
        overwrite: replace stored entries of the same id whose content differs.

    Raises:
        knowledge.loader.KnowledgeError: a file is invalid; nothing was written.
        WouldOverwrite: a stored entry would change, without `overwrite` or `replace`;
            nothing was written.
    """
    with session_scope(engine) as session:
        known = session.exec(select(CommunityRow.id)).all()
        loaded = load_files(paths, known_communities=known)
        return import_loaded(session, loaded, today, replace, overwrite)


def import_loaded(
    session: Session, loaded: Loaded, today: dt.date, replace: bool = False,
    overwrite: bool = False,
) -> Imported:  # fmt: skip
    """Upsert what checked files hold, in the caller's transaction (see `import_files`).

    Raises:
        WouldOverwrite: a stored entry would change, without `overwrite` or `replace`.
    """
    # the stored base in one query (not one per entry: files hold thousands)
    stored = {row.id: row for row in session.exec(select(KnowledgeEntry)).all()}
    done = _compare(stored, loaded, replace)
    if done.changed and not (overwrite or replace):
        raise WouldOverwrite(done.changed, {e.id: e for e in loaded.entries})
    with session.no_autoflush:  # one flush at the end: inserts go in batches
        for entry_id in done.removed:
            session.delete(stored[entry_id])
        for community in loaded.communities:
            session.merge(_community_row(community))
        new = []
        for entry in loaded.entries:
            row = stored.get(entry.id)
            if row is None:
                new.append(_entry_values(entry, today))
            else:
                _overwrite(row, entry, today)
    session.flush()
    if new:  # one executemany, not an ORM object per row (20k rows: seconds, not a minute)
        session.execute(insert(KnowledgeEntry), new)
    bump_version(session)
    return done


def remove_entries(engine: Engine, ids: Sequence[str]) -> list[Entry]:
    """Delete these entries, all or none; returns them as they were.

    Raises:
        UserFacingError: one of the ids is not in the base; nothing was removed.
    """
    with session_scope(engine) as session:
        rows = [session.get(KnowledgeEntry, entry_id) for entry_id in ids]
        missing = [entry_id for entry_id, row in zip(ids, rows, strict=True) if row is None]
        if missing:
            raise UserFacingError(f"知识库里没有：{'、'.join(missing)}（什么都没有删）")
        gone = [_entry(row) for row in rows if row is not None]
        for row in rows:
            session.delete(row)
        bump_version(session)
    return gone


_changes_here = 0  # knowledge changes this process committed (see local_changes)


def local_changes() -> int:
    """How many knowledge changes this process has committed: a free signal that the stored
    version moved, so the matcher need not read it to notice its own process's edits."""
    return _changes_here


def _changed_here(_session: Session) -> None:
    global _changes_here  # a counter only ever moved on: no lock needed to read it
    _changes_here += 1


def knowledge_version(session: Session) -> int:
    """The stored base's version: moves on with every change (0 before the first)."""
    row = session.get(KnowledgeVersion, 1)
    return 0 if row is None else row.version


def bump_version(session: Session) -> int:
    """Move the version on, in the caller's transaction (the change and its stamp commit
    together); this process's matcher notices on its next message, every other process's
    within KNOWLEDGE_CHECK_SECONDS (bot/app.py)."""
    event.listen(session, "after_commit", _changed_here, once=True)
    row = session.get(KnowledgeVersion, 1, with_for_update=True)
    if row is None:
        row = KnowledgeVersion(id=1, version=0)
    row.version += 1
    session.add(row)
    session.flush()
    return row.version


def stored_entry(session: Session, entry_id: str) -> Entry | None:
    """One stored entry, or None."""
    row = session.get(KnowledgeEntry, entry_id)
    return None if row is None else _entry(row)


def add_paraphrase(session: Session, entry_id: str, text: str, today: dt.date) -> Entry:
    """Add `text` to an entry's paraphrases (nothing when it already asks that); returns
    the entry as it was before.

    Raises:
        UserFacingError: no such entry, or the text is empty.
    """
    row = session.get(KnowledgeEntry, entry_id, with_for_update=True)
    if row is None:
        raise UserFacingError(f"知识库里没有：{entry_id}")
    text = " ".join(text.split())[:200]
    if not text:
        raise UserFacingError("相似问不能是空的")
    before = _entry(row)
    if text not in before.questions:
        row.paraphrases = [*row.paraphrases, text]
        row.updated_at = today
        session.add(row)
        bump_version(session)
    return before


def update_entry(session: Session, entry: Entry, today: dt.date) -> Entry:
    """Replace a stored entry's content by `entry` (same id); returns it as it was.

    Raises:
        UserFacingError: no such entry.
    """
    row = session.get(KnowledgeEntry, entry.id, with_for_update=True)
    if row is None:
        raise UserFacingError(f"知识库里没有：{entry.id}")
    before = _entry(row)
    if _content(before) != _content(entry):
        _overwrite(row, entry, today)
        row.updated_at = today  # an edit is today's, whatever date the entry carried
        session.add(row)
        bump_version(session)
    return before


def add_entry(session: Session, entry: Entry, today: dt.date) -> None:
    """Store a new entry (checked by `knowledge.loader.parse_entry`).

    Raises:
        UserFacingError: an entry with this id exists already.
    """
    if session.get(KnowledgeEntry, entry.id) is not None:
        raise UserFacingError(f"编号 {entry.id} 已经有了，换一个编号")
    session.add(_entry_row(entry, today))
    bump_version(session)


def _compare(stored: dict[str, KnowledgeEntry], loaded: Loaded, replace: bool) -> Imported:
    done = Imported(loaded)
    for entry in loaded.entries:
        row = stored.get(entry.id)
        if row is None:
            done.added.append(entry.id)
        elif _content(_entry(row)) != _content(entry):
            done.changed.append(_entry(row))
    if replace:
        incoming = {e.id for e in loaded.entries}
        done.removed = [entry_id for entry_id in stored if entry_id not in incoming]
    return done


def _content(entry: Entry) -> tuple[object, ...]:
    # updated_at is left out: a file that does not say gets today's date, not a new answer
    return (entry.category, entry.community, entry.question, entry.paraphrases,
            entry.keywords, entry.answer, entry.source)  # fmt: skip


def seed_demo(engine: Engine, today: dt.date) -> bool:
    """Load the demo district when the base is empty (first start). True if it loaded it."""
    with Session(engine) as session:
        if session.exec(select(KnowledgeEntry.id).limit(1)).first() is not None:
            return False
    try:
        import_files(engine, demo_files(), today)
    except IntegrityError:
        logger.info("another process loaded the demo knowledge base first")
        return False
    logger.info("loaded the demo knowledge base")
    return True


def stored_entries(session: Session) -> list[Entry]:
    """Every entry Linli answers with (all but the archived ones), ordered by id."""
    rows = session.exec(
        select(KnowledgeEntry).where(col(KnowledgeEntry.archived).is_(False))
        .order_by(col(KnowledgeEntry.id))
    ).all()  # fmt: skip
    return [_entry(row) for row in rows]


def archived_entries(session: Session) -> list[Entry]:
    """The entries staff archived (kept, not answered with), ordered by id."""
    rows = session.exec(
        select(KnowledgeEntry).where(col(KnowledgeEntry.archived).is_(True))
        .order_by(col(KnowledgeEntry.id))
    ).all()  # fmt: skip
    return [_entry(row) for row in rows]


def is_archived(session: Session, entry_id: str) -> bool:
    """Whether a stored entry is archived."""
    row = session.get(KnowledgeEntry, entry_id)
    return row is not None and row.archived


def set_archived(session: Session, entry_id: str, archived: bool) -> bool:
    """Archive an entry (Linli stops answering with it) or bring it back; returns whether
    it was archived before.

    Raises:
        UserFacingError: no such entry.
    """
    row = session.get(KnowledgeEntry, entry_id, with_for_update=True)
    if row is None:
        raise UserFacingError(f"知识库里没有：{entry_id}")
    before = row.archived
    if before != archived:
        row.archived = archived
        session.add(row)
        bump_version(session)
    return before


def exported(entry: Entry) -> dict[str, object]:
    """An entry as `linli kb export` writes it (one JSON line; `kb import` reads it back)."""
    return {
        "id": entry.id,
        "category": entry.category,
        "community": entry.community,
        "questions": list(entry.questions),
        "keywords": list(entry.keywords),
        "answer": entry.answer,
        "source": entry.source,
        "updated_at": entry.updated_at.isoformat() if entry.updated_at else None,
    }


def stored_communities(session: Session) -> list[Community]:
    """Every community in the database, ordered by id."""
    rows = session.exec(select(CommunityRow).order_by(CommunityRow.id)).all()
    return [Community(r.id, r.name, r.street, tuple(r.aliases)) for r in rows]


def calibration_path(settings: Settings) -> Path:
    """Where the district's own calibration is read from and `linli kb calibrate --write`
    writes it: `[knowledge] calibration`, or calibration.json in the data directory."""
    return settings.knowledge.calibration or settings.home / "calibration.json"


def load_calibration(settings: Settings) -> Calibration:
    """The district's calibration, or the one shipped with Linli when it has none. A
    configured file that is missing or unreadable stops the start, with its name."""
    from knowledge.calibration import Calibration

    own = calibration_path(settings)
    if settings.knowledge.calibration is None and not own.exists():
        return Calibration.load()
    try:
        return Calibration.load(own)
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError(f"[knowledge] calibration：读不了 {own}（{exc}）") from exc


def thresholds(settings: Settings, calibration: Calibration) -> Thresholds:
    """The configured thresholds; those fitted with the calibration where the configuration
    does not set them itself."""
    from knowledge.matcher import Thresholds

    knobs = settings.knowledge
    answer, clarify = knobs.answer_threshold, knobs.clarify_threshold
    if calibration.answer is not None and "answer_threshold" not in knobs.model_fields_set:
        answer = calibration.answer
    if calibration.clarify is not None and "clarify_threshold" not in knobs.model_fields_set:
        clarify = calibration.clarify
    return Thresholds(answer=answer, clarify=clarify, suggestions=knobs.suggestions)


def build_matcher(entries: Iterable[Entry], settings: Settings, name: str = "kb") -> Matcher:
    """The matcher over these entries, with the configured thresholds and the district's
    calibration (or the one shipped with Linli). `name` keeps its cached index apart from
    another matcher's (the knowledge base's, the commands' phrases'): a new index replaces
    only an older one of the same name."""
    from knowledge.analyze import Analyzer
    from knowledge.matcher import Matcher
    from knowledge.normalize import Rewrites

    analyzer = Analyzer(
        Rewrites(load_rewrites_table()),
        cache_dir=settings.home / "cache",
        kinds=load_question_kinds(),
    )
    calibration = load_calibration(settings)
    limits = thresholds(settings, calibration)
    entries = list(entries)
    cache = settings.home / "cache" / f"matcher-{name}-{_fingerprint(entries)}.pickle"
    matcher = _cached(cache)
    if matcher is None:
        matcher = Matcher(entries, analyzer, limits, calibration)
        _keep(cache, matcher)
    else:
        matcher.attach(analyzer, limits, calibration)
    # The index is built once and lives as long as the process: keep the garbage collector
    # from walking its millions of objects on every collection (p99 latency).
    gc.freeze()
    return matcher


def _fingerprint(entries: list[Entry]) -> str:
    """Changes with any entry text, the language tables, or the matching code itself."""
    digest = hashlib.sha256()
    code = Path(knowledge.__file__).parent
    for part in ("analyze", "normalize", "pinyin", "index", "matcher"):
        digest.update((code / f"{part}.py").read_bytes())
    digest.update((code / "data" / "synonyms.yaml").read_bytes())
    for entry in entries:
        digest.update(repr((entry.id, entry.questions, entry.keywords, entry.answer)).encode())
    return digest.hexdigest()[:24]


def _cached(path: Path) -> Matcher | None:
    """A matcher built before from the same entries and code (our own file in the data dir)."""
    from knowledge.matcher import Matcher

    try:
        with path.open("rb") as stream:
            found = pickle.load(stream)  # noqa: S301 - written by build_matcher, never fetched
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    return found if isinstance(found, Matcher) else None


def _keep(path: Path, matcher: Matcher) -> None:
    name = path.name.rsplit("-", 1)[0]  # matcher-kb
    for old in path.parent.glob(f"{name}-*.pickle"):
        old.unlink(missing_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.part")
    try:
        with partial.open("wb") as stream:
            pickle.dump(matcher, stream, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(path)
    except OSError:
        logger.warning("could not cache the matcher in %s", path.parent)


def _entry(row: KnowledgeEntry) -> Entry:
    return Entry(
        id=row.id,
        category=row.category,
        question=row.question,
        answer=row.answer,
        source=row.source,
        community=row.community_id,
        paraphrases=tuple(row.paraphrases),
        keywords=tuple(row.keywords),
        updated_at=row.updated_at,
    )


def _entry_row(entry: Entry, today: dt.date) -> KnowledgeEntry:
    return KnowledgeEntry(**_entry_values(entry, today))


def _overwrite(row: KnowledgeEntry, entry: Entry, today: dt.date) -> None:
    """Give a stored row the entry's content."""
    for name, value in _entry_values(entry, today).items():
        setattr(row, name, value)


def _entry_values(entry: Entry, today: dt.date) -> dict[str, Any]:
    return {
        "id": entry.id,
        "category": entry.category,
        "community_id": entry.community,
        "question": entry.question,
        "paraphrases": list(entry.paraphrases),
        "keywords": list(entry.keywords),
        "answer": entry.answer,
        "source": entry.source,
        "updated_at": entry.updated_at or today,
    }


def _community_row(community: Community) -> CommunityRow:
    return CommunityRow(
        id=community.id,
        name=community.name,
        street=community.street,
        aliases=list(community.aliases),
    )
