"""What every console page shares: the `Visit` (one request inside its transaction), the
`Page` a route table lists, the refusal a page raises, and small helpers of the pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.models import Community, User
from bot.outbox.notifier import Notifier
from bot.people import audit, signin
from bot.people.masking import mask_name

if TYPE_CHECKING:
    from bot.console.web import Console

PREFIX = "/admin"
Row = TypeVar("Row")


class Forbidden(Exception):
    """Not this staff member's to see or change (403, nothing changed)."""


@dataclass
class Visit:
    """One request inside its transaction: who, the form, and the page's helpers."""

    console: Console
    request: Request
    session: Session
    staff: signin.Staff
    token: str
    form: dict[str, str]
    lists: dict[str, list[str]]
    now: dt.datetime
    notice: str = ""
    uploads: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # name: (file, data)

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

    def render(self, name: str, status: int = 200, **values: Any) -> Response:
        """A page of this visit (navigation, CSRF token)."""
        return self.console.render(name, self, status=status, **values)

    @property
    def today(self) -> dt.date:
        """The district's date now."""
        return self.now.astimezone(self.console.app.settings.zone).date()

    @property
    def notifier(self) -> Notifier:
        """Queues the notices an action sends (sent once it commits), as the CLI's do."""
        return Notifier(self.console.app.settings.zone, self.console.clock)

    @property
    def zone(self) -> ZoneInfo:
        """The district's timezone: times are read and shown in it."""
        return self.console.app.settings.zone

    def param(self, name: str, limit: int = 100) -> str:
        """A query parameter, trimmed."""
        return self.request.query_params.get(name, "").strip()[:limit]


Handler = Callable[[Visit], Response]


@dataclass(frozen=True)
class Page:
    """One route of the console: a GET shows, a POST acts (its CSRF token checked first)."""

    method: str
    path: str
    handler: Handler


def text(value: Any) -> str:
    """A form value as text (an uploaded file is not)."""
    return value if isinstance(value, str) else ""


def back(page: str, notice: str) -> Response:
    """To `page` of the console, saying `notice`."""
    return RedirectResponse(f"{PREFIX}/{page}?notice={quote(notice)}", status_code=303)


def communities(visit: Visit) -> list[Community]:
    """The communities this staff member serves (all, for district staff)."""
    rows = visit.session.exec(select(Community).order_by(col(Community.id))).all()
    return [c for c in rows if visit.staff.may_see(c.id)]


def row_id(visit: Visit, name: str = "id") -> int:
    """A path's row id (a number; anything else is nobody's row)."""
    value = str(visit.request.path_params.get(name, ""))
    if not value.isdigit():
        raise Forbidden(f"no such row {value[:20]}")
    return int(value)


def row_of(visit: Visit, model: type[Row], community: Callable[[Row], str | None]) -> Row:
    """The row the path's {id} names, when it is this staff member's (else Forbidden)."""
    found = visit.session.get(model, row_id(visit))
    if found is None:
        raise Forbidden(f"no such {model.__name__}")
    visit.mine(community(found))
    return found


def download(data: bytes, filename: str, kind: str) -> Response:
    """A file for the staff member's browser to save."""
    return Response(
        data, media_type=kind, headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
            "Cache-Control": "no-store",
        },
    )  # fmt: skip


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def names(session: Session, ids: set[int]) -> dict[int, str]:
    """Masked display names of users, for the staff who acted."""
    users = session.exec(select(User).where(col(User.id).in_(sorted(ids)))).all() if ids else []
    return {
        u.id: (mask_name(u.display_name) if u.display_name else f"用户 {u.id}")
        for u in users
        if u.id is not None
    }
