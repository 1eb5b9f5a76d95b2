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
    r"^(我是|我住|我住在|我在|住在|我家在|我现在住在?|我现在在|现在住在?|"
    r"(?:帮我)?(?:改成|换成|换到|切换到|设为|设成)|(?:选|选择|换|切换|设置|改)社区)"
    r"(.{2,10}?)(社区)?(的|人|居民)?了?$"
)


# choosing in a sentence: "怎么修改我所在的社区", "选择我的社区" (not "社区换届", "选社区干部")
_CHOOSE = re.compile(
    r"(选|选择|换|换个|换一个|切换|设置|改|修改|更改|变更|绑定|重新选|重选)(一下)?"
    r"(我的|我所在的?|我住的|所在的?|所属的?|我家的?)?社区"
    r"(?!干部|书记|主任|工作|服务|活动|医院|食堂|餐厅|卫生|选举|换届)|社区(选|填|设|绑)错"
)
_CHOOSE_MAX = 16
# a community named with what to do with it: "我搬家了，把社区换成文忠街社区", "我是上游社区的
# 居民，帮我绑定"
_SET_TO = re.compile(
    r"(换成|改成|改为|换到|切换到|设为|设成|搬到|搬去|搬来|绑定)(.{2,10}?)(社区|$)"
)
_MEMBER_BIND = re.compile(
    r"(我是|我住|我住在|我在|我家在|我家里在|住在)(.{2,10}?)社区的?(居民|人)?"
    r"(你|帮我|给我|请|麻烦|麻烦你)?(绑定|绑上|绑|设置|登记|选上|记|记下|记住|记上)(一下)?$"
)
_SET_MAX = 30
_ASKING = re.compile(r"吗|么|哪|什么|啥|几|活动|是不是")  # "活动换到上游社区了吗" asks


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
        said = _I_LIVE_IN.match(text) or _said_with_a_name(text)
        found = named(ctx.session, said.group(2)) if said else None
        if found is not None:
            return self._set(ctx, found)
        if _ASK.match(text) or (len(text) <= _CHOOSE_MAX and _CHOOSE.search(text)):
            return self.offer(ctx, "请选择您住的社区，回复数字就行：")
        return None

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


def _said_with_a_name(text: str) -> re.Match[str] | None:
    """ "把社区换成文忠街社区", "我是上游社区的居民帮我绑定": the name is group 2."""
    if len(text) > _SET_MAX or _ASKING.search(text):
        return None
    return _MEMBER_BIND.search(text) or _SET_TO.search(text)


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
