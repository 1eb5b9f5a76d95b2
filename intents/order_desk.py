"""Work orders (生活小事) on the staff side, in chat. Staff and volunteers of a community:
"工单" (the open ones), "工单 N" (one: details, the point, photos' links, the record), "接单 N"
(the first to accept owns it: 首接负责), "办结 N 说明", "备注 N 内容"; staff also "不受理 N 原因"
and "转派 N 给 用户编号或名字". Each is declared staff- or helper-only (and so audited), and
every action checks the order's community."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from bot.intent import Context
from bot.models import Conversation
from bot.orders import handover, messages
from bot.orders import service as orders
from bot.orders.service import OrderError
from bot.orders.sla import is_overdue
from bot.outbox.notifier import Notifier
from bot.people import names, roles
from bot.types import Outcome, Reply
from intents.guard import helpers_only, staff_only
from intents.phrases import plain

_STAFF_LIST = re.compile(r"^(工单|工单列表|待办工单)$")
_ACCEPT = re.compile(r"^接单\s*(\d{1,9})$")
_DETAIL = re.compile(r"^工单\s*(\d{1,9})$")
_RESOLVE = re.compile(r"^办结\s*(\d{1,9})\s*(.*)$", re.S)
_REJECT = re.compile(r"^不受理\s*(\d{1,9})\s*(.*)$", re.S)
_HANDOVER = re.compile(r"^转派\s*(\d{1,9})\s*给\s*(\S.{0,30})$")
_NOTE = re.compile(r"^备注\s*(\d{1,9})\s*(.*)$", re.S)


class OrderDeskIntent:
    """Staff and volunteers list, take, resolve, note, hand over and reject work orders."""

    name = "order_desk"
    flows: tuple[str, ...] = ()
    staff_examples: tuple[str, ...] = (
        "工单", "工单 1", "接单 1", "办结 1 已更换灯泡", "不受理 1 不归社区管", "转派 1 给 2",
        "备注 1 已联系",
    )  # fmt: skip

    def __init__(self, notifier: Notifier, zone: ZoneInfo):
        self.notifier, self.zone = notifier, zone

    def handle(self, ctx: Context) -> Outcome | None:
        """Claim the commands above."""
        text, raw = plain(ctx.text), ctx.text
        try:
            if _STAFF_LIST.match(text) or any(p.match(raw) for p in (_DETAIL, _ACCEPT, _RESOLVE)):
                return self._handle_order(ctx)
            if _REJECT.match(raw) or _HANDOVER.match(raw):
                return self._staff_change(ctx)
            if _NOTE.match(raw):
                return self._note(ctx)
        except OrderError as exc:
            return _say(str(exc))
        return None

    def resume(self, ctx: Context, pending: Conversation) -> Outcome | None:
        """No multi-step flow."""
        return None

    @helpers_only
    def _handle_order(self, ctx: Context) -> Outcome:
        accept, resolve = _ACCEPT.match(ctx.text), _RESOLVE.match(ctx.text)
        detail = _DETAIL.match(ctx.text)
        if detail:
            order = orders.handled(ctx.session, int(detail.group(1)), ctx.user_id)
            return _say(messages.detail(ctx.session, order, self.zone))
        if accept:
            order = orders.accept(
                ctx.session, self.notifier, int(accept.group(1)), ctx.user_id, ctx.now
            )
            return _say(
                f"接单成功，工单 {order.id} 由您负责（首接负责）。"
                f"办好后发“办结 {order.id} 处理说明”。"
            )
        if resolve:
            number, note = int(resolve.group(1)), resolve.group(2).strip()
            order = orders.resolve(ctx.session, self.notifier, number, ctx.user_id, note, ctx.now)
            return _say(f"工单 {order.id} 已办结，已请居民确认。")
        return _say(self._board(ctx))

    def _board(self, ctx: Context) -> str:
        places = roles.communities_of(ctx.session, ctx.user_id, orders.HANDLERS)
        found = orders.open_orders(ctx.session, places)
        if not found:
            return "您的社区现在没有待办的工单。"
        lines = [messages.line(o, late=is_overdue(o, ctx.now)) for o in found[:20]]
        return "待办工单：\n" + "\n".join(lines) + "\n接单发“接单 编号”，办好发“办结 编号 说明”。"

    @staff_only
    def _staff_change(self, ctx: Context) -> Outcome:
        rejected, handed = _REJECT.match(ctx.text), _HANDOVER.match(ctx.text)
        if handed:
            number, who = int(handed.group(1)), handed.group(2).strip()
            order, owner = handover.reassign(
                ctx.session, self.notifier, number, ctx.user_id, who, ctx.now
            )
            return _say(
                f"工单 {order.id} 已转派给 {names.in_chat(ctx.session, owner)}，已通知对方。"
            )
        assert rejected is not None  # handle() matched one of the two
        number, reason = int(rejected.group(1)), rejected.group(2).strip()
        order = orders.reject(ctx.session, self.notifier, number, ctx.user_id, reason, ctx.now)
        return _say(f"工单 {order.id} 已退回，已告诉居民原因。")

    @helpers_only
    def _note(self, ctx: Context) -> Outcome:
        found = _NOTE.match(ctx.text)
        assert found is not None  # handle() matched it
        order = handover.add_note(
            ctx.session, int(found.group(1)), ctx.user_id, found.group(2), ctx.now
        )
        return _say(f"已在工单 {order.id} 记下备注。")


def _say(text: str) -> Outcome:
    return Outcome("order_desk", (Reply(text),), confidence=1.0)
