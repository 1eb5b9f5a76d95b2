"""What channels send besides text: follows and unfollows, scans of a community QR code,
voice without recognition, pictures, locations. Kind answers, nothing left unanswered."""

from __future__ import annotations

from sqlmodel import select

from bot.errors import UserFacingError
from bot.identity import find_identity
from bot.intent import Context
from bot.models import Community, Conversation
from bot.people import invites
from bot.types import Outcome, Reply
from intents.community import CommunityIntent
from intents.help import HELP_TEXT

NOT_TEXT = "我现在只看得懂文字哦 😊 有什么想问的，直接打字告诉我就行。"
VOICE = "这条语音我没听清，麻烦您打字告诉我，谢谢 🙏"
PHOTO = "收到照片 📷 想反映问题的话，先发“报修”说说是什么问题，再把照片发给我。"
_COMMUNITY_SCENE = "community_"
_INVITE = "invite_"
_ROLE_NAMES = {"volunteer": "志愿者", "staff": "社区工作人员", "admin": "管理员"}


class ChannelEventsIntent:
    """Claims every message that is not plain text (a CLICK with a mapped key is text)."""

    name = "channel_event"
    flows: tuple[str, ...] = ()
    staff_examples: tuple[str, ...] = ()

    def __init__(self, community: CommunityIntent):
        self.community = community

    def handle(self, ctx: Context) -> Outcome | None:
        """Answer follows, unfollows, scans, voice, pictures and locations."""
        kind = ctx.incoming.kind
        if kind in ("text", "event") or (kind == "voice" and ctx.text):
            return None
        if kind == "event:unsubscribe":
            return self._unsubscribe(ctx)
        if kind in ("event:subscribe", "event:scan"):
            return self._welcome(ctx, kind == "event:subscribe")
        if kind == "voice":
            return _say(VOICE)
        if kind == "image":  # kept only inside a report (intents/orders.py): never here
            return _say(PHOTO)
        if kind == "location":
            return _say(
                self._communities(ctx, "收到您的位置！我还不能按位置找社区，您住哪个社区呢？")
            )
        return _say(NOT_TEXT)

    def resume(self, ctx: Context, conversation: Conversation) -> Outcome | None:
        """No multi-step flow."""
        return None

    def _unsubscribe(self, ctx: Context) -> Outcome:
        identity = find_identity(ctx.session, ctx.incoming.channel, ctx.incoming.user_key)
        if identity is not None:
            identity.unsubscribed_at = ctx.now
            ctx.session.add(identity)
        return Outcome(self.name, (), confidence=1.0)  # nobody to answer: WeChat gets "success"

    def _welcome(self, ctx: Context, follow: bool) -> Outcome:
        scene = (ctx.incoming.event_key or "").removeprefix("qrscene_")
        if scene.startswith(_INVITE):
            return self._invited(ctx, scene[len(_INVITE) :])
        community = None
        if scene.startswith(_COMMUNITY_SCENE):
            community = ctx.session.get(Community, scene[len(_COMMUNITY_SCENE) :])
        if community is not None:
            ctx.user.community_id = community.id
            ctx.session.add(ctx.user)
            return _say(f"欢迎！已为您选好{community.name} 🏠\n\n{HELP_TEXT}")
        if not follow:
            return Outcome(self.name, (), confidence=1.0)
        choice = self.community.offer(ctx, "先告诉我您住哪个社区吧，回复数字就行：")
        return Outcome(self.name, (Reply("欢迎关注“邻里”社区小助手！"), *choice.replies), 1.0)

    def _invited(self, ctx: Context, code: str) -> Outcome:
        try:
            invite = invites.redeem_role(ctx.session, code, ctx.user, ctx.now)
        except UserFacingError as exc:
            return _say(f"欢迎！不过{exc}")
        where = ctx.session.get(Community, invite.community_id) if invite.community_id else None
        place = where.name if where else "全区"
        role = _ROLE_NAMES.get(invite.role, invite.role)
        return _say(f"欢迎加入！您已成为{place}的{role} 🙌\n\n{HELP_TEXT}")

    def _communities(self, ctx: Context, opening: str) -> str:
        names = [c.name for c in ctx.session.exec(select(Community)).all()]
        return opening + ("\n" + "、".join(names) if names else "")


def _say(text: str) -> Outcome:
    return Outcome("channel_event", (Reply(text),), confidence=1.0)
