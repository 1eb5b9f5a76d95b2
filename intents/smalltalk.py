"""Short social messages — thanks, "好的", goodbyes, "辛苦了" — answered in a line, and a bare
yes, no or number outside any flow, or a command word alone, met with a short "您是想…？"
instead of a confident answer from the knowledge base. None of them is a question for staff."""

from __future__ import annotations

import re

from bot.intent import Context
from bot.models import Conversation
from bot.types import Outcome, Reply
from intents.flow import Words
from intents.phrases import APPROVING, plain

_TAIL = "[啊呀呢吧嘛哦喔哈啦了咯嘞哇噻撒～~]*"
# (words, reply), most telling first: "好的谢谢" is thanks, "好的再见" a goodbye
_SOCIAL: tuple[tuple[str, str], ...] = (
    (
        "新年快乐|新春快乐|春节快乐|过年好|元旦快乐|节日快乐|中秋快乐|国庆快乐|端午快乐|"
        "中秋节快乐|国庆节快乐|端午节快乐|圣诞快乐|生日快乐|恭喜发财|万事如意|周末愉快|祝你开心|"
        "祝您开心|身体健康|祝你好|祝您好",
        "谢谢您！也祝您节日快乐、身体健康 🎉",
    ),
    ("晚安|睡了|睡觉了|去睡了|好梦", "晚安，早点休息，祝您好梦 🌙"),
    (
        "你叫啥名字|你叫什么名字|你叫啥|你叫什么|叫啥名字|叫什么名字|你是谁|你是哪个|你是哪位|"
        "你是机器人吗|你是真人吗|你是人吗|你几岁|你多大|你多大了|你有名字吗",
        "我是“邻里”社区小助手 🏠 社区办事、活动、地名文化这些，都可以问我。",
    ),
    (
        "吃了没|吃了吗|吃了没有|吃饭了吗|吃饭没|吃饭了没|你吃了吗|你吃饭了吗|吃过了吗|吃过没|"
        "吃了饭没|吃饭了没有",
        "谢谢关心 😊 我是小助手，不用吃饭，您可要按时吃饭哦！有事随时问我。",
    ),
    (
        "你在干嘛|你在干什么|你在做什么|你在干啥|在干嘛|在干啥|忙啥呢|你在忙啥|在忙啥|你在忙什么|在忙什么|忙什么|你忙不忙|你在忙吗",
        "我一直在这儿，等着帮您呢 😊 社区办事、活动这些，有事随时问我。",
    ),
    (
        "再见|拜拜|拜|白白|88|886|回头见|下次见|下次再聊|再聊|回聊|改天聊|先这样|不聊了|走了|我走了|"
        "再会|回见|下回聊|回头聊|先走了",
        "再见，祝您天天开心！有事随时来找我 👋",
    ),
    (
        "辛苦了|辛苦|辛苦你了|辛苦您了|辛苦你们了|你们辛苦了|大家辛苦了",
        "您也辛苦了！能帮上忙就好 😊",
    ),
    (
        "谢谢|谢谢你|谢谢您|多谢|感谢|谢了|谢啦|麻烦了|麻烦你了|真棒|太好了|厉害|点赞|赞|"
        "你们社区服务真好|服务真好|服务很好|真好|很好|真不错|不错|真贴心|很贴心|太感谢了|非常感谢|"
        "万分感谢|十分感谢|劳慰|谢谢侬|不好意思打扰了|打扰了|麻烦你们了|麻烦您了|你真棒|好棒|"
        "你好棒|真聪明|好厉害|真方便|好用|巴适|安逸|给力|点个赞|给你点个赞|你们真好|太棒了|"
        "可爱|好可爱|真可爱|你好可爱|你真可爱|你太可爱了|有意思|真有意思|你真聪明|你好聪明|你真棒|"
        "你真好|你好厉害|你真厉害",
        "不客气 😊 还有什么想问的，随时发给我。",
    ),
    (
        "好的|好|嗯|嗯嗯|哦|噢|喔|ok|okay|知道了|晓得了|明白了|收到|了解|懂了|行|要得|中|好嘞|"
        "好滴|好哒|没事了|没事|没得事|没问题|好的呢|好哇|好吧|那好吧|行吧|可以可以|行行行|明白|"
        "了解了|知道啦|对头|嗯呐|哦哦|噢噢|原来是这样|原来如此|这样啊|没得问题|莫得事|不用了|"
        "不需要了|没有了|没了|没别的了|就这些|哈哈|哈哈哈|呵呵|嘿嘿",
        "好的 😊 还有什么需要，随时发给我。",
    ),
)
# who is thanked: "谢谢小邻", "辛苦你了同志" (never social on its own: see _reply)
_ADDRESSED = "小邻|小助手|邻里|同志|老师|师傅"
_WORDS = "|".join(
    sorted({w for words, _ in _SOCIAL for w in f"{words}|{_ADDRESSED}".split("|")}, key=len)[::-1]
)
_ONLY_SOCIAL = re.compile(rf"^(({_WORDS}){_TAIL})+$")
_YES = Words(yes_also=("对", "对的", "没错", "要", "嗯是的", "y"))  # the flows' yes words
_NO = re.compile(rf"^(不|不对|不是|不是的|错了|说错了|不要|不用|没有|不是这个|no|n){_TAIL}$")
_NUMBER = re.compile(r"^第?(\d{1,6})(个|号|条)?$")
_CHINESE_NUMBER = re.compile(r"^第?[一二三四五六七八九十]{1,3}(个|号|条)?$")
_CHECKIN = re.compile(rf"^(签到|我要签到|我来签到|怎么签到|如何签到|签到码|签到码是什么){_TAIL}$")

NOT_SURE = "不好意思，可能我没理解对 🙏 您是想问什么呢？换个说法告诉我，或发“找人工”。"
NO_QUESTION = "您是想确认什么呢？现在没有在等您回复的事 😊 有问题直接打字问我就行。"
CHECKIN_HOW = (
    "您是想签到吗？请发“签到”加活动现场公布的签到码，比如“签到123456”。\n"
    "签到码由工作人员在活动现场公布。"
)


class SmalltalkIntent:
    """Claims thanks, goodbyes and the like, and a bare yes / no / number / 签到."""

    name = "smalltalk"
    flows: tuple[str, ...] = ()
    staff_examples: tuple[str, ...] = ()

    def handle(self, ctx: Context) -> Outcome | None:
        """A one-line social reply or nudge; None for anything else."""
        text = plain(ctx.text).lower()
        if not text and APPROVING.match(ctx.text):
            text = "好的"
        reply = _reply(text) if text else None
        return Outcome(self.name, (Reply(reply),), confidence=1.0) if reply else None

    def resume(self, ctx: Context, conversation: Conversation) -> Outcome | None:
        """Small talk has no multi-step flow."""
        return None


def _reply(text: str) -> str | None:
    if _ONLY_SOCIAL.match(text):
        found = next((reply for words, reply in _SOCIAL if re.search(words, text)), None)
        if found is not None:
            return found
    if _YES.says_yes(text):
        return NO_QUESTION
    if _NO.match(text):
        return NOT_SURE
    number = _NUMBER.match(text)
    if number:
        n = number.group(1)
        return f"您发的是“{n}”。您是想看编号 {n} 的活动吗？请发“活动{n}”；有问题直接打字问我就行。"
    if _CHINESE_NUMBER.match(text):
        return NOT_SURE
    if _CHECKIN.match(text):
        return CHECKIN_HOW
    return None
