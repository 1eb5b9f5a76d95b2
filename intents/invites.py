"""Staff invite a volunteer or a colleague with a one-time code ("邀请志愿者", or for one of
their communities "邀请苏辙社区的志愿者"); the invited person sends "邀请码 abcd1234" (or scans
the WeChat QR code made by `linli invite create --qr`)."""

from __future__ import annotations

import datetime as dt
import logging
import re

from sqlmodel import select

from bot.announcements.service import staff_communities
from bot.errors import UserFacingError
from bot.intent import Context
from bot.models import Community, Conversation
from bot.people import invites, names
from bot.types import Outcome, Reply
from intents.guard import staff_only
from intents.phrases import plain

logger = logging.getLogger(__name__)
_INVITE = re.compile(r"^邀请(?:(.{2,12}?)(?:社区)?的)?(志愿者|工作人员|社工)$")
_REDEEM = re.compile(r"^(?:邀请码|加入)([0-9a-f]{8})$")
_ROLES = {"志愿者": "volunteer", "工作人员": "staff", "社工": "staff"}
_NAMES = {"volunteer": "志愿者", "staff": "社区工作人员", "admin": "管理员"}
LIFETIME = dt.timedelta(days=7)


class InvitesIntent:
    """邀请志愿者 / 邀请工作人员 (staff) · 邀请码 XXXXXXXX (anyone)."""

    name = "invites"
    flows: tuple[str, ...] = ()
    staff_examples: tuple[str, ...] = ("邀请志愿者", "邀请工作人员")

    def handle(self, ctx: Context) -> Outcome | None:
        """Make an invite for staff; redeem a code for anyone."""
        text = plain(ctx.text).lower()
        if found := _REDEEM.match(text):
            return self._redeem(ctx, found.group(1))
        found = _INVITE.match(text)
        if found is None:
            return None
        return self._invite(ctx, found)

    @staff_only
    def _invite(self, ctx: Context, found: re.Match[str]) -> Outcome:
        role = _ROLES[found.group(2)]
        community = self._community(ctx, found.group(1))
        if community is None:
            return _say("您不负责这个社区，或者没有这个社区。发“邀请志愿者”邀请到您自己的社区。")
        code = invites.create(
            ctx.session, ctx.now, "role", LIFETIME, role=role, community=community
        )
        logger.info("user %s invited a %s for %r", ctx.user_id, role, community or "district")
        return _say(
            f"邀请码：{code}（7 天内有效，只能用一次）\n"
            f"请对方关注公众号后发“邀请码 {code}”，就成为{self._place(ctx, community)}的"
            f"{_NAMES[role]}了。"
        )

    def resume(self, ctx: Context, conversation: Conversation) -> Outcome | None:
        """No multi-step flow."""
        return None

    def _community(self, ctx: Context, named: str | None) -> str | None:
        """The community named ("邀请苏辙社区的志愿者"), else the inviter's own; None when the
        named one is unknown or outside the inviter's communities."""
        scope = staff_communities(ctx.session, ctx.user_id)
        own = ctx.user.community_id
        if named is None:  # their own community when they may, else their first (or district)
            if scope is None:
                return own or ""
            return own if own in scope else scope[0]
        words = named.removesuffix("社区")
        for community in ctx.session.exec(select(Community)).all():
            if words in (community.id, community.name.removesuffix("社区"), *community.aliases):
                return community.id if scope is None or community.id in scope else None
        return None

    def _redeem(self, ctx: Context, code: str) -> Outcome:
        try:
            invite = invites.redeem_role(ctx.session, code, ctx.user, ctx.now)
        except UserFacingError as exc:
            return _say(str(exc))
        place = self._place(ctx, invite.community_id)
        role = _NAMES.get(invite.role, invite.role)
        welcome = f"欢迎加入！您已成为{place}的{role} 🙌 发“帮助”看看能做什么。"
        if not names.name_of(ctx.session, ctx.user_id):
            welcome += "\n怎么称呼您？发一句“我叫 王小明”，工作人员安排时就能认出您。"
        return _say(welcome)

    def _place(self, ctx: Context, community: str) -> str:
        found = ctx.session.get(Community, community) if community else None
        return found.name if found else "全区"


def _say(text: str) -> Outcome:
    return Outcome("invites", (Reply(text),), confidence=1.0)
