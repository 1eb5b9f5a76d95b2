""" "找人工": tell the resident how to reach a person now, and log the request for staff."""

from __future__ import annotations

import re

from bot.config import StaffSettings
from bot.intent import Context
from bot.kb.models import UnansweredQuestion
from bot.logs import mask_mobiles
from bot.models import Conversation
from bot.types import Outcome, Reply
from intents.phrases import plain

_PERSON = (
    r"(人工|真人|活人|工作人员|客服|网格员|书记|主任|负责人|管事的|社区的人|人来|人说|个人|干部)"
)
_ASK = r"(找|转|要|联系|接|叫|换|喊|让|请|跟|和|同|给我|我想|能不能|可以|有没有)"
_HANDOFF = re.compile(
    rf"({_ASK}(一下)?(个|一个|位|一位)?(社区的?)?{_PERSON}|^{_PERSON}(服务|帮忙|帮助)?$|人工服务|人工客服|转人工|"
    r"不想(跟|和)?机器人|听不懂|说不清楚|投诉你|rengong|zhenren|kefu)"
)
_HANDOFF_MAX = 30  # a long message that mentions 工作人员 is a question, not a request


class HandoffIntent:
    """Claims requests for a person; the request is logged for staff."""

    name = "handoff"
    flows: tuple[str, ...] = ()
    staff_examples: tuple[str, ...] = ()

    def __init__(self, staff: StaffSettings):
        self.staff = staff

    def handle(self, ctx: Context) -> Outcome | None:
        """Answer "找人工" and friends with the staff contact."""
        text = plain(ctx.text)
        if not text or len(text) > _HANDOFF_MAX or not _HANDOFF.search(text):
            return None
        ctx.session.add(
            UnansweredQuestion(
                user_id=ctx.user_id,
                channel=ctx.incoming.channel,
                kind="handoff",
                text=mask_mobiles(ctx.text[:2000]),  # staff read it: no full number
                created_at=ctx.now,
            )
        )
        lines = ["好的，已经把您的请求记下来，转给社区工作人员了，他们上班时间会尽快联系您。"]
        if self.staff.shown_contact:
            lines.append(f"着急的话可以直接打电话：{self.staff.shown_contact}")
        else:
            lines.append("着急的话，也可以直接去社区服务中心找工作人员。")
        if self.staff.shown_hours:
            lines.append(f"办公时间：{self.staff.shown_hours}")
        return Outcome(self.name, (Reply("\n".join(lines)),), confidence=1.0)

    def resume(self, ctx: Context, conversation: Conversation) -> Outcome | None:
        """Handoff has no multi-step flow."""
        return None
