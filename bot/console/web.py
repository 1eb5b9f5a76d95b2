"""The console, mounted at /admin of the app `linli serve` runs: the one path every page and
action takes, sign-in and sign-out, and the one table of the pages' routes (`PAGES`).

Every page and action opens one transaction, finds the staff member behind the session
cookie (roles read afresh: a revoked role locks out at once), checks the CSRF token of every
POST, and checks the community of every row it shows or changes. Without a session: the
sign-in page; with another community's row, or a resident's session: 403, nothing changed.

A new page group = one module in `pages/` with its `ROUTES`, its line in `PAGES`, and its
link in `NAV`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.app import App
from bot.clock import utcnow
from bot.console.auth import COOKIE, Signer, load_secret, secure
from bot.console.pages import (
    activities,
    announcements,
    audit,
    dashboard,
    inbox,
    kb,
    orders,
    reports,
    trying,
    volunteers,
)
from bot.console.visit import PREFIX, Forbidden, Handler, Page, Visit, text
from bot.db import read_only, session_scope
from bot.kb import unanswered
from bot.people import signin

logger = logging.getLogger(__name__)
HERE = Path(__file__).parent
__all__ = ["PREFIX", "Console", "console_app", "routes_table"]


def signout(visit: Visit) -> Response:
    signin.sign_out(visit.session, visit.token, visit.now)
    response = RedirectResponse(f"{PREFIX}/signin?out=1", status_code=303)
    response.delete_cookie(COOKIE, path=PREFIX)
    return response


# The routes of every page group, in one table (each signed-in, CSRF on POST, audited).
PAGES: Sequence[Sequence[Page]] = (
    dashboard.ROUTES,
    inbox.ROUTES,
    kb.ROUTES,
    trying.ROUTES,
    activities.ROUTES,
    announcements.ROUTES,
    volunteers.ROUTES,
    orders.ROUTES,
    reports.ROUTES,
    audit.ROUTES,
    [Page("POST", "/signout", signout)],
)

# The navigation bar: (label, path); a page is "here" when the path starts with it.
NAV: Sequence[tuple[str, str]] = (
    ("待办", "/"),
    ("未答问题", "/inbox"),
    ("知识库", "/kb"),
    ("活动", "/activities"),
    ("公告", "/announcements"),
    ("志愿者", "/volunteers"),
    ("工单", "/orders"),
    ("工作报告", "/reports"),
    ("试一试", "/try"),
    ("审计日志", "/audit"),
)


def routes_table() -> list[Page]:
    """Every signed-in route of the console (the security tests walk them all)."""
    return [page for group in PAGES for page in group]


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

    def suggestions(self) -> dict[str, list[str]]:
        """Linli's top entries per inbox group, found again once the base changes."""
        if self._suggestions_of != self.app.version:
            self._suggestions.clear()
            self._suggestions_of = self.app.version
        return self._suggestions

    # -- rendering ------------------------------------------------------------------------

    def render(self, name: str, visit: Visit | None, status: int = 200, **values: Any) -> Response:
        """A page, with the navigation and the CSRF token when signed in."""
        context = {
            "prefix": PREFIX, "visit": visit, "zone": self.app.settings.zone, "nav": NAV,
            **values,
        }  # fmt: skip
        if visit is not None:
            context["csrf"] = self.signer.csrf(visit.token)
            context["notice"] = visit.notice or visit.request.query_params.get("notice", "")
        html = self.templates.get_template(name).render(context)
        return HTMLResponse(html, status_code=status, headers=_NO_STORE)

    def refused(self, status: int, said: str) -> Response:
        """A short page saying why not."""
        return self.render("refused.html", None, status=status, text=said)

    # -- the one path of every page and action ---------------------------------------------

    def endpoint(self, handler: Handler, *, post: bool) -> Callable[[Request], Any]:
        """`handler` runs in a thread, in one transaction, for signed-in staff; a POST's
        CSRF token is checked first."""

        async def endpoint(request: Request) -> Response:
            form = await request.form() if post else FormData()
            try:
                return await run_in_threadpool(self._visit, handler, request, form, post)
            finally:
                await form.close()

        return endpoint

    def _visit(self, handler: Handler, request: Request, form: FormData, post: bool) -> Response:
        token = self.signer.token(request.cookies.get(COOKIE))
        if token is None:
            return RedirectResponse(f"{PREFIX}/signin", status_code=303)
        if post and not self.signer.csrf_ok(token, text(form.get("csrf"))):
            logger.warning("console %s refused: no valid CSRF token", request.url.path)
            return self.refused(403, "这个表单已经失效了，请回到上一页刷新后再试。")
        now = self.clock()
        try:
            with session_scope(self.app.engine) as session:  # short: the session's last use
                staff = signin.current(session, token, now, self.idle)
        except signin.NotStaff as exc:
            path, user = request.url.path, exc.user_id
            logger.warning("console %s refused to user %s: not staff", path, user)
            return self.refused(403, NOT_STAFF)
        if staff is None:
            return RedirectResponse(f"{PREFIX}/signin", status_code=303)
        # a page only reads: on SQLite it must not hold the write turn the residents'
        # messages wait for while it groups thousands of questions
        engine = self.app.engine if post else read_only(self.app.engine)
        try:
            with session_scope(engine) as session:
                visit = Visit(
                    self, request, session, staff, token,
                    {k: text(v) for k, v in form.items()},
                    {k: [text(v) for v in form.getlist(k)] for k in form},
                    now, uploads=_uploads(form),
                )  # fmt: skip
                return handler(visit)
        except Forbidden as exc:
            logger.warning(
                "console %s refused to user %s: not their community (%s)",
                request.url.path, staff.user_id, exc,
            )  # fmt: skip
            return self.refused(403, "这不归您负责的社区管，您没有权限查看或修改。")

    # -- signing in ------------------------------------------------------------------------

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

    # -- the routes -------------------------------------------------------------------------

    def routes(self) -> list[Route | Mount]:
        signed_in = [
            Route(p.path, self.endpoint(p.handler, post=p.method == "POST"), methods=[p.method])
            for p in routes_table()
        ]
        return [
            *signed_in,
            Route("/signin", self.signin_help, methods=["GET"]),
            Route("/login/{token}", self.login_page, methods=["GET"]),
            Route("/login/{token}", self.login, methods=["POST"]),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ]


NOT_STAFF = "您现在不是工作人员，没有后台权限。如有疑问，请联系社区管理员。"
_UPLOAD_LIMIT = 5_000_000  # bytes of one uploaded file (a knowledge file)


def _uploads(form: FormData) -> dict[str, tuple[str, bytes]]:
    """The form's files (read here, in the request's thread), each cut at the limit."""
    return {
        name: (value.filename or "", value.file.read(_UPLOAD_LIMIT + 1))
        for name, value in form.multi_items()
        if isinstance(value, UploadFile)
    }


_NO_STORE = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def console_app(app: App, clock: Callable[[], dt.datetime] = utcnow) -> Starlette:
    """The console as an ASGI app, to mount at /admin."""
    return Starlette(routes=Console(app, clock).routes())
