"""登录后台: a staff member asks for a one-time link into the web console (valid a few
minutes, once). A resident gets the polite refusal of every staff command."""

from __future__ import annotations

import datetime as dt
import re

from bot.config import ConsoleSettings
from bot.intent import Context
from bot.models import Conversation
from bot.people import audit, signin
from bot.types import Outcome, Reply
from intents.guard import staff_only
from intents.phrases import plain

_ASK = re.compile(r"^(登录|登陆|进入|打开)(后台|管理后台|工作台)(链接)?$")


class SignInIntent:
    """登录后台 (staff and admins only)."""

    name = "signin"
    flows: tuple[str, ...] = ()
    staff_examples: tuple[str, ...] = ("登录后台",)

    def __init__(self, settings: ConsoleSettings):
        self.settings = settings

    def handle(self, ctx: Context) -> Outcome | None:
        """Claim "登录后台" and its variants."""
        if not _ASK.match(plain(ctx.text)):
            return None
        return self._link(ctx)

    @staff_only
    def _link(self, ctx: Context) -> Outcome:
        lifetime = dt.timedelta(minutes=self.settings.link_minutes)
        token = signin.create_link(ctx.session, ctx.user_id, ctx.now, lifetime)
        audit.record(
            ctx.session, ctx.user_id, "chat", "signin_link", f"user:{ctx.user_id}", now=ctx.now
        )
        reply = Reply(signin.link_text(self.settings, token))
        return Outcome(self.name, (reply,), confidence=1.0)

    def resume(self, ctx: Context, conversation: Conversation) -> Outcome | None:
        """No multi-step flow."""
        return None
