"""Greetings and "what can you do": what Linli can help with, with examples to copy. Thanks
and "好的" are not greetings: intents/smalltalk.py answers those in one line."""

from __future__ import annotations

import re

from bot.intent import Context
from bot.models import Conversation
from bot.people import roles
from bot.types import Outcome, Reply
from intents.phrases import APPROVING, plain

HELP_TEXT = (
    "您好！我是“邻里”社区小助手 🏠\n"
    "您可以直接打字问我，比如：\n"
    "· 办事：“低保怎么申请”“居住证要带啥”“高龄津贴”\n"
    "· 吃饭：“助老餐厅在哪”\n"
    "· 地名文化：“东坡大道名字怎么来的”“纱縠行是啥地方”\n"
    "· 社区：“五社联动是什么”“苏辙社区有啥特色”\n"
    "· 活动：发“活动”看最近的活动，“报名 编号”报名，“我的报名”查看\n"
    "· 公告：发“通知设置”选想收的类别，“退订”就不再收公告\n"
    "· 生活小事：路灯不亮、垃圾没人收，发“报修”告诉社区，“我的反映”看进度\n"
    "想找工作人员，发“找人工”就行。"
)
VOLUNTEER_HELP = (
    "志愿者：发“班次”看可以接的班，“接班 编号”接班，“我的班次”查看，“找人替班 编号”请人替；"
    "“工单”看社区待办的工单，“接单 编号”接单，“办结 编号 说明”办结。"
)
STAFF_HELP = (
    "工作人员：“发公告”“公告列表”“公告进度 编号”“取消公告 编号”；"
    "“邀请志愿者”“邀请工作人员”；“活动名单/签到码/活动统计/取消活动 编号”；"
    "“班次名单 编号”“分配班次 编号 用户编号”“批准工时 编号”“待批工时”；"
    "“工单”“接单/办结 编号”“不受理 编号 原因”；“登录后台”进网页后台。"
)
NOTHING_TO_READ = "我没看到文字哦 😊 有什么想问的，直接打字告诉我就行，比如“低保怎么申请”。"

_PARTICLE = "[啊呀呢吧嘛哦喔哈啦噻撒咯嘞哇吗么]*"
_GREETING = (
    r"(你好|您好|你们好|大家好|哈喽|嗨|在吗|在不在|有人吗|有人在吗|早上好|中午好|下午好|晚上好|早安|午安|"
    r"早|喂|邻里|小助手|hello|hi|hey|nihao|ninhao)"
)
_ONLY_GREETING = re.compile(rf"^({_GREETING}{_PARTICLE})+$")
_HELP = re.compile(
    r"(帮助|help|bangzhu|菜单|功能|说明|教程|使用方法|怎么用|如何使用|怎么使用|不会用|教教我|"
    r"你是谁|你是什么|你是哪个|你叫什么|你是干什么|你有什么用|你们?(都|还|到底)?(能|会|可以)|"
    r"(能|可以)问(你)?(些|哪些|什么)|能问哪些|问些什么|这个是干什么|这是干什么|这个机器人|"
    r"机器人会|能帮我做什么|可以做什么|能做什么|能干什么|会干什么|会做什么|(有|会)(什么|些)?(本事|本领))"
)
# Once the help words and the words for "you / this assistant" are taken out, a request for
# help has nothing left; "医保卡怎么用" keeps 医保卡, "老年人可以做什么体检" keeps 老年人体检.
_ABOUT_WORDS = (
    "你们 你 您 这个 这 小助手 助手 邻里 小邻 机器人 公众号 帮助 help bangzhu 菜单 功能 说明 "
    "介绍 教程 使用 方法 怎么 如何 不会 教教 请问 我想 想 知道 问问 一下 到底 都 还 些 啥 什么 "
    "哪些 哪个 是 谁 叫 干 做 用 能 会 可以 帮 我 有 问题 问 回答 答 新来的 刚来 晓得 不 咋 的 "
    "嘛 呢 吗 啊 呀 哦 吧 了 妳 本事 本领 " + _GREETING[1:-1].replace("|", " ")
)
_ABOUT_ME = re.compile("|".join(sorted(set(re.findall(r"\S+", _ABOUT_WORDS)), key=len)[::-1]))
_HELP_MAX = 16  # longer messages that mention 功能 etc. are real questions


def asks_for_help(text: str) -> bool:
    """Whether a plain text asks what the assistant is or can do, and nothing else."""
    if len(text) > _HELP_MAX or not _HELP.search(text):
        return False
    return not _ABOUT_ME.sub("", text)


class HelpIntent:
    """Claims greetings, "help" and messages with no words at all."""

    name = "help"
    flows: tuple[str, ...] = ()
    staff_examples: tuple[str, ...] = ()

    def handle(self, ctx: Context) -> Outcome | None:
        """Answer a greeting or a request for help; leave real questions to others."""
        text = plain(ctx.text)
        if not text:
            if APPROVING.match(ctx.text):  # small talk answers a thumbs-up
                return None
            return Outcome(self.name, (Reply(NOTHING_TO_READ),), confidence=1.0)
        if _ONLY_GREETING.match(text) or asks_for_help(text):
            return Outcome(self.name, (Reply(self._text(ctx)),), confidence=1.0)
        return None

    def _text(self, ctx: Context) -> str:
        """The help, with the commands of the roles the user holds."""
        extra = []
        if roles.has_role(ctx.session, ctx.user_id, ("volunteer", *roles.STAFF)):
            extra.append(VOLUNTEER_HELP)
        if roles.has_role(ctx.session, ctx.user_id, roles.STAFF):
            extra.append(STAFF_HELP)
        return "\n\n".join([HELP_TEXT, *extra])

    def resume(self, ctx: Context, conversation: Conversation) -> Outcome | None:
        """Help has no multi-step flow."""
        return None
