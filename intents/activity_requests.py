"""What a resident asks of activities in their own words: "报名第1个", "我想参加周六那个
云朵灯", "那个活动我去不成了，帮我退掉嘛", "我报名成功没得", "活动开始前能不能通知我一声". Read
from the plain text (simplified, dialect rewritten); the intent decides what to do with it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.activities.models import Activity

Kind = Literal["signup", "cancel", "mine", "reminder", "checkin", "how"]

_FILLERS = re.compile(r"(那个|这个|就是说|就是|然后|嗯+|呃+|额+|哦+|啊+)")
_LEAD = re.compile(r"^(好的|好|要得|行|可以|那|那么|对|嗯)+")
_PARTICLES = re.compile(r"[嘛吧呀啊哦呢哈撒噻咯嘞]+$")  # not 了: "去不了了" keeps its 了
_ORDINAL = re.compile(r"第([0-9]{1,2}|[一二两三四五六七八九十]{1,3})(个|项|条|号)?")
_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
           "九": 9, "十": 10}  # fmt: skip
_MINE = re.compile(
    r"我的报名|报名记录|报名情况|报名信息|我报(了|的)(哪些|什么|啥|几个)|报了哪些|"
    r"我(有没有|报没报|是不是)报(上|了)?|报上(了)?(没有|吗|没)|(报名|报)成功(了)?(没有|吗|没)|"
    r"^wo(de)?baoming|我报了(什么|啥)|我参加了哪些|查(一下|询)?(我的)?报名|我报过|我参加的活动|"
    r"我报名的|我的活动|报的名|名还在|我有(没有)?报(名|上)|报名了(哪些|什么|啥|几个)"
)
_CANCEL = re.compile(
    r"取消|退掉|退了(?!休)|退报名|把名退|退名|撤销|不去|去不了|去不成|来不了|参加不了|不想去|"
    r"不能参加|参加不成|不想参加|不参加|退出|能退|可以退|退不|退得|退吗|划掉"
)
_SHORT_CANCEL = 8  # "不去了", "我去不成了": a sign-up is what is meant; "退出" alone is not
_ABOUT_SIGNUP = re.compile(r"报名|报的|活动|报了|的名|名字")
_SIGNUP = re.compile(
    r"(我|帮我|给我|替我|俺)?(也)?(要|想)?(报名|报个名|报一个名|报上|报|参加|预约)|算我一个"
)
_HOW = re.compile(r"(怎么|如何|咋)(报名|参加|报)|(报名|参加)(怎么|咋)")
_HOW_COME = re.compile(r"怎么|咋|如何|为什么|为啥")
_ASKING = re.compile(
    r"(哪|什么|多少|几点|几号|谁|为什么|是不是|截止|条件|要求|吗$|费用|收费|名单|电话|导出|所有|数据|"
    r"有没有|有没得|有啥|适合)"
)
# the resident asks to be reminded ("社区会提醒老人体检吗" asks about something else)
_REMIND = re.compile(
    r"提醒我|提醒一下|设置提醒|设提醒|通知我|叫我一声|告诉我一声|到时候?叫我|提前.{0,4}(提醒|通知|告诉)|"
    r"(喊|叫)我(一声|一下)|前.{0,6}(喊|叫)我|到时候?(喊|叫)我|记得(跟|和|给)?我说|记得告诉我|"
    r"跟我说一声|(发|给我发)(个|一个|条)?提醒|"
    r"提醒.{0,3}(关|不要|不需要|别发|取消)|关.{0,2}提醒|活动提醒|提醒功能|提醒(怎么|咋)|开始前.{0,6}(发|说|告诉|通知|叫|喊)"
)
# a reminder at an offset of the resident's own ("活动前一个小时", "提前一天")
_OWN_OFFSET = re.compile(r"(前|提前)(\d{1,2}|[一两二三四五六半])(个)?(小时|钟头|天|分钟)")
_REMINDERS_OFF = re.compile(r"提醒.{0,3}(关|不要|不需要|别发|取消)|关.{0,2}提醒")
_OWN_TIME = re.compile(r"(\d{1,2}|[一二两三四五六七八九十]{1,3})点|早上|晚上|中午|下午|明天|后天")
_CHECKIN = re.compile(r"签到|签个到")  # bare "签到" is small talk's: it asks for the code
_GENERIC = re.compile(
    r"活动|社区|参加|报名|我们|一下|我想|我要|我|和|的|怎么|如何|了|能|吗|下次|这次"
)
_TITLE_MARKS = re.compile(r"[\W_]+")
# someone else's sign-ups are not the sender's to see or change ("隔壁邻居报了哪些活动")
_OTHERS = re.compile(
    r"邻居|别人|他人|其他人|其他居民|所有人|全部人|每个人|大家的|他们|她们|他的|她的"
)
_REQUEST_MAX = 30  # a longer message is a question that mentions these words


@dataclass(frozen=True)
class Request:
    """A request about activities: its kind, a list position ("第2个") and the words left
    that may name an activity ("义诊", "云朵灯")."""

    kind: Kind
    ordinal: int | None = None
    words: str = ""
    own_time: bool = False  # a reminder at a time of the resident's own ("明天早上八点")
    off: bool = False  # the resident wants no reminders ("把活动提醒关了")


def read(text: str) -> Request | None:
    """The request in a plain text, or None when it asks none of these."""
    text = _PARTICLES.sub("", _LEAD.sub("", _FILLERS.sub("", text)))
    if not text or len(text) > _REQUEST_MAX:
        return None
    if _OTHERS.search(text) and (_MINE.search(text) or _CANCEL.search(text)):
        return None
    if _CANCEL.search(text) and (_ABOUT_SIGNUP.search(text) or _short_cancel(text)):
        return Request("cancel", words=_rest(_CANCEL.sub("", text)))
    if _MINE.search(text):
        return Request("mine")
    if _REMIND.search(text):
        own = bool(_OWN_TIME.search(text)) and "活动" not in text
        own = own or bool(_OWN_OFFSET.search(text))
        return Request("reminder", own_time=own, off=bool(_REMINDERS_OFF.search(text)))
    if _CHECKIN.search(text) and text != "签到" and not re.search(r"\d", text):
        return Request("checkin")
    if _HOW.search(text):
        rest = _rest(_HOW.sub("", text))
        return Request("signup", words=rest) if rest else Request("how")
    if _SIGNUP.search(text) and not _ASKING.search(text):
        ordinal = _ORDINAL.search(text)
        words = _rest(_ORDINAL.sub("", _SIGNUP.sub("", text)))
        return Request("signup", _number(ordinal.group(1)) if ordinal else None, words)
    return None


def _short_cancel(text: str) -> bool:
    """ "我去不成了" alone means the sign-up; "残疾人去不了怎么办" asks something else."""
    short = len(text) <= _SHORT_CANCEL and not text.startswith("退出")
    return short and not _ASKING.search(text) and not _HOW_COME.search(text)


def _rest(text: str) -> str:
    """The words that may name an activity, once the generic ones are gone."""
    return _GENERIC.sub("", _TITLE_MARKS.sub("", text))


def _number(said: str) -> int:
    if said.isdigit():
        return int(said)
    if said.startswith("十"):
        return 10 + _DIGITS.get(said[1:], 0)
    tens, _, ones = said.partition("十")
    return _DIGITS[tens] * 10 + _DIGITS.get(ones, 0) if "十" in said else _DIGITS[said]


def titled(words: str, found: Sequence[Activity]) -> list[Activity]:
    """The activities whose title shares the longest run of characters (two or more) with
    the words ("老伴报义诊剪" → 义诊剪：量血压测血糖+免费理发)."""
    best, chosen = 1, []
    for activity in found:
        shared = _longest_shared(words, _TITLE_MARKS.sub("", activity.title))
        if shared > best:
            best, chosen = shared, [activity]
        elif shared == best and shared > 1:
            chosen.append(activity)
    return chosen


def _longest_shared(a: str, b: str) -> int:
    longest = 0
    for start in range(len(a)):
        for end in range(start + longest + 1, len(a) + 1):
            if a[start:end] not in b:
                break
            longest = end - start
    return longest
