"""The staff check, declared on an intent's commands: `@staff_only` on the method that runs
them. Anyone else gets one polite refusal, the attempt is logged, and nothing changes."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from bot.intent import Context
from bot.people import roles
from bot.types import Outcome, Reply

logger = logging.getLogger(__name__)

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

    @functools.wraps(command)
    def guarded(intent: S, ctx: Context, /, *args: P.args, **kwargs: P.kwargs) -> Outcome:
        if not roles.has_role(ctx.session, ctx.user_id, roles.STAFF):
            logger.warning(
                "user %s (not staff) tried a staff command of %s: %s",
                ctx.user_id, intent.name, command.__name__,
            )  # fmt: skip
            return Outcome("staff_refused", (Reply(REFUSAL),), confidence=1.0)
        return command(intent, ctx, *args, **kwargs)

    return guarded
