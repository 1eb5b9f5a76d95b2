"""Volunteer shifts in chat: list and take shifts, confirm or decline (also right after a
reminder), check in and out by code, ask for or be a stand-in; staff see rosters, assign
volunteers and approve hours. Numbers shown are shift ids ("班次编号")."""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from collections.abc import Callable
from zoneinfo import ZoneInfo

from bot import conversation
from bot.activities import service as activities
from bot.config import VolunteerSettings
from bot.intent import Context
from bot.models import Conversation
from bot.outbox.notifier import Notifier
from bot.people import names, roles
from bot.shifts import hours as shift_hours
from bot.shifts import messages as shift_notices
from bot.shifts import service as shifts
from bot.shifts import sheets as shift_io
from bot.shifts.messages import CHECKIN_HINT, REMINDER_FLOW, heading
from bot.shifts.models import ShiftAssignment, Turn
from bot.shifts.service import ShiftError
from bot.types import Outcome, Reply
from intents.flow import Words
from intents.guard import staff_only
from intents.phrases import plain

logger = logging.getLogger(__name__)
Handler = Callable[[Context, str], Outcome]

_LIST = re.compile(
    r"^(志愿岗位|志愿服务|志愿班次|班次|班次列表|(有哪些|有什么|可以接的)班次|接班)$"
)
# "我想排个志愿者值班", "志愿者值班表给我看看": shifts asked for in a sentence, not a question
# about them ("值班是什么意思" has a question word)
_LIST_SAID = re.compile(r"(值班|排班|班次|志愿岗|接个班|接班|班可以接|可以接的班)")
_SOME = re.compile(r"有(什么|哪些|啥|没有)")  # "有什么志愿岗位" asks for the list
_NOT_A_LIST = re.compile(
    r"(什么|啥|哪|怎么|为什么|多少|几|吗|多久|多长|要求|条件|取消|不能|来不了|去不了|替)"
)
_LIST_SAID_MAX = 16
_MINE = re.compile(r"^(我的班次|我的志愿班次|我的排班|我的值班|我有哪些班(次)?|我接的班(次)?)$")
_COMING = Words(yes_also=("能来", "能去"))  # a yes to a shift reminder
CHECKOUT_FLOW = "shift_checkout"  # leaving well before the end: asked first
_NO = re.compile(r"^(不能来|来不了|去不了|不来了|不去了|有事来不了)[啊吧了呀的哈]*$")
_ASK_STAND_IN = re.compile(r"^找人替班(\d{1,6})?$")
_STAFF = re.compile(r"^(分配班次|班次名单|批准工时|待批工时)")
# the volunteer by user number or by channel identity ("console:mo", "wechat:oAbc...")
_ASSIGN = re.compile(
    r"^分配班次\s*(\d{1,6})\s*给?\s*(?:用户)?\s*(\d{1,9}|[a-z]+:\S{1,128}|[\u4e00-\u9fa5·a-zA-Z]{1,12})$"
)
_ROSTER = re.compile(r"^班次名单\s*(\d{1,6})$")
_APPROVE = re.compile(r"^批准工时\s*(\d{1,6})$")
_STAFF_HELP = (
    "工作人员的班次命令：分配班次 班次编号 用户编号（或 渠道:标识）、班次名单 班次编号、"
    "批准工时 班次编号、待批工时。"
)


