"""Activity requests in a resident's own words, carried out: sign up by list position, title
words or day; cancel by title; my sign-ups; how reminders work; how to check in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.activities import service as activities
from bot.activities.models import Activity
from bot.config import ActivitySettings
from bot.intent import Context
from bot.types import Outcome, Reply
from intents.activity_dates import asked_days
from intents.activity_requests import Request, titled

if TYPE_CHECKING:
    from intents.activities import ActivitiesIntent

WHICH = "想报哪个活动？回复“报名 编号”，比如“报名 3”；发“活动”可以看编号。"
HOW = "发“活动”看看最近有哪些活动，再回复“报名 编号”就行，比如“报名 3”。"
NO_SUCH = "最近的活动没有第 {n} 个哦，发“活动”看看列表吧。"
CHECKIN = (
    "签到请发“签到”加活动现场公布的签到码，比如“签到123456”；"
    "志愿者班次请发“班次签到”加签到码。签到码由工作人员在现场公布。"
)
OWN_TIME = "自己定时间的提醒我还做不到 🙏 "
REMINDERS = (
    "报了名的活动，开始前{offsets}我会自动发消息提醒您，不用另外设置 😊\n"
    "发“我的报名”可以看报了哪些。"
)
REMINDERS_OFF = (
    "活动提醒没法单独关掉 🙏 提醒只发给您报了名的活动；不打算去的话发“取消报名”，"
    "那个活动就不会再提醒了。"
)
_SEARCHED = 100  # open activities a title is looked for among


class NaturalRequests:
    """Carries out a `Request` with the activities intent's list, form and cancel steps."""

    def __init__(self, intent: ActivitiesIntent, settings: ActivitySettings):
        self.intent = intent
        self.settings = settings

    def handle(self, ctx: Context, request: Request) -> Outcome | None:
        """The reply to one request; None when a sign-up names no activity there is (the
        words may be a question for the knowledge base)."""
        if request.kind == "mine":
            return self.intent.mine(ctx)
        if request.kind == "cancel":
            return self._cancel(ctx, request.words)
        if request.kind == "reminder" and request.off:
            return _say(REMINDERS_OFF, "reminder")
        if request.kind == "reminder":
            return _say((OWN_TIME if request.own_time else "") + self._reminders(), "reminder")
        if request.kind == "checkin":
            return _say(CHECKIN, "checkin")
        if request.kind == "how":
            return _say(HOW, "activity_list")
        return self._signup(ctx, request)

    def _signup(self, ctx: Context, request: Request) -> Outcome | None:
        if request.ordinal is not None:
            listed = activities.upcoming(ctx.session, ctx.now, limit=self.settings.list_limit)
            if not 1 <= request.ordinal <= len(listed):
                return _say(NO_SUCH.format(n=request.ordinal), "signup")
            return self.intent.form.begin(ctx, listed[request.ordinal - 1])
        open_now = activities.upcoming(ctx.session, ctx.now, limit=_SEARCHED)
        found: list[Activity] = titled(request.words, open_now) if request.words else []
        if not found:
            days, _ = asked_days(request.words, ctx.now, self.intent.zone)
            if days is not None:
                found = [a for a in open_now if days.start <= a.starts_at < days.until]
            elif request.words:
                return None
        if len(found) == 1:
            return self.intent.form.begin(ctx, found[0])
        if not found:
            return _say(WHICH, "signup")
        lines = "\n".join(self.intent.line(ctx, a) for a in found[: self.settings.list_limit])
        return _say(f"找到几个活动，想报哪个？回复“报名 编号”：\n{lines}", "signup")

    def _cancel(self, ctx: Context, words: str) -> Outcome:
        mine = activities.my_registrations(ctx.session, ctx.user_id, ctx.now)
        named = titled(words, [a for _, a in mine]) if words else []
        if len(named) == 1:
            registration = next(r for r, a in mine if a.id == named[0].id)
            return self.intent.cancels.ask(ctx, registration, named[0])
        return self.intent.cancel_by_number(ctx, None)

    def _reminders(self) -> str:
        offsets = sorted(self.settings.reminder_offsets_minutes, reverse=True)
        if not offsets:
            return "我会在活动有变化时通知您。发“我的报名”可以看报了哪些。"
        said = "和".join(_duration(m) for m in offsets)
        return REMINDERS.format(offsets=said)


def _duration(minutes: float) -> str:
    if minutes >= 60:
        return f"{minutes / 60:g}小时"
    return f"{minutes:g}分钟"


def _say(text: str, intent: str) -> Outcome:
    return Outcome(intent, (Reply(text),), confidence=1.0)
