"""审计日志: every staff action from console, chat and CLI, filtered by who and what."""

from __future__ import annotations

from starlette.responses import Response

from bot.console.visit import Page, Visit, names
from bot.people import audit


def audit_page(visit: Visit) -> Response:
    actor = visit.param("actor")
    action = visit.param("action")
    rows = audit.entries(
        visit.session,
        actor_id=int(actor) if actor.isdigit() else None,
        action=action or None,
        communities=visit.staff.communities,
        viewer=visit.staff.user_id,
    )
    actors = names(visit.session, {r.actor_id for r in rows if r.actor_id is not None})
    return visit.render(
        "audit.html", rows=rows, actor=actor, action=action,
        actions=audit.actions(visit.session), names=actors,
    )  # fmt: skip


ROUTES = [Page("GET", "/audit", audit_page)]
