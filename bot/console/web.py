"""The console's pages and actions, mounted at /admin of the app `linli serve` runs.

Every page and action opens one transaction, finds the staff member behind the session
cookie (roles read afresh: a revoked role locks out at once), checks the CSRF token of every
POST, and checks the community of every row it shows or changes. Without a session: the
sign-in page; with another community's row, or a resident's session: 403, nothing changed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import func
from sqlmodel import Session, col, select
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.activities.models import Activity
from bot.app import App
from bot.clock import utcnow
from bot.console import reports
from bot.console.auth import COOKIE, Signer, load_secret, secure
from bot.db import read_only, session_scope
from bot.errors import UserFacingError
from bot.kb import store, unanswered
from bot.kb.models import KnowledgeEntry
from bot.models import Community, User
from bot.people import audit, signin
from bot.people.masking import mask_name
from bot.shifts.models import Shift, ShiftAssignment, ShiftPost, Turn
from knowledge.entry import CATEGORIES, Entry
from knowledge.loader import parse_entry

logger = logging.getLogger(__name__)
HERE = Path(__file__).parent
PREFIX = "/admin"
_SUGGESTED = 5  # entries offered first when adding a paraphrase
_INBOX_PAGE = 100  # groups shown at once (the most asked)
_KB_PAGE = 100  # entries a search shows


class Forbidden(Exception):
    """Not this staff member's to see or change (403, nothing changed)."""


@dataclass
class Visit:
    """One request inside its transaction: who, the form, and the page's helpers."""

    request: Request
    session: Session
    staff: signin.Staff
    token: str
    form: dict[str, str]
    lists: dict[str, list[str]]
    now: dt.datetime
    notice: str = ""

    def mine(self, community: str | None) -> None:
        """Refuse a row of a community this staff member does not serve."""
        if not self.staff.may_see(community):
            raise Forbidden(community or "district")

    def log(self, action: str, target: str, community: str | None, **change: Any) -> None:
        """Write the audit log's row for this action."""
        audit.record(
            self.session, self.staff.user_id, "console", action, target,
            now=self.now, community=community, **change,
        )  # fmt: skip


Handler = Callable[[Visit], Response]