class VolunteersIntent:
    """Shifts: list, take, confirm or decline, check in and out, stand-ins; staff commands."""

    name = "volunteers"
    flows: tuple[str, ...] = (REMINDER_FLOW, CHECKOUT_FLOW)
    staff_examples: tuple[str, ...] = ("分配班次 1 1", "班次名单 1", "批准工时 1", "待批工时")

    def __init__(
        self, settings: VolunteerSettings, zone: ZoneInfo, timeout: dt.timedelta, notifier: Notifier
    ):
        self.settings, self.zone, self.timeout, self.notifier = settings, zone, timeout, notifier
        self._routes: tuple[tuple[re.Pattern[str], Handler], ...] = (
            (re.compile(r"^(?:接班|报名班次|我要接班)(\d{1,6})$"), self._take),
            (re.compile(r"^确认班次(\d{1,6})$"), self._confirm_number),
            (re.compile(r"^(?:不能来|来不了|去不了)(?:班次)?(\d{1,6})$"), self._decline_number),
            (re.compile(r"^取消班次(\d{1,6})$"), self._cancel),
            (re.compile(r"^(?:班次签到|上岗)(\d{4,8})$"), self._check_in),
            (re.compile(r"^(?:班次签退|下岗)(\d{4,8})$"), self._check_out),
            (re.compile(r"^(?:提前签退|确认签退)(\d{4,8})$"), self._checked_out),
            (re.compile(r"^(?:替班|我来替班|顶班)(\d{1,6})$"), self._take_over),
        )

    def handle(self, ctx: Context) -> Outcome | None:
        """Claim messages that are clearly about shifts; leave everything else alone."""
        text = plain(ctx.text)
        try:
            if _STAFF.match(text):
                return self._staff(ctx)
            return self._route(ctx, text)
        except ShiftError as exc:
            return _say(str(exc), "volunteers")

    def resume(self, ctx: Context, pending: Conversation) -> Outcome | None:
        """A bare "确认" / "不能来" / "找人替班" right after a shift reminder; a "确认" to an
        early check-out."""
        text = plain(ctx.text)
        if pending.flow == CHECKOUT_FLOW:
            conversation.finish(ctx.session, ctx.user_id)
            if not _COMING.says_yes(text):
                return None  # not leaving yet: the message is something else
            try:
                return self._checked_out(ctx, str(pending.data.get("code", "")))
            except ShiftError as exc:
                return _say(str(exc), "volunteers")
        assignment = ctx.session.get(ShiftAssignment, pending.data.get("assignment", 0))
        if assignment is None or assignment.user_id != ctx.user_id:
            return None
        try:
            if _COMING.says_yes(text):
                return self._confirm(ctx, assignment)
            if _NO.match(text):
                return self._decline(ctx, assignment)
            if text == "找人替班":
                return self._ask_stand_in(ctx, assignment)
        except ShiftError as exc:
            conversation.finish(ctx.session, ctx.user_id)
            return _say(str(exc), "volunteers")
        return None

    def _route(self, ctx: Context, text: str) -> Outcome | None:
        for pattern, handler in self._routes:
            if found := pattern.match(text):
                return handler(ctx, found.group(1))
        if _MINE.match(text):
            return self._mine(ctx)
        if _LIST.match(text) or _lists_shifts(text):
            return self._list(ctx)
        if found := _ASK_STAND_IN.match(text):
            return self._ask_stand_in_number(ctx, found.group(1))
        if _NO.match(text) and shifts.my_shifts(ctx.session, ctx.user_id, ctx.now):
            return self._mine(ctx, "是哪个班次来不了？回复“不能来 编号”，比如“不能来 5”。")
        return None

    @staff_only
    def _staff(self, ctx: Context) -> Outcome:
        spaced = unicodedata.normalize("NFKC", ctx.text).strip()
        return _say(self._staff_command(ctx, spaced), "shift_staff")

    def _staff_command(self, ctx: Context, spaced: str) -> str:
        if found := _ASSIGN.match(spaced):
            return self._assign(ctx, int(found.group(1)), found.group(2))
        if found := _ROSTER.match(spaced):
            self._own(ctx, int(found.group(1)))
            return shift_io.roster_text(ctx.session, int(found.group(1)), self.zone)
        if found := _APPROVE.match(spaced):
            self._own(ctx, int(found.group(1)))
            approved = shift_hours.approve(ctx.session, int(found.group(1)), ctx.user_id, ctx.now)
            return f"已批准班次【{found.group(1)}】的 {approved} 条工时。"
        if plain(spaced) == "待批工时":
            places = shifts.places_of(ctx.session, ctx.user_id, roles.STAFF)
            return shift_io.pending_text(ctx.session, places, ctx.now, self.zone)
        return _STAFF_HELP

    def _own(self, ctx: Context, shift_id: int) -> None:
        """Staff act on the shifts of their own communities (district staff: all)."""
        post = shifts.post_of(ctx.session, shifts.shift_of(ctx.session, shift_id).post_id)
        if not shifts.in_scope(post, shifts.places_of(ctx.session, ctx.user_id, roles.STAFF)):
            raise ShiftError("这个班次不归您的社区管，请联系所在社区的工作人员。")

    def _assign(self, ctx: Context, shift_id: int, who: str) -> str:
        self._own(ctx, shift_id)
        try:
            user_id = names.person(ctx.session, who)
        except ValueError as exc:
            raise ShiftError(str(exc)) from None
        assignment = shifts.sign_up(
            ctx.session, shift_id, user_id, ctx.now, source="assigned", assigned_by=ctx.user_id
        )
        shift = shifts.shift_of(ctx.session, shift_id)
        post = shifts.post_of(ctx.session, shift.post_id)
        shift_notices.assigned(ctx.session, self.notifier, assignment, shift, post)
        who = names.in_chat(ctx.session, user_id)
        return f"已把{who}安排到班次【{shift_id}】，已通知对方回复确认。"

    def _list(self, ctx: Context) -> Outcome:
        if shifts.places_of(ctx.session, ctx.user_id) == set():
            return _say(shifts.NOT_A_VOLUNTEER, "shift_refused")
        found = shifts.open_shifts(ctx.session, ctx.user_id, ctx.now)
        asking = shifts.stand_ins_wanted(ctx.session, ctx.user_id, ctx.now)
        wanted = {s.id: (s, p) for s, p in asking}  # one line a shift, however many ask
        if not found and not wanted:
            lacking = shifts.missing_skills(ctx.session, ctx.user_id, ctx.now)
            if lacking:
                needed = "、".join(sorted(lacking))
                return _say(
                    f"现在缺人的班次需要{needed}。您有的话，请带上找社区工作人员登记，"
                    "登记后就能接班了 😊",
                    "shift_list",
                )
            return _say("最近没有缺人的班次，谢谢您的热心！有新班次再来看看 😊", "shift_list")
        lines = []
        if found:
            lines.append("可以接的志愿班次（回复“接班 编号”就能接）：")
            lines += [f"{heading(s, p, self.zone)}｜还差 {s.slots - n} 人" for s, p, n in found]
        if wanted:
            lines.append("有人需要替班（回复“替班 编号”接替）：")
            lines += [heading(s, p, self.zone) for s, p in wanted.values()]
        return _say("\n".join(lines), "shift_list")

    def _take(self, ctx: Context, number: str) -> Outcome:
        shift = shifts.shift_of(ctx.session, int(number))
        # Taking a shift this close to its start is answer enough: no confirmation asked.
        close = shift.starts_at - ctx.now <= dt.timedelta(
            minutes=self.settings.unconfirmed_alert_minutes
        )
        shifts.sign_up(ctx.session, int(number), ctx.user_id, ctx.now, confirmed=close)
        post = shifts.post_of(ctx.session, shift.post_id)
        return _say(
            f"✅ 接班成功，谢谢您！\n{heading(shift, post, self.zone)}\n"
            f"开始前会提醒您。{CHECKIN_HINT}",
            "shift_signup",
        )

    def _mine(self, ctx: Context, question: str = "") -> Outcome:
        mine = shifts.my_shifts(ctx.session, ctx.user_id, ctx.now)
        if not mine:
            return _say("您现在没有排上的班次。发“班次”看看哪里缺人吧。", "my_shifts")
        lines = [question or "您的志愿班次："]
        for a, s, p in mine:
            state = "找人替班中" if a.stand_in_wanted_at and a.status in shifts.AWAITING else ""
            lines.append(f"{heading(s, p, self.zone)}｜{state or Turn.label_of(a.status)}")
        if not question:
            lines.append("来不了回复“不能来 编号”，想找人顶班回复“找人替班 编号”。")
        return _say("\n".join(lines), "my_shifts")

    def _confirm_number(self, ctx: Context, number: str) -> Outcome:
        return self._confirm(ctx, shifts.mine_on(ctx.session, ctx.user_id, int(number), ctx.now))

    def _confirm(self, ctx: Context, assignment: ShiftAssignment) -> Outcome:
        shifts.set_status(ctx.session, assignment, Turn.CONFIRMED, ctx.now)
        conversation.finish(ctx.session, ctx.user_id)
        shift = shifts.shift_of(ctx.session, assignment.shift_id)
        post = shifts.post_of(ctx.session, shift.post_id)
        return _say(
            f"✅ 已确认，谢谢您！\n{heading(shift, post, self.zone)}\n{CHECKIN_HINT}",
            "shift_confirm",
        )

    def _decline_number(self, ctx: Context, number: str) -> Outcome:
        return self._decline(ctx, shifts.mine_on(ctx.session, ctx.user_id, int(number), ctx.now))

    def _decline(self, ctx: Context, assignment: ShiftAssignment) -> Outcome:
        shifts.set_status(ctx.session, assignment, Turn.DECLINED, ctx.now)
        conversation.finish(ctx.session, ctx.user_id)
        self._alert(ctx, assignment, Turn.DECLINED)
        return _say("好的，已经告诉工作人员，会另外安排人。谢谢您提前说一声 🙏", "shift_decline")

    def _cancel(self, ctx: Context, number: str) -> Outcome:
        assignment = shifts.mine_on(ctx.session, ctx.user_id, int(number), ctx.now)
        shifts.set_status(ctx.session, assignment, Turn.CANCELLED, ctx.now)
        self._alert(ctx, assignment, Turn.CANCELLED)
        return _say(f"已取消班次【{number}】，谢谢您告诉我们！", "shift_cancel")

    def _check_in(self, ctx: Context, code: str) -> Outcome:
        early = self.settings.checkin_early_minutes
        event = activities.checking_in_with(ctx.session, code, ctx.now)
        if event is not None and activities.registered_for(ctx.session, ctx.user_id, event.id or 0):
            return _say(
                f"这是活动【{event.title}】的签到码：请发“签到{code}”签到。", "shift_checkin"
            )
        shift = shift_hours.check_in(ctx.session, ctx.user_id, code, ctx.now, early)
        post = shifts.post_of(ctx.session, shift.post_id)
        return _say(
            f"✅ 签到成功！【{post.title}】辛苦了。\n"
            f"结束时发“班次签退 {code}”签退，工时从签到算到签退。",
            "shift_checkin",
        )

    def _check_out(self, ctx: Context, code: str) -> Outcome:
        """Check out; leaving well before the end is asked about first."""
        found = shift_hours.checked_in_on(ctx.session, ctx.user_id, code)
        early = shift_hours.leaves_early(found[1], ctx.now) if found else 0
        if found is None or not early:
            return self._checked_out(ctx, code)
        ends = found[1].ends_at.astimezone(self.zone).strftime("%H:%M")
        expires = ctx.now + self.timeout
        conversation.start(ctx.session, ctx.user_id, CHECKOUT_FLOW, {"code": code}, expires)
        return _say(
            f"班次到 {ends} 结束，现在签退会记为提前签退（早 {early} 分钟），工时算到现在。\n"
            "确定现在走请回复“确认”；还在忙就不用回复，结束时再发“班次签退”。",
            "shift_checkout",
        )

    def _checked_out(self, ctx: Context, code: str) -> Outcome:
        assignment = shift_hours.check_out(ctx.session, ctx.user_id, code, ctx.now)
        hours, minutes = divmod(assignment.minutes or 0, 60)
        shift = shifts.shift_of(ctx.session, assignment.shift_id)
        early = shift_hours.left_early(assignment, shift)
        left = f"已提前 {early} 分钟签退" if early else "✅ 签退成功"
        return _say(
            f"{left}，这次服务 {hours} 小时 {minutes} 分钟，"
            "工作人员核对后计入您的志愿工时。谢谢您的付出！",
            "shift_checkout",
        )

    def _ask_stand_in_number(self, ctx: Context, number: str | None) -> Outcome:
        if number is not None:
            chosen = shifts.mine_on(ctx.session, ctx.user_id, int(number), ctx.now)
            return self._ask_stand_in(ctx, chosen)
        waiting = [a for a, _, _ in shifts.my_shifts(ctx.session, ctx.user_id, ctx.now)
                   if a.status in shifts.AWAITING]  # fmt: skip
        if len(waiting) == 1:
            return self._ask_stand_in(ctx, waiting[0])
        return self._mine(ctx, "是哪个班次要找人替？回复“找人替班 编号”，比如“找人替班 5”。")

    def _ask_stand_in(self, ctx: Context, assignment: ShiftAssignment) -> Outcome:
        shifts.want_stand_in(ctx.session, assignment, ctx.now)
        conversation.finish(ctx.session, ctx.user_id)
        self._alert(ctx, assignment, "stand_in")
        return _say(
            "好的，已经帮您找人替班，也告诉了工作人员。有人接替之前，这个班次还是您的；"
            "有人接了会马上告诉您。",
            "shift_stand_in",
        )

    def _take_over(self, ctx: Context, number: str) -> Outcome:
        taker, old = shifts.take_over(ctx.session, int(number), ctx.user_id, ctx.now)
        shift = shifts.shift_of(ctx.session, taker.shift_id)
        post = shifts.post_of(ctx.session, shift.post_id)
        if old is not None:
            shift_notices.swapped(ctx.session, self.notifier, old, taker, shift, post)
        return _say(
            f"✅ 谢谢您来替班！\n{heading(shift, post, self.zone)}\n{CHECKIN_HINT}",
            "shift_take_over",
        )

    def _alert(self, ctx: Context, assignment: ShiftAssignment, reason: str) -> None:
        shift = shifts.shift_of(ctx.session, assignment.shift_id)
        post = shifts.post_of(ctx.session, shift.post_id)
        work = (assignment, shift, post)
        shift_notices.alert(
            ctx.session, self.notifier, work, reason, self.settings.stand_ins, ctx.now
        )


def _say(text: str, intent: str) -> Outcome:
    return Outcome(intent, (Reply(text),), confidence=1.0)


def _lists_shifts(text: str) -> bool:
    """A short request for shifts in one's own words ("我要报周六的值班")."""
    return (
        len(text) <= _LIST_SAID_MAX
        and bool(_LIST_SAID.search(text))
        and not _NOT_A_LIST.search(_SOME.sub("", text))
    )
