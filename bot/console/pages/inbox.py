"""未答问题: the questions Linli missed, grouped when alike; each group becomes a paraphrase
(加为相似问), a new entry (新建问答), or is closed (忽略, 已人工回复)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select
from starlette.responses import Response

from bot.console.visit import Forbidden, Handler, Page, Visit, back, communities
from bot.errors import UserFacingError
from bot.kb import store, unanswered
from bot.kb.models import KnowledgeEntry
from bot.models import User
from knowledge.entry import CATEGORIES, Entry
from knowledge.loader import parse_entry

_SUGGESTED = 5  # entries offered first when adding a paraphrase
_INBOX_PAGE = 100  # groups shown at once (the most asked)


def inbox(visit: Visit) -> Response:
    console = visit.console
    groups = console.grouper.grouped(visit.session, visit.staff.communities)
    matcher = console.app.current_matcher()
    suggestions = console.suggestions()
    suggested = {}
    for group in groups[:_INBOX_PAGE]:
        found = suggestions.get(group.key)
        if found is None:
            found = [c.entry.id for c in matcher.match(group.text).candidates]
            suggestions[group.key] = found
        ids = list(dict.fromkeys([*found, *group.nearest]))
        entries = [e for e in (matcher.entry(i) for i in ids) if e is not None]
        suggested[group.ids[0]] = [e for e in entries if visit.staff.may_see(e.community)][
            :_SUGGESTED
        ]
    return visit.render(
        "inbox.html", groups=groups[:_INBOX_PAGE], total=len(groups),
        suggested=suggested, entries=_editable(visit),
    )  # fmt: skip


def _questions(visit: Visit) -> list[Any]:
    ids = [int(i) for i in visit.lists.get("ids", []) if i.isdigit()]
    rows = list(unanswered.visible(visit.session, ids, visit.staff.communities))
    if not rows:
        raise Forbidden("no open question of theirs")
    return rows


def add_paraphrase(visit: Visit) -> Response:
    rows = _questions(visit)
    entry_id = (visit.form.get("other") or visit.form.get("entry") or "").strip()
    text = visit.form.get("text") or rows[0].text
    entry = store.stored_entry(visit.session, entry_id) if entry_id else None
    if entry is None:
        said = f"知识库里没有编号 {entry_id}" if entry_id else "没有选知识条目"
        return back("inbox", f"{said}，请选一条小助手的建议，或填条目编号。")
    visit.mine(entry.community)
    before = store.add_paraphrase(visit.session, entry.id, text, visit.today)
    after = store.stored_entry(visit.session, entry.id)
    closed = unanswered.resolve(rows, "paraphrase", visit.staff.user_id, visit.now)
    visit.log(
        "kb_add_paraphrase", f"entry:{entry.id}", entry.community,
        before={"paraphrases": list(before.paraphrases)},
        after={"paraphrases": list(after.paraphrases) if after else [], "questions": closed},
    )  # fmt: skip
    return back("inbox", f"已把“{text}”加为“{entry.question}”的相似问，马上生效。")


def new_entry_form(visit: Visit) -> Response:
    ids = [int(i) for i in visit.request.query_params.getlist("ids") if i.isdigit()]
    rows = list(unanswered.visible(visit.session, ids, visit.staff.communities))
    if not rows:
        raise Forbidden("no open question of theirs")
    draft = {"question": rows[0].text, "id": "", "answer": "", "source": "", "category": "service"}
    return _entry_form(visit, rows, draft, [])


def _entry_form(
    visit: Visit, rows: list[Any], draft: dict[str, str], problems: list[str]
) -> Response:
    return visit.render(
        "new_entry.html", rows=rows, draft=draft, problems=problems,
        categories=CATEGORIES, communities=communities(visit),
    )  # fmt: skip


def new_entry(visit: Visit) -> Response:
    rows = _questions(visit)
    form = visit.form
    draft = {
        k: form.get(k, "") for k in ("id", "question", "answer", "source", "category", "community")
    }
    community = draft["community"] or None
    visit.mine(community)
    raw = {**draft, "community": community, "paraphrases": form.get("paraphrases", "").splitlines()}
    try:
        entry: Entry = parse_entry(raw, [c.id for c in communities(visit)])
        store.add_entry(visit.session, entry, visit.today)
    except (ValueError, UserFacingError) as exc:
        return _entry_form(visit, rows, draft, [str(exc)])
    closed = unanswered.resolve(rows, "new_entry", visit.staff.user_id, visit.now)
    visit.log(
        "kb_new_entry", f"entry:{entry.id}", entry.community,
        after={"question": entry.question, "answer": entry.answer, "questions": closed},
    )  # fmt: skip
    return back("inbox", f"已新建问答 {entry.id}，马上生效。")


def _close(resolution: str, said: str) -> Handler:
    def handler(visit: Visit) -> Response:
        rows = _questions(visit)
        texts = sorted({row.text for row in rows})
        closed = unanswered.resolve(rows, resolution, visit.staff.user_id, visit.now)
        community = _shared_community(visit.session, rows)
        visit.log(
            "unanswered_" + resolution, f"questions:{closed[0]}", community,
            after={"questions": closed, "texts": texts[:5]},
        )  # fmt: skip
        return back("inbox", said.format(count=len(closed)))

    return handler


ROUTES = [
    Page("GET", "/inbox", inbox),
    Page("POST", "/inbox/paraphrase", add_paraphrase),
    Page("GET", "/inbox/new", new_entry_form),
    Page("POST", "/inbox/new", new_entry),
    Page("POST", "/inbox/ignore", _close("ignored", "已忽略 {count} 条，以后同样的问题不再显示。")),
    Page("POST", "/inbox/answered", _close("answered", "已标为人工回复（{count} 条）。")),
]


def _editable(visit: Visit) -> list[tuple[str, str]]:
    """Entries this staff member may change: (id, question), for the picker."""
    statement = select(KnowledgeEntry.id, KnowledgeEntry.question, KnowledgeEntry.community_id)
    rows = visit.session.exec(statement.order_by(col(KnowledgeEntry.id))).all()
    return [(i, q) for i, q, community in rows if visit.staff.may_see(community)]


def _shared_community(session: Session, rows: list[Any]) -> str | None:
    places = {
        session.get(User, row.user_id).community_id  # type: ignore[union-attr]
        for row in rows
    }
    return places.pop() if len(places) == 1 else None
