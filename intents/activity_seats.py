"""A resident's seat: cancelling a sign-up (asked first when no number was given) and claiming
a seat freed from the waitlist, from any yes while the offer is live."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from bot import conversation
from bot.activities import service as activities
from bot.activities.messages import OFFER_FLOW
from bot.activities.models import Activity, Registration, Seat
from bot.activities.service import ActivityError
from bot.config import ActivitySettings
from bot.intent import Context
from bot.models import Conversation
from bot.outbox.notifier import Notifier
from bot.times import span, when
from bot.types import Outcome, Reply
from intents.flow import EXPLICIT_YES, Flow, Words
from intents.phrases import plain

CANCEL_FLOW = "activity_cancel"
# cancelling gives the seat away at once: only an explicit word; "算了"/"不取消" keep it
_CANCEL_WORDS = Words(yes=EXPLICIT_YES, leave_also=("不取消", "不了", "不", "不要", "保留"))
_CLAIM = Words(yes_also=("要", "要的", "我要", "保留", "对", "对的"))  # a yes to a seat
_NUMBERED = re.compile(r"^(?P<words>\D+?)\s*(?:第)?(?P<number>\d{1,6})\s*(?:号)?(?:活动)?$")


class CancelForm:
    """Cancels a registration; "取消报名" with no number first shows what it would cancel."""

    def __init__(
        self, zone: ZoneInfo, timeout: dt.timedelta, notifier: Notifier,
        settings: ActivitySettings,
    ):  # fmt: skip
        self.zone = zone
        self.notifier = notifier
        self.settings = settings
        self.flow = Flow(CANCEL_FLOW, timeout, words=_CANCEL_WORDS)

    def ask(self, ctx: Context, registration: Registration, activity: Activity) -> Outcome:
        """Show the registration that would be cancelled and wait for an explicit "确认"."""
        if activities.too_late_to_cancel(registration, activity, ctx.now):
            raise ActivityError(activities.TOO_LATE_TO_CANCEL)  # no "确认" that would fail
        party = f"，{registration.party} 位" if registration.party > 1 else ""
        waiting = "（候补）" if registration.status == Seat.WAITLISTED else ""
        self.flow.ask(ctx, {"registration": registration.id}, "confirm")
        return _say(
            f"要取消这个报名吗？\n【{activity.id}】{activity.title}{waiting}\n"
            f"时间：{span(activity.starts_at, activity.ends_at, self.zone)}{party}\n"
            "确定取消请回复“确认”；不取消回复“算了”。",
            "cancel",
        )

    def resume(self, ctx: Context, pending: Conversation) -> Outcome | None:
        """ "确认" cancels; "算了" keeps the sign-up; anything else is not an answer."""
        text = plain(ctx.text)
        registration = ctx.session.get(Registration, pending.data.get("registration", 0))
        if registration is None or (self.flow.says_leave(text) and text != "取消"):
            self.flow.leave(ctx)
            return _say("好的，报名保留着，没有取消 😊", "cancel")
        if self.flow.says_yes(text):
            return self.cancel(ctx, registration)
        if text in ("取消", "取消报名") or _CLAIM.says_yes(text):  # "好的": not explicit enough
            return _say("确定取消请回复“确认”；不取消回复“算了”。", "cancel")
        return None

    def cancel(self, ctx: Context, registration: Registration) -> Outcome:
        """Cancel now (the seat goes to the waitlist) and say so."""
        activities.cancel_registration(
            ctx.session, registration, ctx.now, self.notifier, self.settings
        )
        self.flow.leave(ctx)
        found = activities.activity(ctx.session, registration.activity_id)
        return _say(f"已取消【{found.title}】的报名。想再参加可以重新报名。", "cancel")


class SeatOfferIntent:
    """A yes to a seat held for the resident ("确认", "确认 9", "好的", "要"), whatever was
    said since the offer: while the offer is live it is looked up, not only remembered.
    Tried before small talk, so "好的" takes the seat rather than a polite reply."""

    name = "seat_offer"
    flows: tuple[str, ...] = (OFFER_FLOW,)
    staff_examples: tuple[str, ...] = ()

    def __init__(self, zone: ZoneInfo):
        self.zone = zone

    def handle(self, ctx: Context) -> Outcome | None:
        """Claim the live offer the yes is about; None when the message is no such yes."""
        said = _claim_words(plain(ctx.text))
        if said is None:
            return None
        offers = activities.live_offers(ctx.session, ctx.user_id, ctx.now)
        if said:  # "确认 9": the offer for activity 9
            offers = [(r, a) for r, a in offers if a.id == said]
        if not offers:
            return None
        if len(offers) > 1:
            lines = ["给您留了几个名额，请回复“确认 编号”选一个："]
            lines += [f"【{a.id}】{a.title}｜{when(a.starts_at, self.zone)}" for _, a in offers]
            return _say("\n".join(lines), "claim")
        return self._claim(ctx, offers[0][0])

    def resume(self, ctx: Context, pending: Conversation) -> Outcome | None:
        """A yes to the offer just sent (even one that expired: they are told so)."""
        registration = ctx.session.get(Registration, pending.data.get("registration", 0))
        if registration is None or _claim_words(plain(ctx.text)) is None:
            return None
        try:
            return self._claim(ctx, registration)
        except ActivityError as exc:
            conversation.finish(ctx.session, ctx.user_id)
            return _say(str(exc), "claim")

    def _claim(self, ctx: Context, registration: Registration) -> Outcome:
        activities.claim_offer(ctx.session, registration, ctx.now)
        conversation.finish(ctx.session, ctx.user_id)
        found = activities.activity(ctx.session, registration.activity_id)
        time = span(found.starts_at, found.ends_at, self.zone)
        return _say(
            f"✅ 名额保留好了！【{found.title}】\n时间：{time}\n地点：{found.place}", "claim"
        )


def _claim_words(text: str) -> int | None:
    """0 for a bare yes, the activity number for "确认 9", None for anything else."""
    if _CLAIM.says_yes(text):
        return 0
    found = _NUMBERED.match(text)
    if found and _CLAIM.says_yes(found.group("words").strip()):
        return int(found.group("number"))
    return None


def _say(text: str, intent: str) -> Outcome:
    return Outcome(intent, (Reply(text),), confidence=1.0)
