"""The sign-up form: party size, name, phone, a summary, then "确认". "算了" leaves any step;
a reply that does not fit the step is asked again (the draft is kept), so a name or a phone
number never falls through to the FAQ or the unanswered log."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from bot.activities import service as activities
from bot.activities.models import Activity, Phase, Seat
from bot.activities.service import ActivityError
from bot.intent import Context
from bot.models import Conversation
from bot.people import names
from bot.people.masking import mask_name, mask_phone
from bot.times import span
from bot.types import Outcome, Reply
from intents.flow import Flow, Words

FLOW = "signup"
_WORDS = Words(yes_also=("对", "对的"), leave_also=("不报了", "不要了", "不了", "不用了"))
# short answers that are never a name or a phone number, however they fit the pattern
_NO = re.compile(r"^(不|不要|不用|不想|不是|不对|没有|没|否|no|nope)[啊吧了呀哈的]*$")
_PHONE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^(0\d{2,3})?[2-9]\d{6,7}$")  # 028 3812 3456, or 3812 3456 in town
_NO_PHONE = re.compile(
    r"^我?(家里)?(没有|没得|没|不会用|不用|用不来)(手机|电话|手机号|电话号码|手机号码)?"
    r"[啊呀的哦嘛呢]*$|^(老人机|只有座机|只有固话)$"
)
_SKIP_PHONE = re.compile(r"^(不留|不留了|不方便留|不想留|不留电话)$")
NO_PHONE_HELP = (
    "没关系 😊 留座机或家里人的手机也可以；都不方便的话回复“不留”，到时在现场报姓名就行。"
)
_DIGITS = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6}
_QUESTION = re.compile(r"[?？]|[吗呢]$|怎么|什么|哪|几点|多少|为啥|咋")
# requests that leave the form for what they ask (the draft is dropped: 算了 said another way)
_ELSEWHERE = re.compile(r"^(找人工|转人工|人工|人工客服|帮助|菜单|活动|我的报名|报名\s*\d{1,6})$")
_AGAIN = {
    "party": "请回复参加的人数，发一个数字就行，比如“1”。",
    "name": "请发报名用的姓名，比如“王小明”。",
    "phone": "请发一个电话号码（手机或座机），方便工作人员联系您；没有电话回复“不留”。",
    "confirm": "报名还没提交：信息没问题请回复“确认”。",
}


class SignupForm:
    """Runs one resident's sign-up, step by step, persisted between messages."""

    def __init__(self, zone: ZoneInfo, timeout: dt.timedelta):
        self.zone = zone
        self.flow = Flow(FLOW, timeout, words=_WORDS)

    def begin(self, ctx: Context, activity: Activity) -> Outcome:
        """Start the form for an activity (checks first that it is open)."""
        if activity.status != Phase.PUBLISHED or ctx.now >= activity.signup_deadline:
            raise ActivityError("这个活动现在不能报名了，发“活动”看看别的吧。")
        mine = activities.registration_of(ctx.session, activity.id or 0, ctx.user_id)
        if mine is not None and mine.status in activities.ACTIVE:
            raise ActivityError("您已经报过这个活动啦，发“我的报名”可以查看。")
        data: dict[str, object] = {"activity": activity.id, "party": 1, "name": None, "phone": None}
        # the first question says which activity: "报名第1个" must not leave them guessing
        lead = f"好的，帮您报名【{activity.title}】。\n"
        return self._ask_next(ctx, activity, data, lead)

    def resume(self, ctx: Context, pending: Conversation) -> Outcome | None:
        """The answer to the current step, or the step asked again; None only for a request
        that leaves the form ("找人工", "报名 5", "我的报名")."""
        text = ctx.text.strip()
        if self.flow.says_leave(text):
            self.flow.leave(ctx)
            return _reply("好的，这次先不报了。需要时再找我 😊")
        data = dict(pending.data)
        activity = ctx.session.get(Activity, data["activity"])
        if activity is None or _ELSEWHERE.match(text.replace(" ", "")):
            return None
        step = str(data.get("step"))
        answer = self._answer(ctx, activity, data, step, text)
        return answer if answer is not None else self._again(ctx, activity, data, step, text)

    def _answer(
        self, ctx: Context, activity: Activity, data: dict[str, object], step: str, text: str
    ) -> Outcome | None:
        if step == "party":
            return self._party(ctx, activity, data, text)
        if step == "name":
            return self._name(ctx, activity, data, text)
        if step == "phone":
            return self._phone(ctx, activity, data, text)
        if step == "confirm" and self.flow.says_yes(text):
            return self._submit(ctx, activity, data)
        return None

    def _again(
        self, ctx: Context, activity: Activity, data: dict[str, object], step: str, text: str
    ) -> Outcome:
        """The step asked again, the draft kept (and its time renewed)."""
        self.flow.ask(ctx, data, step)
        hint = _AGAIN.get(step, _AGAIN["confirm"])
        if _QUESTION.search(text):
            return _reply(
                f"正在帮您报名【{activity.title}】，先把这一步填好吧：{hint}\n"
                "想先问别的，回复“算了”退出报名，问完再来报。"
            )
        return _reply(f"{hint}不报了回复“算了”。")

    def _party(
        self, ctx: Context, activity: Activity, data: dict[str, object], text: str
    ) -> Outcome | None:
        number = _number(text)
        if number is None:
            return None
        most = activities.party_limit(activity)
        if number > activity.capacity:
            return _reply(activities.too_large(activity))
        if not 1 <= number <= most:
            return _reply(f"这个活动每次最多报 {most} 位，请回复 1 到 {most} 的数字。")
        data["party"] = number
        return self._ask_next(ctx, activity, data)

    def _name(
        self, ctx: Context, activity: Activity, data: dict[str, object], text: str
    ) -> Outcome | None:
        if names.NOT_A_NAME.search(text) or _QUESTION.search(text):
            return None
        if _yes_or_no(text):
            return _reply("请直接发报名用的姓名，比如“王小明”；不报了回复“算了”。")
        if names.valid_name(text) is None:
            return _reply("请发报名用的姓名（汉字或字母，12 个字以内），或回复“算了”不报了。")
        data["name"] = text
        return self._ask_next(ctx, activity, data)

    def _phone(
        self, ctx: Context, activity: Activity, data: dict[str, object], text: str
    ) -> Outcome | None:
        digits = re.sub(r"[\s\-－—()（）]", "", text)
        if _SKIP_PHONE.match(digits):
            data["phone"], data["no_phone"] = None, True
            return self._ask_next(ctx, activity, data)
        if _NO_PHONE.match(digits):
            return _reply(NO_PHONE_HELP)
        if _yes_or_no(text):
            return _reply("请发一个电话号码，方便工作人员联系您；不报了回复“算了”。")
        if not digits.isdigit():  # "我女儿的：139 1234 5678" — the number said with words
            said = re.search(r"\d[\d\s\-－—]{5,14}\d", text)
            if said is None:
                return None
            digits = re.sub(r"\D", "", said.group())
        if not (_PHONE.match(digits) or _LANDLINE.match(digits)):
            return _reply(
                "电话号码好像不对：手机是 1 开头的 11 位数字（比如 13812345678），"
                "座机带区号（比如 028-38123456）。请再发一次；没有电话回复“不留”。"
            )
        data["phone"] = digits
        return self._ask_next(ctx, activity, data)

    def _ask_next(
        self, ctx: Context, activity: Activity, data: dict[str, object], lead: str = ""
    ) -> Outcome:
        """The next step's question (after `lead`), or the summary to confirm."""
        most = activities.party_limit(activity)
        if most > 1 and "step" not in data:
            return self._ask(
                ctx, data, "party", f"{lead}一共几位参加？回复数字（最多 {most} 位）。"
            )
        if "name" in activity.collect and not data.get("name"):
            return self._ask(ctx, data, "name", f"{lead}请问报名用什么姓名？")
        if "phone" in activity.collect and not data.get("phone") and not data.get("no_phone"):
            return self._ask(
                ctx, data, "phone",
                f"{lead}请留一个电话，方便工作人员联系您（手机或座机都行；没有电话回复“不留”）。",
            )  # fmt: skip
        lines = [
            "请确认报名信息：",
            f"活动：{activity.title}",
            f"时间：{span(activity.starts_at, activity.ends_at, self.zone)}",
            f"地点：{activity.place}",
            f"人数：{data['party']} 位",
        ]
        if data.get("name"):
            lines.append(f"姓名：{mask_name(str(data['name']))}")
        if data.get("phone"):
            lines.append(f"电话：{mask_phone(str(data['phone']))}")
        elif data.get("no_phone"):
            lines.append("电话：不留（到现场报姓名就行）")
        lines.append("没问题请回复“确认”，不报了回复“算了”。")
        return self._ask(ctx, data, "confirm", "\n".join(lines))

    def _ask(self, ctx: Context, data: dict[str, object], step: str, question: str) -> Outcome:
        self.flow.ask(ctx, data, step)
        return _reply(question)

    def _submit(self, ctx: Context, activity: Activity, data: dict[str, object]) -> Outcome:
        self.flow.leave(ctx)
        registration = activities.sign_up(
            ctx.session, activity.id or 0, ctx.user_id, int(str(data["party"])), ctx.now,
            name=_text(data.get("name")), phone=_text(data.get("phone")),
        )  # fmt: skip
        if registration.status == Seat.CONFIRMED:
            time = span(activity.starts_at, activity.ends_at, self.zone)
            text = (
                f"✅ 报名成功！【{activity.title}】\n时间：{time}\n"
                f"地点：{activity.place}\n开始前会提醒您。来不了的话发“取消报名 {activity.id}”。"
            )
        else:
            place = activities.waitlist_position(ctx.session, registration)
            text = (
                f"名额已满，已帮您排上候补，第 {place} 位。\n"
                "有人取消时会按顺序通知您，收到通知后回复“确认”就能保留名额。"
            )
        return Outcome("signup", (Reply(text),), confidence=1.0)


def _number(text: str) -> int | None:
    found = re.match(r"^\s*(\d{1,2}|[一两二三四五六])\s*(位|个|人|个人)?\s*$", text)
    if found is None:
        return None
    value = found.group(1)
    return _DIGITS.get(value) or int(value)


def _yes_or_no(text: str) -> bool:
    """A bare yes or no ("确认", "好的", "不要"): an answer to a question not asked yet."""
    return _WORDS.says_yes(text) or bool(_NO.match(text.lower()))


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _reply(text: str) -> Outcome:
    return Outcome("signup", (Reply(text),), confidence=1.0)
