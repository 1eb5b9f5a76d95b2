"""知识库: search the stored entries, edit one (checked like an import), its history."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from bot.console.visit import Forbidden, Page, Visit, back, names
from bot.kb import store
from bot.people import audit
from knowledge.entry import CATEGORIES, Entry
from knowledge.loader import parse_entry

_KB_PAGE = 100  # entries a search shows


def kb_list(visit: Visit) -> Response:
    q = visit.param("q")
    entries = [
        e for e in store.stored_entries(visit.session)
        if visit.staff.may_see(e.community) and (not q or _mentions(e, q))
    ]  # fmt: skip
    return visit.render("kb_list.html", q=q, entries=entries[:_KB_PAGE], total=len(entries))


def _editable_entry(visit: Visit) -> Entry:
    entry = store.stored_entry(visit.session, visit.request.path_params["entry"])
    if entry is None:
        raise Forbidden("no such entry")
    visit.mine(entry.community)
    return entry


def kb_entry(visit: Visit) -> Response:
    entry = _editable_entry(visit)
    return _kb_form(visit, entry, _draft(entry), [])


def _kb_form(visit: Visit, entry: Entry, draft: dict[str, str], problems: list[str]) -> Response:
    history = audit.entries(visit.session, target=f"entry:{entry.id}", limit=50)
    actors = names(visit.session, {r.actor_id for r in history if r.actor_id is not None})
    return visit.render(
        "kb_entry.html", entry=entry, draft=draft, problems=problems,
        categories=CATEGORIES, history=history, names=actors,
    )  # fmt: skip


def kb_save(visit: Visit) -> Response:
    entry = _editable_entry(visit)
    form = visit.form
    draft = {
        k: form.get(k, "")
        for k in ("question", "paraphrases", "answer", "source", "category", "keywords")
    }
    raw = {
        **draft, "id": entry.id, "community": entry.community,
        "paraphrases": draft["paraphrases"].splitlines(), "keywords": draft["keywords"].split(),
    }  # fmt: skip
    try:
        changed = parse_entry(raw, [entry.community] if entry.community else [])
    except ValueError as exc:
        return _kb_form(visit, entry, draft, [str(exc)])
    before = store.update_entry(visit.session, changed, visit.today)
    if _draft(before) == _draft(changed):
        return back(f"kb/{entry.id}", "没有改动。")
    visit.log(
        "kb_edit", f"entry:{entry.id}", entry.community,
        before=_fields(before), after=_fields(changed),
    )  # fmt: skip
    return back(f"kb/{entry.id}", "已保存，马上生效。")


ROUTES = [
    Page("GET", "/kb", kb_list),
    Page("GET", "/kb/{entry}", kb_entry),
    Page("POST", "/kb/{entry}", kb_save),
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
