"""知识库: search the stored entries, edit one (checked like an import), its history."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from starlette.responses import Response

from bot.console.visit import Forbidden, Handler, Page, Visit, back, download, names
from bot.kb import store
from bot.people import audit
from knowledge.entry import CATEGORIES, Entry
from knowledge.loader import KnowledgeError, load_files, parse_entry

_KB_PAGE = 100  # entries a search shows
_DRAFT = ("question", "paraphrases", "answer", "source", "category", "keywords")
_LABELS = {"question": "标准问题", "paraphrases": "相似问", "answer": "回答", "source": "来源",
           "category": "类别", "keywords": "关键词"}  # fmt: skip
_IMPORTABLE = (".yaml", ".yml", ".csv", ".jsonl")
_LIMIT = 5_000_000


def kb_list(visit: Visit, problems: list[str] | None = None, status: int = 200) -> Response:
    q = visit.param("q")
    archived = visit.param("archived") == "1"
    found = store.archived_entries if archived else store.stored_entries
    entries = [
        e for e in found(visit.session)
        if visit.staff.may_see(e.community) and (not q or _mentions(e, q))
    ]  # fmt: skip
    return visit.render(
        "kb_list.html", status=status, q=q, entries=entries[:_KB_PAGE], total=len(entries),
        archived=archived, problems=problems or [],
    )  # fmt: skip


def _editable_entry(visit: Visit) -> Entry:
    entry = store.stored_entry(visit.session, visit.request.path_params["entry"])
    if entry is None:
        raise Forbidden("no such entry")
    visit.mine(entry.community)
    return entry


def kb_entry(visit: Visit) -> Response:
    entry = _editable_entry(visit)
    return _kb_form(visit, entry, _draft(entry), [])


def _kb_form(
    visit: Visit, entry: Entry, draft: dict[str, str], problems: list[str],
    preview: dict[str, Any] | None = None,
) -> Response:  # fmt: skip
    history = audit.entries(visit.session, target=f"entry:{entry.id}", limit=50)
    actors = names(visit.session, {r.actor_id for r in history if r.actor_id is not None})
    return visit.render(
        "kb_entry.html", entry=entry, draft=draft, problems=problems, preview=preview,
        categories=CATEGORIES, history=history, names=actors,
        archived=store.is_archived(visit.session, entry.id), labels=_LABELS,
    )  # fmt: skip


def _edited(visit: Visit, entry: Entry) -> tuple[dict[str, str], Entry]:
    """The form as typed, and the entry it makes (ValueError: what `kb import` refuses)."""
    draft = {k: visit.form.get(k, "") for k in _DRAFT}
    raw = {
        **draft, "id": entry.id, "community": entry.community,
        "paraphrases": draft["paraphrases"].splitlines(), "keywords": draft["keywords"].split(),
    }  # fmt: skip
    try:
        return draft, parse_entry(raw, [entry.community] if entry.community else [])
    except ValueError as exc:
        raise _Unfit(draft, str(exc)) from exc


class _Unfit(Exception):
    def __init__(self, draft: dict[str, str], problem: str):
        super().__init__(problem)
        self.draft, self.problem = draft, problem


def kb_preview(visit: Visit) -> Response:
    """The edit checked and shown as residents will read it, with what changes; not saved."""
    entry = _editable_entry(visit)
    try:
        draft, changed = _edited(visit, entry)
    except _Unfit as exc:
        return _kb_form(visit, entry, exc.draft, [exc.problem])
    old, new = _fields(entry), _fields(changed)
    changes = [(name, old[name], new[name]) for name in new if old[name] != new[name]]
    return _kb_form(visit, entry, draft, [], preview={"answer": changed.answer, "changes": changes})


def kb_save(visit: Visit) -> Response:
    entry = _editable_entry(visit)
    try:
        draft, changed = _edited(visit, entry)
    except _Unfit as exc:
        return _kb_form(visit, entry, exc.draft, [exc.problem])
    before = store.update_entry(visit.session, changed, visit.today)
    if _draft(before) == _draft(changed):
        return back(f"kb/{entry.id}", "没有改动。")
    visit.log(
        "kb_edit", f"entry:{entry.id}", entry.community,
        before=_fields(before), after=_fields(changed),
    )  # fmt: skip
    return back(f"kb/{entry.id}", "已保存，马上生效。")


def _archive(archived: bool, said: str) -> Handler:
    def handler(visit: Visit) -> Response:
        entry = _editable_entry(visit)
        before = store.set_archived(visit.session, entry.id, archived)
        if before != archived:
            visit.log(
                "kb_archive" if archived else "kb_restore", f"entry:{entry.id}",
                entry.community, before={"archived": before}, after={"archived": archived},
            )  # fmt: skip
        return back(f"kb/{entry.id}", said)

    return handler


def kb_export(visit: Visit) -> Response:
    """The entries this staff member may see, as `linli kb export` writes them (JSONL)."""
    lines = [
        json.dumps(store.exported(e), ensure_ascii=False)
        for e in store.stored_entries(visit.session)
        if visit.staff.may_see(e.community)
    ]
    data = ("\n".join(lines) + "\n").encode()
    return download(data, f"knowledge-{visit.today}.jsonl", "application/x-ndjson")


def kb_import(visit: Visit) -> Response:
    """A knowledge file as `linli kb import` reads it (YAML, CSV, JSONL): checked, each
    entry in the staff member's communities, and stored all or nothing."""
    name, data = visit.uploads.get("file", ("", b""))
    suffix = Path(name).suffix.lower()
    if suffix not in _IMPORTABLE or not data or len(data) > _LIMIT:
        return kb_list(visit, ["请选一个知识文件（.yaml、.csv 或 .jsonl，5 MB 以内）。"], 400)
    known = [c.id for c in store.stored_communities(visit.session)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            loaded = load_files([path], known_communities=known)
            for entry in loaded.entries:
                visit.mine(entry.community)
            if loaded.communities and not visit.staff.may_see(None):
                raise Forbidden("communities are the district's to change")
            overwrite = visit.form.get("overwrite") == "1"
            done = store.import_loaded(visit.session, loaded, visit.today, overwrite=overwrite)
        except KnowledgeError as exc:
            return kb_list(visit, [p.replace(path.name, name) for p in exc.problems][:20], 400)
        except store.WouldOverwrite as exc:
            ids = "、".join(e.id for e in exc.changed[:10])
            said = f"{len(exc.changed)} 条已有的知识内容不一样（{ids}），没有导入。"
            said += "要覆盖请勾选“覆盖”。"
            return kb_list(visit, [said], 400)
    visit.log(
        "kb_import", f"file:{name[:60]}", None,
        before={"changed": [_fields(e) for e in done.changed[:50]]},
        after={"added": done.added, "changed": [e.id for e in done.changed]},
    )  # fmt: skip
    counts = f"新增 {len(done.added)}，更新 {len(done.changed)}"
    return back("kb", f"已导入 {len(done.loaded.entries)} 条（{counts}），马上生效。")


ROUTES = [
    Page("GET", "/kb", kb_list),
    Page("GET", "/kb/export", kb_export),
    Page("POST", "/kb/import", kb_import),
    Page("GET", "/kb/{entry}", kb_entry),
    Page("POST", "/kb/{entry}", kb_save),
    Page("POST", "/kb/{entry}/preview", kb_preview),
    Page(
        "POST", "/kb/{entry}/archive", _archive(True, "已归档：小助手不再用它回答，随时可以恢复。")
    ),
    Page("POST", "/kb/{entry}/restore", _archive(False, "已恢复，马上生效。")),
]


def _mentions(entry: Entry, q: str) -> bool:
    words = (entry.id, entry.answer, entry.source, *entry.questions, *entry.keywords)
    return any(q in text for text in words)


def _draft(entry: Entry) -> dict[str, str]:
    """An entry as its edit form shows it."""
    return {
        "question": entry.question, "paraphrases": "\n".join(entry.paraphrases),
        "answer": entry.answer, "source": entry.source, "category": entry.category,
        "keywords": " ".join(entry.keywords),
    }  # fmt: skip


def _fields(entry: Entry) -> dict[str, Any]:
    """An entry's content for the audit log."""
    return {
        "question": entry.question, "paraphrases": list(entry.paraphrases),
        "answer": entry.answer, "source": entry.source, "category": entry.category,
        "keywords": list(entry.keywords),
    }  # fmt: skip