class Console:
    """The pages, bound to one running Linli."""

    def __init__(self, app: App, clock: Callable[[], dt.datetime] = utcnow):
        self.app = app
        self.clock = clock
        self.signer = Signer(load_secret(app.settings))
        self.grouper = unanswered.Grouper()  # remembers which questions are alike
        self._suggestions: dict[str, list[str]] = {}  # a group's key -> Linli's top entries
        self._suggestions_of = -1  # the base's version they were found in
        self.templates = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": True}

    @property
    def idle(self) -> dt.timedelta:
        return dt.timedelta(hours=self.app.settings.console.idle_hours)

    # -- rendering ------------------------------------------------------------------------

    def render(self, name: str, visit: Visit | None, status: int = 200, **values: Any) -> Response:
        """A page, with the navigation and the CSRF token when signed in."""
        context = {"prefix": PREFIX, "visit": visit, "zone": self.app.settings.zone, **values}
        if visit is not None:
            context["csrf"] = self.signer.csrf(visit.token)
            context["notice"] = visit.notice or visit.request.query_params.get("notice", "")
        html = self.templates.get_template(name).render(context)
        return HTMLResponse(html, status_code=status, headers=_NO_STORE)

    def refused(self, status: int, text: str) -> Response:
        """A short page saying why not."""
        return self.render("refused.html", None, status=status, text=text)

    # -- the one path of every page and action ---------------------------------------------

    def page(self, handler: Handler, *, post: bool = False) -> Callable[[Request], Any]:
        """An endpoint: `handler` runs in a thread, in one transaction, for signed-in staff."""

        async def endpoint(request: Request) -> Response:
            form = await request.form() if post else FormData()
            try:
                return await run_in_threadpool(self._visit, handler, request, form, post)
            finally:
                await form.close()

        return endpoint

    def action(self, handler: Handler) -> Callable[[Request], Any]:
        """An endpoint for a form's POST (its CSRF token checked first)."""
        return self.page(handler, post=True)

    def _visit(self, handler: Handler, request: Request, form: FormData, post: bool) -> Response:
        token = self.signer.token(request.cookies.get(COOKIE))
        if token is None:
            return RedirectResponse(f"{PREFIX}/signin", status_code=303)
        if post and not self.signer.csrf_ok(token, _text(form.get("csrf"))):
            logger.warning("console %s refused: no valid CSRF token", request.url.path)
            return self.refused(403, "这个表单已经失效了，请回到上一页刷新后再试。")
        now = self.clock()
        with session_scope(self.app.engine) as session:  # short: the session's last use
            staff = signin.current(session, token, now, self.idle)
        if staff is None:
            return RedirectResponse(f"{PREFIX}/signin", status_code=303)
        # a page only reads: on SQLite it must not hold the write turn the residents'
        # messages wait for while it groups thousands of questions
        engine = self.app.engine if post else read_only(self.app.engine)
        try:
            with session_scope(engine) as session:
                visit = Visit(
                    request, session, staff, token,
                    {k: _text(v) for k, v in form.items()},
                    {k: [_text(v) for v in form.getlist(k)] for k in form},
                    now,
                )  # fmt: skip
                return handler(visit)
        except Forbidden as exc:
            logger.warning(
                "console %s refused to user %s: not their community (%s)",
                request.url.path, staff.user_id, exc,
            )  # fmt: skip
            return self.refused(403, "这不归您负责的社区管，您没有权限查看或修改。")

    # -- signing in and out ----------------------------------------------------------------

    async def signin_help(self, request: Request) -> Response:
        settings = self.app.settings.console
        return self.render(
            "signin.html",
            None,
            minutes=f"{settings.link_minutes:g}",
            hours=f"{settings.idle_hours:g}",
        )

    async def login_page(self, request: Request) -> Response:
        """The link's page: a button that signs in (a chat app's link preview fetches the
        page, and must not use the link up)."""
        token = request.path_params["token"]
        problem = await run_in_threadpool(self._peek, token)
        if problem:
            return self.refused(403, signin.REFUSED)
        return self.render("login.html", None, token=token)

    def _peek(self, token: str) -> bool:
        with session_scope(self.app.engine) as session:
            return signin.refused(session, token, self.clock())

    async def login(self, request: Request) -> Response:
        token = request.path_params["token"]
        opened = await run_in_threadpool(self._redeem, token)
        if opened is None:
            return self.refused(403, signin.REFUSED)
        response = RedirectResponse(f"{PREFIX}/", status_code=303)
        response.set_cookie(
            COOKIE, self.signer.cookie(opened), httponly=True, samesite="lax",
            secure=secure(self.app.settings), path=PREFIX,
        )  # fmt: skip
        return response

    def _redeem(self, token: str) -> str | None:
        with session_scope(self.app.engine) as session:
            return signin.redeem(session, token, self.clock())

    def signout(self, visit: Visit) -> Response:
        signin.sign_out(visit.session, visit.token, visit.now)
        response = RedirectResponse(f"{PREFIX}/signin?out=1", status_code=303)
        response.delete_cookie(COOKIE, path=PREFIX)
        return response

    # -- 待办 ---------------------------------------------------------------------------------

    def dashboard(self, visit: Visit) -> Response:
        zone = self.app.settings.zone
        midnight = visit.now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
        counts = unanswered.counts_since(visit.session, midnight, visit.staff.communities)
        groups = self.grouper.grouped(visit.session, visit.staff.communities)
        return self.render(
            "dashboard.html", visit, counts=counts, groups=groups[:5], open_groups=len(groups),
            entries=_entry_count(visit.session), today=midnight.date(),
            activities=_activities_between(visit, midnight, midnight + dt.timedelta(days=7)),
            hours_waiting=_hours_waiting(visit),
        )  # fmt: skip

    # -- 未答问题 -----------------------------------------------------------------------------

    def inbox(self, visit: Visit) -> Response:
        groups = self.grouper.grouped(visit.session, visit.staff.communities)
        matcher = self.app.current_matcher()
        if self._suggestions_of != self.app.version:  # the base changed: suggest afresh
            self._suggestions.clear()
            self._suggestions_of = self.app.version
        suggested = {}
        for group in groups[:_INBOX_PAGE]:
            found = self._suggestions.get(group.key)
            if found is None:
                found = [c.entry.id for c in matcher.match(group.text).candidates]
                self._suggestions[group.key] = found
            ids = list(dict.fromkeys([*found, *group.nearest]))
            entries = [e for e in (matcher.entry(i) for i in ids) if e is not None]
            suggested[group.ids[0]] = [e for e in entries if visit.staff.may_see(e.community)][
                :_SUGGESTED
            ]
        return self.render(
            "inbox.html", visit, groups=groups[:_INBOX_PAGE], total=len(groups),
            suggested=suggested, entries=_editable(visit),
        )  # fmt: skip

    def _questions(self, visit: Visit) -> list[Any]:
        ids = [int(i) for i in visit.lists.get("ids", []) if i.isdigit()]
        rows = list(unanswered.visible(visit.session, ids, visit.staff.communities))
        if not rows:
            raise Forbidden("no open question of theirs")
        return rows

    def add_paraphrase(self, visit: Visit) -> Response:
        rows = self._questions(visit)
        entry_id = (visit.form.get("other") or visit.form.get("entry") or "").strip()
        text = visit.form.get("text") or rows[0].text
        entry = store.stored_entry(visit.session, entry_id) if entry_id else None
        if entry is None:
            said = f"知识库里没有编号 {entry_id}" if entry_id else "没有选知识条目"
            return _back("inbox", f"{said}，请选一条小助手的建议，或填条目编号。")
        visit.mine(entry.community)
        today = visit.now.astimezone(self.app.settings.zone).date()
        before = store.add_paraphrase(visit.session, entry.id, text, today)
        after = store.stored_entry(visit.session, entry.id)
        closed = unanswered.resolve(rows, "paraphrase", visit.staff.user_id, visit.now)
        visit.log(
            "kb_add_paraphrase", f"entry:{entry.id}", entry.community,
            before={"paraphrases": list(before.paraphrases)},
            after={"paraphrases": list(after.paraphrases) if after else [], "questions": closed},
        )  # fmt: skip
        return _back("inbox", f"已把“{text}”加为“{entry.question}”的相似问，马上生效。")

    def new_entry_form(self, visit: Visit) -> Response:
        ids = [int(i) for i in visit.request.query_params.getlist("ids") if i.isdigit()]
        rows = list(unanswered.visible(visit.session, ids, visit.staff.communities))
        if not rows:
            raise Forbidden("no open question of theirs")
        draft = {
            "question": rows[0].text,
            "id": "",
            "answer": "",
            "source": "",
            "category": "service",
        }
        return self._entry_form(visit, rows, draft, [])

    def _entry_form(
        self, visit: Visit, rows: list[Any], draft: dict[str, str], problems: list[str]
    ) -> Response:
        return self.render(
            "new_entry.html", visit, rows=rows, draft=draft, problems=problems,
            categories=CATEGORIES, communities=_communities(visit),
        )  # fmt: skip

    def new_entry(self, visit: Visit) -> Response:
        rows = self._questions(visit)
        form = visit.form
        draft = {
            k: form.get(k, "")
            for k in ("id", "question", "answer", "source", "category", "community")
        }
        community = draft["community"] or None
        visit.mine(community)
        raw = {
            **draft,
            "community": community,
            "paraphrases": form.get("paraphrases", "").splitlines(),
        }
        try:
            entry: Entry = parse_entry(raw, [c.id for c in _communities(visit)])
            store.add_entry(
                visit.session, entry, visit.now.astimezone(self.app.settings.zone).date()
            )
        except (ValueError, UserFacingError) as exc:
            return self._entry_form(visit, rows, draft, [str(exc)])
        closed = unanswered.resolve(rows, "new_entry", visit.staff.user_id, visit.now)
        visit.log(
            "kb_new_entry", f"entry:{entry.id}", entry.community,
            after={"question": entry.question, "answer": entry.answer, "questions": closed},
        )  # fmt: skip
        return _back("inbox", f"已新建问答 {entry.id}，马上生效。")

    def close(self, resolution: str, said: str) -> Handler:
        def handler(visit: Visit) -> Response:
            rows = self._questions(visit)
            texts = sorted({row.text for row in rows})
            closed = unanswered.resolve(rows, resolution, visit.staff.user_id, visit.now)
            action = "unanswered_" + resolution
            community = _shared_community(visit.session, rows)
            visit.log(
                action,
                f"questions:{closed[0]}",
                community,
                after={"questions": closed, "texts": texts[:5]},
            )
            return _back("inbox", said.format(count=len(closed)))

        return handler

    # -- 知识库 -------------------------------------------------------------------------------

    def kb_list(self, visit: Visit) -> Response:
        q = visit.request.query_params.get("q", "").strip()[:100]
        entries = [
            e for e in store.stored_entries(visit.session)
            if visit.staff.may_see(e.community) and (not q or _mentions(e, q))
        ]  # fmt: skip
        return self.render(
            "kb_list.html", visit, q=q, entries=entries[:_KB_PAGE], total=len(entries)
        )

    def _editable_entry(self, visit: Visit) -> Entry:
        entry = store.stored_entry(visit.session, visit.request.path_params["entry"])
        if entry is None:
            raise Forbidden("no such entry")
        visit.mine(entry.community)
        return entry

    def kb_entry(self, visit: Visit) -> Response:
        entry = self._editable_entry(visit)
        return self._kb_form(visit, entry, _draft(entry), [])

    def _kb_form(
        self, visit: Visit, entry: Entry, draft: dict[str, str], problems: list[str]
    ) -> Response:
        history = audit.entries(visit.session, target=f"entry:{entry.id}", limit=50)
        names = _names(visit.session, {r.actor_id for r in history if r.actor_id is not None})
        return self.render(
            "kb_entry.html", visit, entry=entry, draft=draft, problems=problems,
            categories=CATEGORIES, history=history, names=names,
        )  # fmt: skip

    def kb_save(self, visit: Visit) -> Response:
        entry = self._editable_entry(visit)
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
            return self._kb_form(visit, entry, draft, [str(exc)])
        today = visit.now.astimezone(self.app.settings.zone).date()
        before = store.update_entry(visit.session, changed, today)
        if _draft(before) == _draft(changed):
            return _back(f"kb/{entry.id}", "没有改动。")
        visit.log(
            "kb_edit", f"entry:{entry.id}", entry.community,
            before=_fields(before), after=_fields(changed),
        )  # fmt: skip
        return _back(f"kb/{entry.id}", "已保存，马上生效。")

    # -- 试一试 -------------------------------------------------------------------------------

    def try_page(self, visit: Visit) -> Response:
        text = visit.form.get("q", "").strip()[:200]
        result = None
        if text:
            match = self.app.current_matcher().match(text)
            best = match.best.entry if match.best else None
            result = {
                "decision": match.decision, "confidence": match.confidence, "best": best,
                "candidates": [c.entry for c in match.candidates],
            }  # fmt: skip
        return self.render("try.html", visit, q=text, result=result)

    # -- 审计日志 -----------------------------------------------------------------------------

    def audit_page(self, visit: Visit) -> Response:
        params = visit.request.query_params
        actor = params.get("actor", "").strip()
        action = params.get("action", "").strip()
        rows = audit.entries(
            visit.session,
            actor_id=int(actor) if actor.isdigit() else None,
            action=action or None,
            communities=visit.staff.communities,
            viewer=visit.staff.user_id,
        )
        names = _names(visit.session, {r.actor_id for r in rows if r.actor_id is not None})
        return self.render(
            "audit.html", visit, rows=rows, actor=actor, action=action,
            actions=audit.actions(visit.session), names=names, zone=self.app.settings.zone,
        )  # fmt: skip

    # -- the routes -------------------------------------------------------------------------

    def routes(self) -> list[Route | Mount]:
        page, act = self.page, self.action
        return [
            Route("/", page(self.dashboard), methods=["GET"]),
            Route("/inbox", page(self.inbox), methods=["GET"]),
            Route("/inbox/paraphrase", act(self.add_paraphrase), methods=["POST"]),
            Route("/inbox/new", page(self.new_entry_form), methods=["GET"]),
            Route("/inbox/new", act(self.new_entry), methods=["POST"]),
            Route(
                "/inbox/ignore",
                act(self.close("ignored", "已忽略 {count} 条，以后同样的问题不再显示。")),
                methods=["POST"],
            ),
            Route(
                "/inbox/answered",
                act(self.close("answered", "已标为人工回复（{count} 条）。")),
                methods=["POST"],
            ),
            Route("/kb", page(self.kb_list), methods=["GET"]),
            Route("/kb/{entry}", page(self.kb_entry), methods=["GET"]),
            Route("/kb/{entry}", act(self.kb_save), methods=["POST"]),
            Route("/try", page(self.try_page), methods=["GET"]),
            Route("/try", act(self.try_page), methods=["POST"]),
            Route("/audit", page(self.audit_page), methods=["GET"]),
            *reports.routes(self),
            Route("/signout", act(self.signout), methods=["POST"]),
            Route("/signin", self.signin_help, methods=["GET"]),
            Route("/login/{token}", self.login_page, methods=["GET"]),
            Route("/login/{token}", self.login, methods=["POST"]),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ]


