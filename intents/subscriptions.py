"""Which announcements a resident gets: "退订" stops them all, "订阅" brings them back,
"通知设置" turns single kinds on and off. Reminders of what one signed up for always come."""

from __future__ import annotations

import datetime as dt
import re

from sqlmodel import select

from bot import conversation
from bot.announcements.delivery import withdraw
from bot.announcements.models import NoticeOptOut
from bot.announcements.service import ALL_TOPICS
from bot.config import AnnouncementSettings
from bot.intent import Context
from bot.models import Conversation
from bot.types import Option, Outcome, Reply
from intents.phrases import plain

FLOW = "notice_settings"
_STOP = re.compile(
    r"^(退订|退订通知|退订公告|取消订阅|不要通知了?|不想收通知了?|别发了|td|t|"
    r"别(再)?给我发(消息|通知|公告)了?|不要(再)?(推送|发)(消息|通知|公告)?了?|"
    r"不想(再)?收(到)?(消息|通知|公告)了?|关(掉|闭)(通知|推送))$"
)
_RESUME = re.compile(r"^(订阅|订阅通知|订阅公告|恢复通知|重新订阅|恢复订阅)$")
_SETTINGS = re.compile(
    r"^(通知设置|公告设置|订阅设置|设置通知|设置一下通知|(怎么|如何)设置通知|通知设置在哪(里)?|"
    r"我想(只)?收(哪些|些)?通知|选(一下)?通知)$"
)
# notice settings asked in a sentence ("社区通知我不想收了，咋个关", "公告太多了能少点不"):
# the settings are shown, so the resident chooses what stops (reminders are not notices)
_NOTICE_WORDS = re.compile(r"通知|公告|推送|消息")
_SETTINGS_SAID = re.compile(
    r"不想(再)?收|(不要|别)(再)?(给我)?(发|推)|不收|只(想)?(看|收|要)|频繁|关掉|关了|关闭|关上|(怎么|咋个?|如何)关|"
    r"退订|取消订阅|太多了?|少(点|一点|发)|(想|要)(要)?收|接收|订阅|不要了|不想要"
)
_SAID_MAX = 30
_DONE = re.compile(r"^(好了|好|完成|可以了|就这样|结束|退出|算了)[啊吧了呀]*$")
STOPPED = (
    "已为您退订社区公告，以后不再推送 🙏 您报名的活动、接的班次，提醒照常发。想再收到，回复“订阅”。"
)


class SubscriptionsIntent:
    """退订 · 订阅 · 通知设置 (numbered kinds, toggled by number)."""

    name = "subscriptions"
    flows: tuple[str, ...] = (FLOW,)
    staff_examples: tuple[str, ...] = ()

    def __init__(self, settings: AnnouncementSettings, timeout: dt.timedelta):
        self.settings, self.timeout = settings, timeout

    def handle(self, ctx: Context) -> Outcome | None:
        """Answer 退订, 订阅 and 通知设置."""
        text = plain(ctx.text).lower()
        if _STOP.match(text):
            self._set(ctx, ALL_TOPICS, muted=True)
            return _say(STOPPED)
        if _RESUME.match(text):
            for row in self._muted(ctx):
                ctx.session.delete(row)
            return _say("已恢复！社区公告会照常发给您 😊 发“通知设置”可以只选想看的类别。")
        if _SETTINGS.match(text) or _settings_said(text):
            return self._show(ctx, "您现在收到的公告类别：")
        return None

    def resume(self, ctx: Context, pending: Conversation) -> Outcome | None:
        """A number toggles that kind; "好了" ends."""
        text = plain(ctx.text)
        if _DONE.match(text):
            conversation.finish(ctx.session, ctx.user_id)
            return _say("好的，设置已保存。")
        topics = list(self.settings.topics)
        if not (text.isdigit() and 1 <= int(text) <= len(topics) + 1):
            return None
        if int(text) == len(topics) + 1:
            everything = not self._off(ctx)
            for topic in [ALL_TOPICS, *topics]:
                self._set(ctx, topic, muted=everything and topic == ALL_TOPICS)
            return self._show(ctx, "已全部关闭：" if everything else "已全部打开：")
        topic = topics[int(text) - 1]
        off = self._off(ctx)
        if ALL_TOPICS in off:  # after "退订" every kind shows off: turn on just this one
            for other in topics:
                self._set(ctx, other, muted=other != topic)
            self._set(ctx, ALL_TOPICS, muted=False)
        else:
            self._set(ctx, topic, muted=topic not in off)
        return self._show(ctx, "已更新：")

    def _show(self, ctx: Context, opening: str) -> Outcome:
        off = self._off(ctx)
        stopped = ALL_TOPICS in off
        options = [
            Option(n, f"{'🚫' if stopped or key in off else '✅'} {name}", key)
            for n, (key, name) in enumerate(self.settings.topics.items(), 1)
        ]
        everything = "全部打开" if off else "全部关闭"
        options.append(Option(len(options) + 1, everything, "*"))
        conversation.start(ctx.session, ctx.user_id, FLOW, {}, ctx.now + self.timeout)
        note = "回复数字切换开关，设好了回复“好了”。活动和班次提醒不受影响。"
        reply = Reply(opening, tuple(options), note)
        return Outcome(self.name, (reply,), confidence=1.0, suggestions=tuple(options))

    def _muted(self, ctx: Context) -> list[NoticeOptOut]:
        statement = select(NoticeOptOut).where(NoticeOptOut.user_id == ctx.user_id)
        return list(ctx.session.exec(statement).all())

    def _off(self, ctx: Context) -> set[str]:
        return {row.topic for row in self._muted(ctx)}

    def _set(self, ctx: Context, topic: str, muted: bool) -> None:
        row = ctx.session.get(NoticeOptOut, (ctx.user_id, topic))
        if muted and row is None:
            ctx.session.add(NoticeOptOut(user_id=ctx.user_id, topic=topic, created_at=ctx.now))
            withdraw(ctx.session, ctx.user_id, topic)  # nothing more of it, not even queued
        elif not muted and row is not None:
            ctx.session.delete(row)
        ctx.session.flush()


def _settings_said(text: str) -> bool:
    """Notice settings asked in the resident's words; a reminder or a question about who
    sends the notices is not."""
    if len(text) > _SAID_MAX or "提醒" in text or not _NOTICE_WORDS.search(text):
        return False
    return bool(_SETTINGS_SAID.search(text))


def _say(text: str) -> Outcome:
    return Outcome("subscriptions", (Reply(text),), confidence=1.0)
