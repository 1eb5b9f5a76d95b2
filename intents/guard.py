"""The staff check, declared on an intent's commands: `@staff_only` on the method that runs
them (`@helpers_only` also lets volunteers in: work orders). Anyone else gets one polite
refusal, the attempt is logged, and nothing changes. Every staff command (and every refused
attempt) is a row in the audit log."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from bot.intent import Context
from bot.logs import mask_mobiles
from bot.people import audit, roles
from bot.types import Outcome, Reply

logger = logging.getLogger(__name__)

_VERB = re.compile(r"[\u4e00-\u9fa5]{1,12}")
REFUSAL = "这个功能只有社区工作人员可以用哦。有需要请发“找人工”联系工作人员。"


class _Named(Protocol):
    name: str


S = TypeVar("S", bound=_Named)
P = ParamSpec("P")


def staff_only(
    command: Callable[Concatenate[S, Context, P], Outcome],
) -> Callable[Concatenate[S, Context, P], Outcome]:
    """Run `command` only for staff and admins (of any community: the command itself checks
    that the row it acts on is theirs)."""
    return _only(roles.STAFF, "staff", command)


def helpers_only(
    command: Callable[Concatenate[S, Context, P], Outcome],
) -> Callable[Concatenate[S, Context, P], Outcome]:
    """Run `command` only for staff, admins and volunteers (of any community: the command
    itself checks that the row it acts on is of one of theirs)."""
    return _only(("volunteer", *roles.STAFF), "staff or volunteer", command)


def _only(
    allowed: tuple[str, ...], who: str, command: Callable[Concatenate[S, Context, P], Outcome]
) -> Callable[Concatenate[S, Context, P], Outcome]:
    @functools.wraps(command)
    def guarded(intent: S, ctx: Context, /, *args: P.args, **kwargs: P.kwargs) -> Outcome:
        if not roles.has_role(ctx.session, ctx.user_id, allowed):
            logger.warning(
                "user %s (not %s) tried a staff command of %s: %s",
                ctx.user_id, who, intent.name, command.__name__,
            )  # fmt: skip
            _audit(ctx, f"{intent.name}:{_verb(ctx)}:refused")
            return Outcome("staff_refused", (Reply(REFUSAL),), confidence=1.0)
        outcome = command(intent, ctx, *args, **kwargs)
        _audit(ctx, f"{intent.name}:{_verb(ctx)}", after=_result(outcome))
        return outcome

    return guarded


def _verb(ctx: Context) -> str:
    """The command word a staff message starts with ("取消活动 5" -> 取消活动)."""
    found = _VERB.match(ctx.text)
    return found.group() if found else "?"


def _result(outcome: Outcome) -> dict[str, Any]:
    """What a command did, as the audit log keeps it: its outcome and the start of the reply
    staff read (names there are masked already; mobile numbers are masked here)."""
    said = outcome.replies[0].as_text() if outcome.replies else ""
    return {"outcome": outcome.intent, "reply": mask_mobiles(said)[:300]}


def audited(ctx: Context, action: str, target: str, after: dict[str, Any] | None = None) -> None:
    """Record a staff action taken in chat outside a guarded command: the last step of a
    flow that a guarded command began ("确认" sends the announcement)."""
    _audit(ctx, action, target, after)


def _audit(
    ctx: Context, action: str, target: str | None = None, after: dict[str, Any] | None = None
) -> None:
    """The audit log's row of a staff command in chat: who, which command, on what (by
    default the message as typed, mobile numbers masked), in the message's own transaction."""
    audit.record(
        ctx.session, ctx.user_id, "chat", action[:40],
        mask_mobiles(ctx.text) if target is None else target, now=ctx.now,
        community=ctx.user.community_id, after={"channel": ctx.incoming.channel, **(after or {})},
    )  # fmt: skip