_NO_STORE = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def console_app(app: App, clock: Callable[[], dt.datetime] = utcnow) -> Starlette:
    """The console as an ASGI app, to mount at /admin."""
    return Starlette(routes=Console(app, clock).routes())


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _back(page: str, notice: str) -> Response:
    return RedirectResponse(f"{PREFIX}/{page}?notice={quote(notice)}", status_code=303)


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


def _entry_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(KnowledgeEntry)).one()


def _activities_between(visit: Visit, start: dt.datetime, end: dt.datetime) -> int:
    """How many of this staff member's activities start in [start, end) (not cancelled)."""
    rows = visit.session.exec(
        select(Activity.community_id).where(
            col(Activity.starts_at) >= start, col(Activity.starts_at) < end,
            col(Activity.status) != "cancelled",
        )
    ).all()  # fmt: skip
    return sum(1 for community in rows if visit.staff.may_see(community))


def _hours_waiting(visit: Visit) -> int:
    """Volunteers' finished shifts of this staff member's posts waiting for approval."""
    rows = visit.session.exec(
        select(ShiftPost.community_id)
        .join(Shift, col(Shift.post_id) == ShiftPost.id)
        .join(ShiftAssignment, col(ShiftAssignment.shift_id) == Shift.id)
        .where(col(ShiftAssignment.status) == Turn.DONE.value)
        .where(col(ShiftAssignment.approved_at).is_(None))
    ).all()
    return sum(1 for community in rows if visit.staff.may_see(community))


def _editable(visit: Visit) -> list[tuple[str, str]]:
    """Entries this staff member may change: (id, question), for the picker."""
    statement = select(KnowledgeEntry.id, KnowledgeEntry.question, KnowledgeEntry.community_id)
    rows = visit.session.exec(statement.order_by(col(KnowledgeEntry.id))).all()
    return [(i, q) for i, q, community in rows if visit.staff.may_see(community)]


def _communities(visit: Visit) -> list[Community]:
    rows = visit.session.exec(select(Community).order_by(col(Community.id))).all()
    return [c for c in rows if visit.staff.may_see(c.id)]


def _shared_community(session: Session, rows: list[Any]) -> str | None:
    places = {
        session.get(User, row.user_id).community_id  # type: ignore[union-attr]
        for row in rows
    }
    return places.pop() if len(places) == 1 else None


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    users = session.exec(select(User).where(col(User.id).in_(sorted(ids)))).all() if ids else []
    return {
        u.id: (mask_name(u.display_name) if u.display_name else f"用户 {u.id}")
        for u in users
        if u.id is not None
    }
