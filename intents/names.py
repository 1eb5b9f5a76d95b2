"""A person tells Linli what to call them — "我叫王小明", "我的名字是王小明", "叫我王阿姨",
"改名 王小明" — and asks "我叫什么". Staff then read the name (masked) instead of an account
number when they arrange shifts or read alerts."""

from __future__ import annotations

import re

from bot.intent import Context
from bot.models import Conversation
from bot.people import names
from bot.people.masking import mask_name
from bot.types import Outcome, Reply
from intents.phrases import plain

_GIVE = re.compile(
    r"^(?:我叫|我的名字是|我的名字叫|我名字叫|我名字是|叫我|改名|改名为|改名成|名字改成)(.+)$"
)
_ASK = re.compile(
    r"^(?:我叫什么|我叫啥|我的名字|我叫什么名字|我叫啥名字|我的名字是什么|你知道我是谁吗?)$"
)
# "我叫了外卖", "我叫不出名字": a verb, not a name, follows 叫
_NOT_AFTER_JIAO = re.compile(r"^(了|过|不|着|车|人|醒|他|她|它|你|您|一声|一下)")
_POLITE_TAIL = re.compile(r"[啊呀吧哈啦嘛哦呢]+$")


class NamesIntent:
    """Claims "我叫…" and "我叫什么"; anything else is for other intents."""

    name = "names"
    flows: tuple[str, ...] = ()
    staff_examples: tuple[str, ...] = ()

    def handle(self, ctx: Context) -> Outcome | None:
        """Store or tell the sender's name."""
        text = plain(ctx.text).replace(" ", "")
        if _ASK.match(text):
            return _say(_told(ctx))
        given = _GIVE.match(text)
        if given is None or _NOT_AFTER_JIAO.match(given.group(1)):
            return None
        name = names.valid_name(_POLITE_TAIL.sub("", given.group(1)))
        if name is None:
            return None  # "我叫什么名字好" and the like: not a name being given
        names.set_name(ctx.session, ctx.user_id, name)
        return _say(
            f"好的，记住啦：{name} 😊 工作人员安排活动和班次时会看到"
            f"“{mask_name(name)}”。想改的话再发“我叫 新名字”。"
        )

    def resume(self, ctx: Context, conversation: Conversation) -> Outcome | None:
        """No multi-step flow."""
        return None


def _told(ctx: Context) -> str:
    name = names.name_of(ctx.session, ctx.user_id)
    if name:
        return f"您告诉过我，您叫{name} 😊 想改的话发“我叫 新名字”。"
    return "您还没告诉我怎么称呼您呢。发“我叫 王小明”这样一句，我就记住了。"


def _say(text: str) -> Outcome:
    return Outcome("names", (Reply(text),), confidence=1.0)
