"""One way to write a multi-step flow: a name, its step table, how long a reply may take, and
the words that say yes or leave (the shared ones plus a flow's own)."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot import conversation
from bot.intent import Context
from bot.models import Conversation
from bot.types import Outcome
from intents.phrases import plain

YES = ("确认", "确定", "好", "好的", "是", "是的", "可以", "没问题", "要得", "ok", "yes")
# for what reaches many people or cannot be undone: only an explicit word, never "好的"
EXPLICIT_YES = ("确认", "确定")
LEAVE = ("算了", "取消", "退出", "放弃")
_TAIL = "[啊吧了呀哈的嘛]*"  # "好的呀", "算了吧"

Step = Callable[[Context, dict[str, Any], str], Outcome | None]
"""One step: the context, the flow's data so far (a copy: change it freely) and the reply."""


@functools.lru_cache(maxsize=32)
def _words(choices: tuple[str, ...]) -> re.Pattern[str]:
    longest_first = sorted(choices, key=len, reverse=True)
    return re.compile(f"^({'|'.join(map(re.escape, longest_first))}){_TAIL}$")


@dataclass(frozen=True)
class Words:
    """The words that say yes or leave: the shared ones (`yes` may be `EXPLICIT_YES` instead)
    plus a flow's own."""

    yes_also: tuple[str, ...] = ()
    leave_also: tuple[str, ...] = ()
    yes: tuple[str, ...] = YES

    def says_yes(self, text: str) -> bool:
        """Whether a reply means yes ("确认", "好的呀", "OK" and the flow's own words)."""
        return bool(_words(self.yes + self.yes_also).match(plain(text.lower())))

    def says_leave(self, text: str) -> bool:
        """Whether a reply means "stop this" ("算了", "取消" and the flow's own words)."""
        return bool(_words(LEAVE + self.leave_also).match(plain(text.lower())))


@dataclass
class Flow:
    """A named flow. `ask` stores the next step and its data; `resume` leaves on a leave word
    (saying `left`), or runs the current step with the reply. A flow that times out is
    forgotten (the dispatcher never resumes an expired conversation)."""

    name: str
    timeout: dt.timedelta
    steps: Mapping[str, Step] = field(default_factory=dict)
    left: Callable[[], Outcome] | None = None  # what leaving says; None: leave words are replies
    words: Words = Words()

    def says_yes(self, text: str) -> bool:
        """Whether a reply means yes in this flow."""
        return self.words.says_yes(text)

    def says_leave(self, text: str) -> bool:
        """Whether a reply means leave in this flow."""
        return self.words.says_leave(text)

    def ask(self, ctx: Context, data: Mapping[str, Any], step: str | None = None) -> None:
        """Wait for the reply to `step` (kept in the data as "step"), until the timeout."""
        stored = dict(data) if step is None else {**data, "step": step}
        conversation.start(ctx.session, ctx.user_id, self.name, stored, ctx.now + self.timeout)

    def leave(self, ctx: Context) -> None:
        """End the flow."""
        conversation.finish(ctx.session, ctx.user_id)

    def resume(self, ctx: Context, pending: Conversation) -> Outcome | None:
        """Leave, or the current step's answer; None when the flow has no such step."""
        if self.left is not None and self.says_leave(ctx.text):
            self.leave(ctx)
            return self.left()
        data = dict(pending.data)
        step = self.steps.get(str(data.get("step")))
        return step(ctx, data, ctx.text.strip()) if step else None
