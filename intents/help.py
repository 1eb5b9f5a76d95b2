"""Greetings and "what can you do": what Linli can help with, with examples to copy."""

from __future__ import annotations

import re

from bot.intent import Context
from bot.models import Conversation
from bot.types import Outcome, Reply
from knowledge.normalize import normalize

HELP_TEXT = (
    "您好！我是“邻里”社区小助手 🏠\n"
    "您可以直接打字问我，比如：\n"
    "· 办事：“低保怎么申请”“居住证要带啥”“高龄津贴”\n"
    "· 吃饭：“助老餐厅在哪”\n"
    "· 地名文化：“东坡大道名字怎么来的”“纱縠行是啥地方”\n"
    "· 社区：“五社联动是什么”“苏辙社区有啥特色”\n"
    "想找工作人员，发“找人工”就行。"
)
NOTHING_TO_READ = "我没看到文字哦 😊 有什么想问的，直接打字告诉我就行，比如“低保怎么申请”。"

_GREETING = r"(你好|您好|你们好|大家好|哈喽|hello|hi|嗨|在吗|在不在|有人吗|早上好|中午好|下午好|晚上好|早|喂)"
_HELP = (
    r"(帮助|help|菜单|功能|说明|使用说明|怎么用|咋用|如何使用|你是谁|你是什么|你叫什么|"
    r"你能做什么|你会什么|你能干什么|你可以做什么|能问什么|可以问什么|我能问什么|我可以问什么|"
    r"你有什么用|有哪些功能|你能帮我什么|开始|start|谢谢|多谢|感谢|好的|知道了|嗯|哦|ok)"
)
_ONLY_GREETING_OR_HELP = re.compile(rf"^({_GREETING}|{_HELP})+$")


class HelpIntent:
    """Claims greetings, thanks, "help" and messages with no words at all."""

    name = "help"
    flows: tuple[str, ...] = ()

    def handle(self, ctx: Context) -> Outcome | None:
        """Answer a greeting or a request for help; leave real questions to others."""
        plain = normalize(ctx.text, fillers=True).replace(" ", "")
        if not plain:
            return Outcome(self.name, (Reply(NOTHING_TO_READ),), confidence=1.0)
        if _ONLY_GREETING_OR_HELP.match(plain):
            return Outcome(self.name, (Reply(HELP_TEXT),), confidence=1.0)
        return None

    def resume(self, ctx: Context, conversation: Conversation) -> Outcome | None:
        """Help has no multi-step flow."""
        return None
