"""Choosing one's community (社区): offered on following the account, asked for any time
("选社区", "我是苏辙社区的"), and used to put that community's activities first."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from sqlmodel import Session, select

from bot import conversation
from bot.intent import Context
from bot.models import Community, Conversation
from bot.types import Option, Outcome, Reply
from intents.phrases import plain

FLOW = "choose_community"
_ASK = re.compile(
    r"^(我想|我要|帮我)?(选|选择|换|换个|换一个|切换|设置|改|改一下|选一下|设置我的)社区$|^我的社区$|"
    r"^我(是|属于)(哪个|什么)社区(的)?$"
)
_I_LIVE_IN = re.compile(
    r"^(我是|我住|我住在|我在|住在|我家在|(?:帮我)?(?:改成|换成|换到|切换到|设为|设成))"
    r"(.{2,10}?)(社区)?(的|人|居民)?$"
)


class CommunityIntent:
    """Sets the resident's community by number or by name."""

    name = "community"
    flows: tuple[str, ...] = (FLOW,)
    staff_examples: tuple[str, ...] = ()

    def __init__(self, timeout: dt.timedelta):
        self.timeout = timeout

    def handle(self, ctx: Context) -> Outcome | None:
        """ "选社区" starts the choice; "我是苏辙社区的" makes it at once."""
        text = plain(ctx.text)
        if _ASK.match(text):
            return self.offer(ctx, "请选择您住的社区，回复数字就行：")
        said = _I_LIVE_IN.match(text)
        found = named(ctx.session, said.group(2)) if said else None
        return self._set(ctx, found) if found is not None else None

    def offer(self, ctx: Context, opening: str) -> Outcome:
        """Ask which community, as numbered choices (also used by the follow welcome)."""
        communities = _all(ctx)
        if not communities:
            return Outcome(self.name, (Reply("暂时还没有社区资料。"),), confidence=1.0)
        options = tuple(Option(n, c.name, c.id) for n, c in enumerate(communities, 1))
        conversation.start(
            ctx.session, ctx.user_id, FLOW, {"choices": [o.value for o in options]},
            ctx.now + self.timeout,
        )  # fmt: skip
        reply = Reply(opening, options, "不确定的话可以先跳过，直接问我问题。")
        return Outcome(self.name, (reply,), confidence=1.0, suggestions=options)

    def resume(self, ctx: Context, pending: Conversation) -> Outcome | None:
        """A number or a community's name; anything else is a new question."""
        text = plain(ctx.text)
        choices: list[str] = list(pending.data.get("choices", []))
        found = None
        if text.isdigit() and 1 <= int(text) <= len(choices):
            found = ctx.session.get(Community, choices[int(text) - 1])
        elif text:
            found = named(ctx.session, text)
        return self._set(ctx, found) if found is not None else None

    def _set(self, ctx: Context, community: Community) -> Outcome:
        ctx.user.community_id = community.id
        ctx.session.add(ctx.user)
        conversation.finish(ctx.session, ctx.user_id)
        text = f"好的，已记下您是{community.name}的居民 🏠 发“活动”看看社区最近的活动吧。"
        return Outcome(self.name, (Reply(text),), confidence=1.0)


def _all(ctx: Context) -> Sequence[Community]:
    return ctx.session.exec(select(Community).order_by(Community.id)).all()


def named(session: Session, words: str) -> Community | None:
    """The community whose name or alias the words are (or contain): "苏辙", "苏辙社区的"."""
    words = words.removesuffix("社区")
    for community in session.exec(select(Community).order_by(Community.id)).all():
        names = [community.name.removesuffix("社区"), *community.aliases]
        if any(name and (words == name or name in words) for name in names):
            return community
    return None
