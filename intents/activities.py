"""Residents and activities: list, details, sign up, my sign-ups, cancel, claim a freed seat,
check in, rate. Numbers shown are activity ids ("编号"), the same everywhere."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot import conversation
from bot.activities import service as activities
from bot.activities.messages import RATING_FLOW, REMINDER_FLOW
from bot.activities.models import Activity, Phase, Registration, Seat
from bot.activities.service import ActivityError
from bot.config import ActivitySettings, VolunteerSettings
from bot.intent import Context
from bot.models import Community, Conversation
from bot.outbox.notifier import Notifier
from bot.shifts import hours as shift_hours
from bot.times import span, when
from bot.types import Outcome, Reply
from intents import activity_requests as requests
from intents.activity_dates import Days, asked_days
from intents.activity_seats import CANCEL_FLOW, CancelForm
from intents.activity_signup import FLOW as SIGNUP_FLOW
from intents.activity_signup import SignupForm
from intents.activity_talk import NaturalRequests
from intents.community import named
from intents.phrases import plain
from knowledge.focus import focus

LIST_FLOW = "activity_list"
_FILLER = re.compile(
    r"(最近|近期|这周|本周|这个星期|这个月|本月|下周|周末|这几天|今天|明天|有没有|有什么|有哪些|有啥|什么|哪些|"
    r"我们|我|社区|的|有|想|参加|适合|给|带|可以|能|去|玩|看看|一下|安排|列表|吗|呢|嘛|啊|么|没有|没|"
    r"老人|老年人|小孩|孩子|儿童|亲子|残疾人|活动|不)"
)
_AUDIENCE = (("老人", "老人"), ("老年", "老人"), ("小孩", "儿童"), ("孩子", "儿童"),
             ("儿童", "儿童"), ("亲子", "亲子"), ("残疾", "残疾人"))  # fmt: skip
_DETAIL = re.compile(r"^(?:活动|第)?(\d{1,6})(?:号|个)?(?:活动)?(?:详情)?$")
_SIGNUP = re.compile(r"^(?:我要|我想|帮我)?报名(?:参加)?(?:第)?(\d{1,6})?(?:号)?(?:活动)?$")
_SIGNUP_TITLE = re.compile(
    r"^(?:我要|我想|帮我|给我)?报(?:个)?名(?:参加)?(?P<title>\w{2,30}?)(?:的活动|活动)?$"
)
# a question about one activity or programme ("那个科普活动叫啥子名字"), for the knowledge base
_ABOUT_ONE = re.compile(
    r"叫什么|什么名字|名字|内容|主题|是什么|干什么|做什么|搞了|搞过|办过|意义|目的"
)
_BARE_PHONE = re.compile(r"^1[3-9]\d{9}$")  # after a form was left: never a question to log
_TITLE_MARKS = re.compile(r"[\W_]+")  # "义诊剪：量血压测血糖+免费理发" -> words only
_HOW_TO_SIGNUP = re.compile(r"(怎么|如何)报名|报名(怎么|咋)")
_MINE = re.compile(r"^(我的报名|我报(了|的)(哪些|什么|啥)(活动)?|我报名的活动|我的活动|查报名)$")
_CANCEL = re.compile(
    r"^(?:我要|我想|帮我)?取消(?:报名)?(?:第)?(\d{1,6})?(?:号)?(?:活动)?(?:的报名)?$"
)
_CHECKIN = re.compile(r"^签到(\d{4,8})$")  # 6 digits; 4 from before the change
_STARS = re.compile(r"^([1-5])(?:分|星)?(.*)$")


def _besides(words: str, place: Community) -> str:
    """What the words say besides the community's name: "苏辙那个地名是哪天搞的" asks about
    one activity of 苏辙社区 (the knowledge base's), not for its list."""
    for name in sorted([place.name, place.name.removesuffix("社区"), *place.aliases], key=len,
                       reverse=True):  # fmt: skip
        if name:
            words = words.replace(name, "")
    return words


class ActivitiesIntent:
    """Everything a resident does with activities, by free text and by number."""

    name = "activities"
    flows: tuple[str, ...] = (LIST_FLOW, SIGNUP_FLOW, REMINDER_FLOW, CANCEL_FLOW, RATING_FLOW)
    staff_examples: tuple[str, ...] = ()

    def __init__(
        self, settings: ActivitySettings, zone: ZoneInfo, timeout: dt.timedelta,
        notifier: Notifier, volunteers: VolunteerSettings,
    ):  # fmt: skip
        self.settings = settings
        self.volunteers = volunteers  # a shift's code sent as "签到 N" is pointed there
        self.zone = zone
        self.notifier = notifier
        self.form = SignupForm(zone, timeout)
        self.cancels = CancelForm(zone, timeout, notifier, settings)
        self.timeout = timeout
        self.natural = NaturalRequests(self, settings)

    def handle(self, ctx: Context) -> Outcome | None:
        """Claim messages about activities; questions about a programme go to the FAQ."""
        text = plain(ctx.text)
        try:
            return self._route(ctx, text)
        except ActivityError as exc:
            return _say(str(exc), "activities")

    def resume(self, ctx: Context, pending: Conversation) -> Outcome | None:
        """Replies to a list, a form, a reminder, a seat offer or a rating request."""
        text = plain(ctx.text)
        try:
            if pending.flow == SIGNUP_FLOW:
                return self.form.resume(ctx, pending)
            if pending.flow == CANCEL_FLOW:
                return self.cancels.resume(ctx, pending)
            registration = ctx.session.get(Registration, pending.data.get("registration", 0))
            if pending.flow == LIST_FLOW and text.isdigit():
                return self._detail(ctx, int(text))
            if pending.flow == REMINDER_FLOW and registration and text in ("取消", "取消报名"):
                return self.cancels.cancel(ctx, registration)
            if pending.flow == RATING_FLOW and registration and _STARS.match(text):
                return self._rate(ctx, registration, ctx.text.strip())
        except ActivityError as exc:
            conversation.finish(ctx.session, ctx.user_id)
            return _say(str(exc), "activities")
        return None

    def _route(self, ctx: Context, text: str) -> Outcome | None:
        if found := _SIGNUP.match(text):
            return self._signup(ctx, found.group(1))
        if _HOW_TO_SIGNUP.search(text) and len(text) <= 12:
            return _say(
                "发“活动”看看最近有哪些活动，再回复“报名 编号”就行，比如“报名 3”。", "activity_list"
            )
        if (found := _SIGNUP_TITLE.match(text)) and (
            by_title := self._signup_by_title(ctx, found.group("title"))
        ):
            return by_title
        if _BARE_PHONE.match(re.sub(r"[\s\-－—]", "", text)):
            return _say(
                "这像是一个手机号 📱 报名时我会再问您要的。想报名的话先发“报名 编号”，"
                "发“活动”可以看编号。",
                "signup",
            )
        if _MINE.match(text):
            return self.mine(ctx)
        if found := _CANCEL.match(text):
            return self.cancel_by_number(ctx, found.group(1))
        if found := _CHECKIN.match(text):
            return self._check_in(ctx, found.group(1))
        found = _DETAIL.match(text)
        if found and (text.startswith(("活动", "第")) or text.endswith(("活动", "号", "详情"))):
            return self._detail(ctx, int(found.group(1)))
        if (request := requests.read(plain(focus(ctx.text).text))) and (
            done := self.natural.handle(ctx, request)
        ):
            return done
        if "活动" not in text or _ABOUT_ONE.search(text):
            return None
        days, rest = asked_days(text, ctx.now, self.zone)
        left = _FILLER.sub("", rest)
        place = named(ctx.session, left) if left else None
        if not left or (place is not None and not _besides(left, place)):
            return self._list(ctx, text, days, place.id if place else None)
        return None

    def _list(self, ctx: Context, text: str, days: Days | None, place: str | None) -> Outcome:
        """Upcoming activities, for the days, community and audience the question names."""
        community = place or (ctx.user.community_id if "社区" in text else None)
        audience = next((tag for word, tag in _AUDIENCE if word in text), None)
        found = activities.upcoming(
            ctx.session, max(ctx.now, days.start) if days else ctx.now, community=community,
            audience=audience, until=days.until if days else None, limit=self.settings.list_limit,
        )  # fmt: skip
        label = days.label if days else "最近"
        if not found:
            return _say(
                f"{label}还没有合适的活动，发“活动”看看最近的；有新活动会在这里公布 😊",
                "activity_list",
            )
        conversation.start(ctx.session, ctx.user_id, LIST_FLOW, {}, ctx.now + self.timeout)
        lines = [f"{label}的活动（回复编号看详情，回复“报名 编号”报名）："]
        lines += [self.line(ctx, a) for a in found]
        return _say("\n".join(lines), "activity_list")

    def line(self, ctx: Context, activity: Activity) -> str:
        left = activities.seats_left(ctx.session, activity)
        seats = f"剩 {left} 个名额" if left > 0 else "已满，可候补"
        return f"【{activity.id}】{activity.title}｜{when(activity.starts_at, self.zone)}｜{seats}"

    def _detail(self, ctx: Context, activity_id: int) -> Outcome:
        found = activities.activity(ctx.session, activity_id)
        if found.status != Phase.PUBLISHED:
            raise ActivityError("这个活动已经取消了，发“活动”看看别的吧。")
        left = activities.seats_left(ctx.session, found)
        lines = [
            f"【{found.id}】{found.title}",
            f"时间：{span(found.starts_at, found.ends_at, self.zone)}",
            f"地点：{found.place}",
        ]
        if found.audience:
            lines.append(f"适合：{'、'.join(found.audience)}")
        if found.description:
            lines.append(found.description)
        seats = f"还剩 {left} 个" if left > 0 else "已满，可以排候补"
        lines.append(f"名额：{found.capacity} 个，{seats}")
        lines.append(f"报名截止：{when(found.signup_deadline, self.zone)}")
        lines.append(f"想参加就回复“报名 {found.id}”。")
        conversation.finish(ctx.session, ctx.user_id)
        return _say("\n".join(lines), "activity_detail")

    def _signup(self, ctx: Context, number: str | None) -> Outcome:
        if number is None:
            return _say(
                "想报哪个活动？回复“报名 编号”，比如“报名 3”；发“活动”可以看编号。", "signup"
            )
        return self.form.begin(ctx, activities.activity(ctx.session, int(number)))

    def _signup_by_title(self, ctx: Context, words: str) -> Outcome | None:
        """ "帮我报名义诊剪": the open activity whose title holds the words; None when none
        does (the question may be about a programme, for the FAQ)."""
        wanted = _TITLE_MARKS.sub("", words)
        found = [
            a for a in activities.upcoming(ctx.session, ctx.now, limit=100)
            if wanted in _TITLE_MARKS.sub("", a.title)
        ]  # fmt: skip
        if len(found) == 1:
            return self.form.begin(ctx, found[0])
        if not found:
            return None
        conversation.start(ctx.session, ctx.user_id, LIST_FLOW, {}, ctx.now + self.timeout)
        lines = ["找到几个活动，想报哪个？回复“报名 编号”："]
        lines += [self.line(ctx, a) for a in found[: self.settings.list_limit]]
        return _say("\n".join(lines), "signup")

    def _check_in(self, ctx: Context, code: str) -> Outcome:
        early = self.volunteers.checkin_early_minutes
        if shift_hours.on_shift_with(ctx.session, ctx.user_id, code, ctx.now, early):
            return _say(f"这是您志愿班次的签到码：请发“班次签到 {code}”签到。", "checkin")
        checked = activities.check_in(ctx.session, ctx.user_id, code, ctx.now)
        return _say(f"✅ 签到成功！欢迎参加【{checked.title}】。", "checkin")

    def mine(self, ctx: Context) -> Outcome:
        mine = activities.my_registrations(ctx.session, ctx.user_id, ctx.now)
        if not mine:
            return _say("您现在没有报名的活动。发“活动”看看最近有什么吧。", "my_registrations")
        lines = ["您报名的活动："]
        for registration, found in mine:
            status = self._status(ctx, registration)
            lines.append(
                f"【{found.id}】{found.title}｜{when(found.starts_at, self.zone)}｜{status}"
            )
        lines.append("要取消的话，回复“取消报名 编号”。")
        return _say("\n".join(lines), "my_registrations")

    def _status(self, ctx: Context, registration: Registration) -> str:
        party = f"（{registration.party} 位）" if registration.party > 1 else ""
        if registration.status == Seat.WAITLISTED:
            place = activities.waitlist_position(ctx.session, registration)
            return f"候补第 {place} 位{party}"
        if registration.status == Seat.OFFERED and registration.offer_expires_at:
            until = when(registration.offer_expires_at, self.zone)
            return f"有名额{party}，请在 {until} 前回复“确认 {registration.activity_id}”保留"
        return "已报名" + party

    def cancel_by_number(self, ctx: Context, number: str | None) -> Outcome:
        mine = activities.my_registrations(ctx.session, ctx.user_id, ctx.now)
        if number is not None:
            chosen = [r for r, a in mine if a.id == int(number)]
        else:
            chosen = [r for r, _ in mine] if len(mine) == 1 else []
        if not chosen:
            return self.mine(ctx) if mine else _say("您现在没有可以取消的报名。", "cancel")
        if number is None:  # the resident did not say which: show it and ask first
            return self.cancels.ask(ctx, chosen[0], mine[0][1])
        return self.cancels.cancel(ctx, chosen[0])

    def _rate(self, ctx: Context, registration: Registration, text: str) -> Outcome:
        found = _STARS.match(plain(text))
        assert found is not None
        comment = text.lstrip("12345 分星，,。").strip() or None
        activities.rate(ctx.session, registration, int(found.group(1)), comment)
        conversation.finish(ctx.session, ctx.user_id)
        return _say("谢谢您的评价！我们会继续把活动办好 🙏", "rating")


def _say(text: str, intent: str) -> Outcome:
    return Outcome(intent, (Reply(text),), confidence=1.0)


__all__: Sequence[str] = ["ActivitiesIntent"]
