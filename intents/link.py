"""One person, several channels: "绑定" gives a code, "绑定 123456" in the other channel joins
them; "通知发到微信" chooses where notices go."""

from __future__ import annotations

import datetime as dt
import re

from bot import invites
from bot.errors import UserFacingError
from bot.identity import find_identity
from bot.intent import Context
from bot.models import Conversation
from bot.types import Outcome, Reply
from intents.phrases import plain

_ASK = re.compile(r"^(绑定|绑定账号|关联账号|账号绑定)$")
_CODE = re.compile(r"^(?:绑定|绑定码)(\d{6})$")
_PREFER = re.compile(
    r"^(?:通知|提醒|消息)?(?:发到|发给我|发在|用)(微信|telegram|tg|电报)(?:上|里)?$"
)
_CHANNELS = {"微信": "wechat", "telegram": "telegram", "tg": "telegram", "电报": "telegram"}
LIFETIME = dt.timedelta(minutes=10)


class LinkIntent:
    """Links channel identities to one user, and sets the preferred channel."""

    name = "link"
    flows: tuple[str, ...] = ()

    def handle(self, ctx: Context) -> Outcome | None:
        """Answer "绑定", "绑定 123456" and "通知发到微信"."""
        text = plain(ctx.text)
        if _ASK.match(text):
            code = invites.create(ctx.session, ctx.now, "link", LIFETIME, user_id=ctx.user_id)
            return _say(
                f"您的绑定码：{code}\n在另一个渠道（微信或 Telegram）里发“绑定 {code}”，"
                "两边就是同一个账号了。10 分钟内有效。"
            )
        if found := _CODE.match(text):
            return self._link(ctx, found.group(1))
        if found := _PREFER.match(text.lower()):
            ctx.user.preferred_channel = _CHANNELS[found.group(1)]
            ctx.session.add(ctx.user)
            return _say(f"好的，以后的提醒和通知都发到{found.group(1)}。")
        return None

    def resume(self, ctx: Context, conversation: Conversation) -> Outcome | None:
        """No multi-step flow."""
        return None

    def _link(self, ctx: Context, code: str) -> Outcome:
        identity = find_identity(ctx.session, ctx.incoming.channel, ctx.incoming.user_key)
        assert identity is not None  # the dispatcher created it for this very message
        try:
            invites.link(ctx.session, code, identity, ctx.now)
        except UserFacingError as exc:
            return _say(str(exc))
        return _say("绑定成功！两个渠道现在是同一个账号，报名和提醒都通用。")


def _say(text: str) -> Outcome:
    return Outcome("link", (Reply(text),), confidence=1.0)
