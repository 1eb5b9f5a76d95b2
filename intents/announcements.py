"""Staff compose an announcement in chat, step by step: text, an optional link, which
communities, which residents, the kind, when — then a preview and an explicit "确认". Also
"公告列表", "公告进度 N" and "取消公告 N". Residents who try get a polite refusal."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.announcements import delivery as announcement_delivery
from bot.announcements import service as announcements
from bot.announcements.models import Announcement, Stage
from bot.announcements.service import AnnouncementError, Draft, Target
from bot.config import AnnouncementSettings
from bot.intent import Context
from bot.models import Community, Conversation
from bot.times import parse_when, when
from bot.types import Option, Outcome, Reply
from intents.flow import EXPLICIT_YES, Flow, Step, Words
from intents.guard import audited, staff_only
from intents.phrases import plain

FLOW = "announce"
_START = re.compile(r"^(发公告|发通知公告|发布公告|群发通知|群发公告|写公告)$")
_LIST = re.compile(r"^(公告列表|待发公告|我的公告)$")
_NUMBERED = re.compile(r"^(取消公告|公告进度)(\d{1,6})$")
_SKIP = re.compile(r"^(不用|没有|无|不要|跳过|不需要)[了啊吧]*$")
_AUDIENCES = (("全部居民", ()), ("只发志愿者", ("volunteer",)), ("只发工作人员", ("staff",)))


class AnnouncementsIntent:
    """发公告 (a guided flow) · 公告列表 · 公告进度 N · 取消公告 N — staff and admins only."""

    name = "announcements"
    flows: tuple[str, ...] = (FLOW,)
    staff_examples: tuple[str, ...] = ("发公告", "公告列表", "公告进度1", "取消公告1")

    def __init__(self, settings: AnnouncementSettings, zone: ZoneInfo, timeout: dt.timedelta):
        self.settings, self.zone = settings, zone
        steps: dict[str, Step] = {
            "text": self._text, "link": self._link, "where": self._where, "who": self._who,
            "topic": self._topic, "when": self._when, "confirm": self._confirm,
        }  # fmt: skip
        self.flow = Flow(
            FLOW, timeout, steps, lambda: _say("好的，这条公告不发了。"),
            Words(("确认发送", "发送", "发吧"), ("不发了",), yes=EXPLICIT_YES),
        )  # fmt: skip

    def handle(self, ctx: Context) -> Outcome | None:
        """Start the flow, or run one of the one-line commands."""
        text = plain(ctx.text)
        numbered = _NUMBERED.match(text)
        if not (_START.match(text) or _LIST.match(text) or numbered):
            return None
        return self._command(ctx, text)

    @staff_only
    def _command(self, ctx: Context, text: str) -> Outcome:
        numbered = _NUMBERED.match(text)
        if _LIST.match(text):
            return _say(self._listing(ctx))
        if numbered:
            return _say(self._numbered(ctx, numbered.group(1), int(numbered.group(2))))
        return self._ask(
            ctx,
            {},
            "text",
            f"请发公告内容（{self.settings.max_length} 字以内）。随时回复“算了”可以退出。",
        )

    def resume(self, ctx: Context, pending: Conversation) -> Outcome | None:
        """The answer to the current step; "算了" leaves."""
        return self.flow.resume(ctx, pending)

    def _text(self, ctx: Context, data: dict[str, Any], text: str) -> Outcome:
        if len(text) > self.settings.max_length:
            return _say(
                f"有点长（{len(text)} 字），请精简到 {self.settings.max_length} 字以内再发一次。"
            )
        data["text"] = text
        return self._ask(
            ctx, data, "link", "要附一篇文章链接吗？发链接（http 开头），不用的话回复“不用”。"
        )

    def _link(self, ctx: Context, data: dict[str, Any], text: str) -> Outcome:
        if _SKIP.match(plain(text)):
            data["link"] = ""
        elif announcements.URL.match(text):
            data["link"] = text
        else:
            return _say(
                "这不像一个链接（要以 http:// 或 https:// 开头）。请再发一次，或回复“不用”。"
            )
        return self._ask_where(ctx, data)

    def _ask_where(self, ctx: Context, data: dict[str, Any], note: str = "") -> Outcome:
        scope = announcements.staff_communities(ctx.session, ctx.user_id)
        communities = ctx.session.exec(select(Community).order_by(Community.id)).all()
        choices = [(c.id, c.name) for c in communities if scope is None or c.id in scope]
        if scope is None:
            choices.append(("*", "全区所有社区"))
        data["choices"] = [c for c, _ in choices]
        options = tuple(Option(n, name, key) for n, (key, name) in enumerate(choices, 1))
        question = note + "发给哪个社区？回复数字，几个社区就用空格隔开，如“1 3”。"
        return self._ask(ctx, data, "where", question, options)

    def _where(self, ctx: Context, data: dict[str, Any], text: str) -> Outcome | None:
        picked = _numbers(text, len(data["choices"]))
        if picked is None:
            return _say("请回复列表里的数字，如“1”或“1 3”，或回复“算了”退出。")
        keys = [data["choices"][n - 1] for n in picked]
        data["everyone"] = "*" in keys
        data["communities"] = [] if data["everyone"] else keys
        options = tuple(Option(n, label, label) for n, (label, _) in enumerate(_AUDIENCES, 1))
        question = "发给这些社区的哪些人？回复数字；也可以发“标签 老年人”只发给某类居民。"
        return self._ask(ctx, data, "who", question, options)

    def _who(self, ctx: Context, data: dict[str, Any], text: str) -> Outcome | None:
        tags = re.match(r"^标签[:：\s]*(.+)$", text)
        if tags:
            data["tags"], data["roles"] = re.split(r"[\s,，、]+", tags.group(1).strip()), []
        else:
            picked = _numbers(text, len(_AUDIENCES))
            if picked is None or len(picked) != 1:
                return _say("请回复 1、2 或 3，或发“标签 老年人”。")
            data["roles"], data["tags"] = list(_AUDIENCES[picked[0] - 1][1]), []
        topics = list(self.settings.topics.items())
        data["topics"] = [key for key, _ in topics]
        options = tuple(Option(n, name, key) for n, (key, name) in enumerate(topics, 1))
        return self._ask(
            ctx, data, "topic", "这是哪一类公告？回复数字（居民可以按类别退订）。", options
        )

    def _topic(self, ctx: Context, data: dict[str, Any], text: str) -> Outcome | None:
        picked = _numbers(text, len(data["topics"]))
        if picked is None or len(picked) != 1:
            return _say("请回复一个数字选类别。")
        data["topic"] = data["topics"][picked[0] - 1]
        question = "什么时候发？回复“现在”，或写时间，如“明天 9:00”“12月3日 15:30”。"
        return self._ask(ctx, data, "when", question)

    def _when(self, ctx: Context, data: dict[str, Any], text: str) -> Outcome | None:
        moment = parse_when(text, ctx.now, self.zone)
        if moment is None or moment < ctx.now - dt.timedelta(minutes=1):
            return _say(
                "没看懂这个时间，或者它已经过去了。请回复“现在”，或写“明天 9:00”这样的时间。"
            )
        data["send_at"] = moment.isoformat()
        data["now"] = moment <= ctx.now  # "现在" means when confirmed, however long that takes
        return self._preview(ctx, data)

    def _preview(self, ctx: Context, data: dict[str, Any]) -> Outcome:
        draft = _draft(data)
        reach, out = announcements.estimate(ctx.session, draft.target, draft.topic)
        if reach == 0:  # nothing to confirm: choose again, the text and time are kept
            nobody = "按这样选，一个人也发不到（没有这类居民，或都已退订）。请换个范围。\n"
            return self._ask_where(ctx, data, nobody)
        shown = Announcement(
            text=draft.text,
            link=draft.link,
            topic=draft.topic,
            send_at=draft.send_at,
            created_at=ctx.now,
        )
        moment = "现在" if draft.send_at <= ctx.now else self._moment(draft.send_at, ctx.now)
        skipped = f"，{out} 人已退订不发" if out else ""
        lines = [
            "请确认这条公告。居民将看到：", "————————",
            announcement_delivery.text_of(shown, self.settings.topics[draft.topic]), "————————",
            f"发给：{self._describe(ctx, draft.target)}（约 {reach} 人{skipped}）",
            f"时间：{moment}",
            "没问题请回复“确认”；要改就回复“算了”重新发起。",
        ]  # fmt: skip
        return self._ask(ctx, data, "confirm", "\n".join(lines))

    def _confirm(self, ctx: Context, data: dict[str, Any], text: str) -> Outcome | None:
        if not self.flow.says_yes(text):
            return _say("请回复“确认”发送，或回复“算了”不发。")
        draft = _draft(data)
        if data.get("now"):
            draft = dataclasses.replace(draft, send_at=ctx.now)
        elif draft.send_at < ctx.now - dt.timedelta(minutes=1):  # the time passed meanwhile
            question = "刚才选的发送时间已经过了。请重新回复时间：“现在”，或“明天 9:00”这样的时间。"
            return self._ask(ctx, data, "when", question)
        self.flow.leave(ctx)
        try:
            found = announcements.create(ctx.session, draft, ctx.user_id, ctx.now, self.settings)
        except AnnouncementError as exc:
            return _say(f"{exc}\n这条没有发出，请发“发公告”重新开始。")
        audited(
            ctx, "announcements:create", f"announcement:{found.id}",
            {"send_at": found.send_at.isoformat(), "text": found.text[:200]},
        )  # fmt: skip
        moment = "马上" if found.send_at <= ctx.now else self._moment(found.send_at, ctx.now)
        return _say(
            f"✅ 公告 #{found.id} 已安排，{moment}发送。发完会把送达情况发给您；"
            f"发“公告进度 {found.id}”随时查看，发出前可以发“取消公告 {found.id}”。"
        )

    def _moment(self, moment: dt.datetime, now: dt.datetime) -> str:
        """The time as staff read it, with the year when it is not this year's."""
        year = moment.astimezone(self.zone).year
        shown = when(moment, self.zone)
        return shown if year == now.astimezone(self.zone).year else f"{year}年{shown}"

    def _listing(self, ctx: Context) -> str:
        found = announcements.listed(ctx.session, ctx.user_id)
        lines = [
            f"#{a.id} {Stage.label_of(a.status)} {when(a.send_at, self.zone)} {a.text[:16]}"
            for a in found
        ]
        return (
            "\n".join(["您的公告（新的在前）：", *lines])
            if lines
            else "还没有公告。发“发公告”写一条。"
        )

    def _numbered(self, ctx: Context, command: str, number: int) -> str:
        try:
            if command == "取消公告":
                announcements.cancel(ctx.session, number, ctx.user_id, ctx.now)
                return f"公告 #{number} 已取消，不会发出。"
            found = ctx.session.get(Announcement, number)
            if found is not None and not announcements.may_manage(ctx.session, found, ctx.user_id):
                raise AnnouncementError("这条公告不是您负责的。")
            return announcement_delivery.report_text(
                announcement_delivery.progress(ctx.session, number)
            )
        except AnnouncementError as exc:
            return str(exc)

    def _describe(self, ctx: Context, target: Target) -> str:
        names = {c.id: c.name for c in ctx.session.exec(select(Community)).all()}
        where = (
            "全区" if target.everyone else "、".join(names.get(c, c) for c in target.communities)
        )
        if target.tags:
            return f"{where}标签为“{'、'.join(target.tags)}”的居民"
        who = {"volunteer": "的志愿者", "staff": "的工作人员"}
        return where + (who.get(target.roles[0], "") if target.roles else "的全部居民")

    def _ask(
        self, ctx: Context, data: dict[str, Any], step: str, question: str,
        options: tuple[Option, ...] = (),
    ) -> Outcome:  # fmt: skip
        self.flow.ask(ctx, data, step)
        return Outcome(self.name, (Reply(question, options),), confidence=1.0, suggestions=options)


def _draft(data: dict[str, Any]) -> Draft:
    target = Target(
        tuple(data.get("communities", [])), tuple(data.get("roles", [])),
        tuple(data.get("tags", [])), bool(data.get("everyone")),
    )  # fmt: skip
    send_at = dt.datetime.fromisoformat(str(data["send_at"]))
    return Draft(str(data["text"]), target, send_at, str(data.get("link", "")), str(data["topic"]))


def _numbers(text: str, most: int) -> list[int] | None:
    parts = [p for p in re.split(r"[\s,，、]+", text.strip()) if p]
    if not parts or not all(p.isdigit() and 1 <= int(p) <= most for p in parts):
        return None
    return sorted({int(p) for p in parts})


def _say(text: str) -> Outcome:
    return Outcome("announcements", (Reply(text),), confidence=1.0)
