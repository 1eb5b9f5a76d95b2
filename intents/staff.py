"""Staff commands in chat, checked against the sender's role and community: a resident who
tries one gets a polite refusal, staff of another community too (staff act on their own
community's activities; district staff and admins on all, and only they on district-wide
ones), and the attempt is logged. 取消活动 cannot be undone: it shows what will happen and to how
many, and waits for an explicit "确认"."""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any
from zoneinfo import ZoneInfo

from bot.activities import service as activities
from bot.activities.models import Activity, Phase, Seat
from bot.activities.sheets import attendance_summary
from bot.intent import Context
from bot.models import Conversation
from bot.outbox.notifier import Notifier
from bot.people import names, roles
from bot.people.masking import mask_name, mask_phone
from bot.times import when
from bot.types import Outcome, Reply
from intents.flow import EXPLICIT_YES, Flow, Words
from intents.guard import staff_only
from intents.phrases import plain

logger = logging.getLogger(__name__)
_COMMAND = re.compile(r"^(取消活动|活动名单|报名名单|签到码|活动统计)(\d{1,6})$")
NOT_YOURS = "这个活动不归您的社区管，请联系负责它的社区（全区活动请联系区里）的工作人员。"
CANCEL_FLOW = "cancel_activity"


class StaffIntent:
    """取消活动 N · 活动名单 N · 签到码 N · 活动统计 N (staff and admins only)."""

    name = "staff"
    flows: tuple[str, ...] = (CANCEL_FLOW,)
    staff_examples: tuple[str, ...] = ("取消活动1", "活动名单1", "签到码1", "活动统计1")

    def __init__(self, notifier: Notifier, zone: ZoneInfo, timeout: dt.timedelta):
        self.notifier, self.zone = notifier, zone
        self.flow = Flow(
            CANCEL_FLOW, timeout, {"confirm": self._confirm_cancel},
            lambda: _say("好的，活动保留，没有取消。"),
            Words(("确认取消",), ("不取消", "不取消了", "保留"), yes=EXPLICIT_YES),
        )  # fmt: skip

    def handle(self, ctx: Context) -> Outcome | None:
        """Run a staff command for staff of the activity's community; refuse it, politely, for
        everyone else."""
        matched = _COMMAND.match(plain(ctx.text))
        if matched is None:
            return None
        return self._command(ctx, matched.group(1), int(matched.group(2)))

    @staff_only
    def _command(self, ctx: Context, command: str, number: int) -> Outcome:
        try:
            found = activities.activity(ctx.session, number)
            if not roles.may_act_on(ctx.session, ctx.user_id, found.community_id):
                return self._not_theirs(ctx, command, found)
            text = self._run(ctx, command, found)
        except activities.ActivityError as exc:
            text = str(exc)
        return Outcome(self.name, (Reply(text),), confidence=1.0)

    def _not_theirs(self, ctx: Context, command: str, found: Activity) -> Outcome:
        logger.warning(
            "staff user %s tried %s on activity %s of %s, not theirs",
            ctx.user_id, command, found.id, found.community_id or "the district",
        )  # fmt: skip
        return Outcome("staff_refused", (Reply(NOT_YOURS),), confidence=1.0)

    def resume(self, ctx: Context, conversation: Conversation) -> Outcome | None:
        """The answer to "really cancel?"; another staff command is left to route."""
        if _COMMAND.match(plain(ctx.text)):
            return None
        return self.flow.resume(ctx, conversation)

    def _ask_cancel(self, ctx: Context, found: Activity) -> str:
        """What cancelling will do and to how many, before anything is done."""
        if found.status == Phase.CANCELLED:
            raise activities.ActivityError("这个活动已经取消过了。")
        rows = activities.registrations(ctx.session, found.id or 0)
        waiting = sum(1 for r in rows if r.status in (Seat.WAITLISTED, Seat.OFFERED))
        self.flow.ask(ctx, {"activity": found.id}, "confirm")
        return (
            f"要取消【{found.title}】（{when(found.starts_at, self.zone)}）吗？\n"
            f"取消后会通知 {len(rows)} 位报名的居民（其中候补 {waiting} 位），不能撤回。\n"
            "确定的话回复“确认”；不取消回复“算了”。"
        )

    @staff_only
    def _confirm_cancel(self, ctx: Context, data: dict[str, Any], text: str) -> Outcome:
        self.flow.leave(ctx)
        if not self.flow.says_yes(text):
            again = f"取消活动{data['activity']}"
            return _say(f"没有取消活动。要取消，请重新发“{again}”，再回复“确认”。")
        try:
            found = activities.activity(ctx.session, int(data["activity"]))
            if not roles.may_act_on(ctx.session, ctx.user_id, found.community_id):
                return self._not_theirs(ctx, "取消活动", found)
            told = activities.cancel_activity(ctx.session, found.id or 0, ctx.now, self.notifier)
        except activities.ActivityError as exc:
            return _say(str(exc))
        return _say(f"已取消【{found.title}】，已通知 {told} 位报名的居民。")

    def _run(self, ctx: Context, command: str, found: Activity) -> str:
        number = found.id or 0
        if command == "取消活动":
            return self._ask_cancel(ctx, found)
        if command == "签到码":
            code = found.checkin_code
            return f"【{found.title}】的签到码：{code}（居民发“签到{code}”）"
        if command == "活动统计":
            summary = attendance_summary(ctx.session, number)
            return (
                f"【{found.title}】名额 {summary['capacity']}，已占 {summary['confirmed_seats']}，"
                f"候补 {summary['waitlisted']}，签到 {summary['attended']}，"
                f"未到 {summary['no_show']}，评分 {summary['average_rating'] or '暂无'}"
            )
        lines = [f"【{found.title}】报名名单（完整电话请用 linli activity export 导出）："]
        for n, registration in enumerate(activities.registrations(ctx.session, number), 1):
            given = registration.name or names.name_of(ctx.session, registration.user_id)
            name = mask_name(given) if given else f"用户 {registration.user_id}（没留名字）"
            phone = mask_phone(registration.phone) if registration.phone else ""
            state = Seat.label_of(registration.status)
            lines.append(f"{n}. {name} {phone} {registration.party}位 {state}")
        return "\n".join(lines)


def _say(text: str) -> Outcome:
    return Outcome(StaffIntent.name, (Reply(text),), confidence=1.0)
