""" "通知": the notices Linli could not push to the resident, shown when they ask."""

from __future__ import annotations

import re

from bot.intent import Context
from bot.models import Conversation
from bot.outbox import notices
from bot.types import Outcome, Reply
from intents.phrases import plain

_ASK = re.compile(
    r"^(通知|我的通知|未读通知|看通知|查看通知|消息通知|"
    r"(有没有|有没得|有啥|看看|看下|查一下|查看)(我的|新的?|未读的?)?通知(没有|吗|没)?|"
    r"(我的|新的?|未读的?)?通知(在哪|在哪里|在哪儿|去哪|到哪)(看|查|找)?)$"
)


class NoticesIntent:
    """Shows unread notices and marks them read."""

    name = "notices"
    flows: tuple[str, ...] = ()
    staff_examples: tuple[str, ...] = ()

    def handle(self, ctx: Context) -> Outcome | None:
        """Answer "通知"."""
        if not _ASK.match(plain(ctx.text)):
            return None
        texts = notices.read_all(ctx.session, ctx.user_id, ctx.now)
        if not texts:
            return Outcome(self.name, (Reply("没有未读通知 😊"),), confidence=1.0)
        return Outcome(self.name, tuple(Reply(t) for t in texts[-5:]), confidence=1.0)

    def resume(self, ctx: Context, conversation: Conversation) -> Outcome | None:
        """No multi-step flow."""
        return None
