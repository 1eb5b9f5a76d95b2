"""One person, several channels: "绑定" gives a code, "绑定 12345678" in the other channel asks
to join, and "确认绑定" back in the first one joins them; "通知发到微信" chooses where notices
go."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from sqlmodel import select

from bot.errors import UserFacingError
from bot.identity import find_identity
from bot.intent import Context
from bot.models import ChannelIdentity, Conversation
from bot.outbox.notifier import Notifier
from bot.people import invites
from bot.people.models import LinkRequest
from bot.types import Outcome, Reply
from intents.phrases import plain

_ASK = re.compile(r"^(绑定|绑定账号|关联账号|账号绑定)$")
# any run of digits is a try (and counts as one when wrong), whatever its length
_CODE = re.compile(r"^(?:绑定|绑定码)(\d{4,12})$")
_CONFIRM = re.compile(r"^(确认绑定|同意绑定)$")
_DECLINE = re.compile(r"^(不绑定|拒绝绑定|不要绑定|不同意绑定)$")
_PREFER = re.compile(
    r"^(?:通知|提醒|消息)?(?:发到|发给我|发在|用)(微信|telegram|tg|电报)(?:上|里)?$"
)
_CHANNELS = {"微信": "wechat", "telegram": "telegram", "tg": "telegram", "电报": "telegram"}
_LABELS = {"wechat": "微信", "telegram": "Telegram", "console": "终端"}
LIFETIME = dt.timedelta(minutes=10)


class LinkIntent:
    """Links channel identities to one user, once the account's owner confirms; sets the
    preferred channel."""

    name = "link"
    flows: tuple[str, ...] = ()
    staff_examples: tuple[str, ...] = ()

    def __init__(self, notifier: Notifier, movers: Sequence[invites.Mover] = ()):
        self.notifier = notifier
        self.movers = list(movers)  # each domain's rows that follow a linked account

    def handle(self, ctx: Context) -> Outcome | None:
        """Answer "绑定", "绑定 12345678", "确认绑定" / "不绑定" and "通知发到微信"."""
        text = plain(ctx.text)
        if _ASK.match(text):
            code = invites.create(ctx.session, ctx.now, "link", LIFETIME, user_id=ctx.user_id)
            return _say(
                f"您的绑定码：{code}\n在另一个渠道（微信或 Telegram）里发“绑定 {code}”，"
                "再回到这里回复“确认绑定”，两边就是同一个账号了。10 分钟内有效，"
                "请不要把绑定码告诉别人。"
            )
        if found := _CODE.match(text):
            return self._request(ctx, found.group(1))
        if _CONFIRM.match(text):
            return self._decide(ctx, confirm=True)
        if _DECLINE.match(text):
            return self._decide(ctx, confirm=False)
        if found := _PREFER.match(text.lower()):
            return self._prefer(ctx, _CHANNELS[found.group(1)])
        return None

    def _prefer(self, ctx: Context, channel: str) -> Outcome:
        """Send notices through `channel`, if this account can be reached there."""
        label = _LABELS[channel]
        reachable = ctx.session.exec(
            select(ChannelIdentity.id).where(
                ChannelIdentity.user_id == ctx.user_id, ChannelIdentity.channel == channel
            )
        ).first()
        if reachable is None:
            return _say(
                f"您的账号还没有连上{label}，通知没法发过去。先在{label}里找到邻里小助手，"
                f"在这边发“绑定”拿绑定码，再到{label}里发“绑定 绑定码”就行。"
            )
        ctx.user.preferred_channel = channel
        ctx.session.add(ctx.user)
        return _say(f"好的，以后的提醒和通知都发到{label}。")

    def resume(self, ctx: Context, conversation: Conversation) -> Outcome | None:
        """No multi-step flow."""
        return None

    def _request(self, ctx: Context, code: str) -> Outcome:
        identity = find_identity(ctx.session, ctx.incoming.channel, ctx.incoming.user_key)
        assert identity is not None  # the dispatcher created it for this very message
        try:
            request = invites.request_link(ctx.session, code, identity, ctx.now)
        except UserFacingError as exc:
            return _say(str(exc))
        self._ask_owner(ctx, request)
        return _say(
            "收到绑定码 👌 为了账号安全，请回到发“绑定”的那个渠道，回复“确认绑定”，"
            "确认后两边就是同一个账号了。"
        )

    def _ask_owner(self, ctx: Context, request: LinkRequest) -> None:
        where = _LABELS.get(ctx.incoming.channel, ctx.incoming.channel)
        minutes = int(invites.CONFIRM_WITHIN.total_seconds() // 60)
        text = (
            f"有人要把一个{where}账号绑定到您的账号。是您本人在操作的话，请回复“确认绑定”"
            f"（{minutes} 分钟内有效）；不是您的话请回复“不绑定”，对方就拿不到您的账号。"
        )
        key = f"link-request:{request.id}"
        self.notifier.send(ctx.session, request.user_id, "link_request", key, [Reply(text)])

    def _decide(self, ctx: Context, confirm: bool) -> Outcome:
        try:
            if not confirm:
                invites.decline_link(ctx.session, ctx.user_id, ctx.now)
                return _say("好的，没有绑定，对方拿不到您的账号。绑定码请只发在自己的账号里。")
            joined = invites.confirm_link(ctx.session, ctx.user_id, ctx.now, self.movers)
        except UserFacingError as exc:
            return _say(str(exc))
        where = _LABELS.get(joined.channel, joined.channel)
        return _say(f"绑定成功！{where}那边现在也是您的账号了，报名和提醒都通用。")


def _say(text: str) -> Outcome:
    return Outcome("link", (Reply(text),), confidence=1.0)
