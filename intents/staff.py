"""Staff commands in chat, checked against the sender's role and community: a resident who
tries one gets a polite refusal, staff of another community too (staff act on their own
community's activities; district staff and admins on all, and only they on district-wide
ones), and the attempt is logged."""

from __future__ import annotations

import logging
import re

from bot.activities import service as activities
from bot.activities.models import Activity
from bot.activities.sheets import attendance_summary
from bot.intent import Context
from bot.models import Conversation
from bot.outbox.notifier import Notifier
from bot.people import roles
from bot.people.masking import mask_name, mask_phone
from bot.types import Outcome, Reply
from intents.guard import staff_only
from intents.phrases import plain

logger = logging.getLogger(__name__)
_COMMAND = re.compile(r"^(取消活动|活动名单|报名名单|签到码|活动统计)(\d{1,6})$")
NOT_YOURS = "这个活动不归您的社区管，请联系负责它的社区（全区活动请联系区里）的工作人员。"


class StaffIntent:
    """取消活动 N · 活动名单 N · 签到码 N · 活动统计 N (staff and admins only)."""

    name = "staff"
    flows: tuple[str, ...] = ()
    staff_examples: tuple[str, ...] = ("取消活动1", "活动名单1", "签到码1", "活动统计1")

    def __init__(self, notifier: Notifier):
        self.notifier = notifier

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
        """Staff commands are one message each."""
        return None

    def _run(self, ctx: Context, command: str, found: Activity) -> str:
        number = found.id or 0
        if command == "取消活动":
            told = activities.cancel_activity(ctx.session, number, ctx.now, self.notifier)
            return f"已取消【{found.title}】，已通知 {told} 位报名的居民。"
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
            name = mask_name(registration.name) if registration.name else "（未填姓名）"
            phone = mask_phone(registration.phone) if registration.phone else ""
            lines.append(f"{n}. {name} {phone} {registration.party}位 {registration.status}")
        return "\n".join(lines)
