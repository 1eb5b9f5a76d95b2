"""Work orders (生活小事) in chat. Residents: "报修", "我要反映个问题" or the problem in their
own words ("楼道灯坏了好几天了") start a short form — category (suggested from the words),
description, place (words or a WeChat location), photos at any step, a duplicate check
("已经有人反映过了…要不要一起关注进度？"), a summary, "确认" — and "我的反映" lists their
reports; "解决了" / "没解决" (or with the number) answer the question a resolved order asks,
then "满意吗？" takes 1–5, "评价 N 5" later. What staff and volunteers say about orders is
intents/order_desk.py."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from bot.config import OrderSettings
from bot.intent import Context
from bot.models import Community, Conversation
from bot.orders import duplicates, followup, messages
from bot.orders import service as orders
from bot.orders.categories import FALLBACK, Category, named, suggest
from bot.orders.deadlines import Deadlines
from bot.orders.models import OPEN, PHOTOS_MAX, PLACE_MAX, OrderState, WorkOrder
from bot.orders.service import OrderError, Photo, Report
from bot.outbox.notifier import Notifier
from bot.types import Option, Outcome, Reply
from intents.flow import EXPLICIT_YES, Flow, Step, Words
from intents.phrases import plain

FLOW = "work_order"
RATING_FLOW = "work_order_rating"
_START = re.compile(
    r"^(我要|我想|帮我)?(报修|报个修|反映(个|一个|一下)?问题|反映个事|反映情况|提个问题|投诉|"
    r"投诉一下|投诉个事)$"
)
# a problem told in a sentence: "楼道灯坏了好几天了", "小区门口垃圾好久没人收"
_PROBLEM = re.compile(
    r"坏了|坏掉|不亮|不能用|用不了|没人管|没人收|没人修|没人处理|好几天|好久|漏水|堵了|堵住|"
    r"太吵|吵得|扰民|乱扔|乱堆|乱停|破了|松了|松动|掉了|塌了|有隐患|很危险|太脏|好臭|"
    r"臭得很|臭死了|臭烘烘|发臭|脏得很|脏死了|横流|到处流|冒水|积水|渗水|不见了|一直闪|闪个不停"
)
_QUESTION = re.compile(r"[?？]|吗|怎么|咋|如何|谁|哪|什么|啥|为什么|能不能|可不可以|是不是")
_SAID_MAX = 60  # a longer message is more than a report in passing: the matcher's
_MINE = re.compile(r"^(我的反映|我反映的问题|我的报修|我的工单|反映进度|报修进度)$")
# the resident's own report, asked after in a sentence: "我提交的那个投诉有进展没"
_MINE_SAID = re.compile(
    r"^(我|我们)?(上次|上回|之前|前几天|前天|昨天)?(提交|反映|投诉|报修|报|提|反馈)(的|了|过)?.{0,8}"
    r"(进展|进度|结果|回复|回音|有人管|有人修|有人处理|处理得?(怎么样|咋样|如何)|怎么样了|咋样了|"
    r"到哪一步|到哪了|修(好)?了?(没有|没|吗))"
)
_MINE_MAX = 30
_CONFIRM = re.compile(r"^(已解决|解决了|确认解决|已经解决了?)\s*(\d{1,9})?$")
_REOPEN = re.compile(
    r"^(没解决|没有解决|还没解决|未解决|没修好|还是坏的)\s*(\d{1,9})?\s*(.*)$", re.S
)
_RATE = re.compile(r"^(评价|打分)\s*(\d{1,9})\s+([1-5])\s*分?$")
_FOLLOW = Words(yes_also=("关注", "一起关注", "好", "好的", "要", "可以"))
_FILE_ANYWAY = re.compile(r"^(单独提交|仍要提交|还是提交|提交|不是一回事|不一样|不用|不要|不)$")
_GUESS_RIGHT = Words(yes_also=("对", "对的", "没错", "就是", "是这个"))
_NONE = re.compile(r"^(不知道|不清楚|跳过|不用|无|没有)[了啊吧]*$")


class OrdersIntent:
    """Report a problem and follow it; staff and volunteers take and close orders."""

    name = "orders"
    flows: tuple[str, ...] = (FLOW, RATING_FLOW)
    staff_examples: tuple[str, ...] = (
        "工单", "工单 1", "接单 1", "办结 1 已更换灯泡", "不受理 1 不归社区管", "转派 1 给 2",
        "备注 1 已联系",
    )  # fmt: skip

    def __init__(
        self,
        categories: tuple[Category, ...],
        timeout: dt.timedelta,
        notifier: Notifier,
        *,
        settings: OrderSettings | None = None,
        deadlines: Deadlines | None = None,
    ):
        self.categories, self.notifier = categories, notifier
        self.settings, self.deadlines = settings or OrderSettings(), deadlines or Deadlines()
        steps: dict[str, Step] = {
            "category": self._category, "description": self._description,
            "place": self._place, "duplicate": self._duplicate, "confirm": self._confirm,
        }  # fmt: skip
        self.flow = Flow(
            FLOW, timeout, steps, lambda: _say("好的，这个问题先不报了。需要时再发“报修”。"),
            Words(("确认提交", "提交"), ("不报了",), yes=EXPLICIT_YES),
        )  # fmt: skip
        self.rating = Flow(RATING_FLOW, timeout, {"rating": self._rated})

    def handle(self, ctx: Context) -> Outcome | None:
        """Claim the commands above and problems told in a sentence."""
        text, raw = plain(ctx.text), ctx.text
        try:
            if _MINE.match(text) or _asks_after_mine(text):
                return self._mine(ctx)
            if _CONFIRM.match(raw) or _REOPEN.match(raw):
                return self._answer(ctx)
            if _RATE.match(raw):
                return self._rate_later(ctx)
        except OrderError as exc:
            return _say(str(exc))
        if _START.match(text):
            return self._begin(ctx, {})
        guess = suggest(text, self.categories)
        if guess is not None and _said_a_problem(raw, text):
            return self._begin(ctx, {"description": raw.strip()}, guess)
        return None

    def resume(self, ctx: Context, pending: Conversation) -> Outcome | None:
        """The answer to the current step ("算了" leaves); a photo or a location joins the
        report at any step; the rating takes a digit, anything else goes its own way."""
        if pending.flow == RATING_FLOW:
            return self.rating.resume(ctx, pending)
        if ctx.incoming.attachment is not None and ctx.incoming.kind in ("image", "location"):
            return self._attached(ctx, dict(pending.data))
        return self.flow.resume(ctx, pending)

    def _attached(self, ctx: Context, data: dict[str, Any]) -> Outcome:
        """A photo (its reference only) or a location, kept in the form's data."""
        got = ctx.incoming.attachment
        assert got is not None  # resume() checked it
        if ctx.incoming.kind == "image":
            photos = list(data.get("photos", []))
            if len(photos) >= PHOTOS_MAX:
                return _say(f"照片最多 {PHOTOS_MAX} 张，已经够了。{data.get('asked', '')}")
            photos.append(
                {"channel": ctx.incoming.channel, "media_id": got.media_id, "url": got.url}
            )
            data["photos"] = photos
            said = f"收到照片（共 {len(photos)} 张）。"
        else:
            data["latitude"], data["longitude"] = got.latitude, got.longitude
            label = (got.label or "").strip()[:PLACE_MAX]
            said = f"收到位置：{label or '已定位'}。"
            if data.get("step") == "place":
                return self._place(ctx, data, label or "（定位）", said)
            if label and not data.get("place"):
                data["place"] = label
        self.flow.ask(ctx, data)
        return _say(f"{said}{data.get('asked', '')}")

    def _begin(self, ctx: Context, data: dict[str, Any], guess: Category | None = None) -> Outcome:
        if not ctx.user.community_id:
            return _say("想帮您报给社区，先告诉我您住在哪个社区吧：发“选社区”。")
        names = [c.name for c in self.categories]
        options = tuple(Option(n, name, name) for n, name in enumerate(names, 1))
        if guess is not None and guess.name != FALLBACK:
            data["guess"] = guess.name
            question = (
                f"好的，帮您报给社区。这是“{guess.name}”方面的问题吗？"
                "回复“是”，或回复数字选别的类别："
            )
        else:
            question = "好的，帮您报给社区。是哪一类问题？回复数字（随时回复“算了”可以退出）："
        self.flow.ask(ctx, {**data, "asked": Reply(question, options).as_text()}, "category")
        return Outcome(self.name, (Reply(question, options),), confidence=1.0)

    def _category(self, ctx: Context, data: dict[str, Any], text: str) -> Outcome:
        picked = self._picked(text, data.get("guess"))
        if picked is None:
            return _say(f"请回复 1 到 {len(self.categories)} 的数字选类别，或回复“算了”退出。")
        data["category"] = picked
        if data.get("description"):
            return self._ask(ctx, data, "place", _PLACE_QUESTION)
        return self._ask(ctx, data, "description", "请简单说说是什么问题（500 字以内）。")

    def _picked(self, text: str, guess: str | None) -> str | None:
        names = [c.name for c in self.categories]
        said = plain(text)
        if guess and _GUESS_RIGHT.says_yes(text):
            return guess
        if said.isdigit() and 1 <= int(said) <= len(names):
            return names[int(said) - 1]
        return said if said in names else None

    def _description(self, ctx: Context, data: dict[str, Any], text: str) -> Outcome:
        try:
            data["description"] = orders.check_description(text)
        except OrderError as exc:
            return _say(str(exc))
        return self._ask(ctx, data, "place", _PLACE_QUESTION)

    def _place(self, ctx: Context, data: dict[str, Any], text: str, said: str = "") -> Outcome:
        try:
            data["place"] = "" if _NONE.match(plain(text)) else orders.check_place(text)
        except OrderError as exc:
            return _say(str(exc))
        same = self._same_problem(ctx, data)
        if same is not None and same.resident_id == ctx.user_id:
            self.flow.leave(ctx)
            return _say(said + messages.duplicate_offer(same, own=True))
        if same is not None:
            data["same"] = same.id
            return self._ask(
                ctx, data, "duplicate", said + messages.duplicate_offer(same, own=False)
            )
        return self._ask(ctx, data, "confirm", said + self._summary(ctx, data))

    def _same_problem(self, ctx: Context, data: dict[str, Any]) -> WorkOrder | None:
        lat, lon = data.get("latitude"), data.get("longitude")
        point = (float(lat), float(lon)) if lat is not None and lon is not None else None
        return duplicates.same_problem(
            ctx.session, ctx.user.community_id or "", data["category"], data.get("place", ""),
            point, self.settings.duplicate_radius_m, self.settings.duplicate_place_score,
        )  # fmt: skip

    def _duplicate(self, ctx: Context, data: dict[str, Any], text: str) -> Outcome:
        if _FILE_ANYWAY.match(plain(text)):
            return self._ask(ctx, data, "confirm", self._summary(ctx, data))
        if not _FOLLOW.says_yes(text):
            return _say("回复“关注”一起关注进度，或回复“单独提交”照样提交。")
        self.flow.leave(ctx)
        order = ctx.session.get(WorkOrder, int(data["same"]))
        if order is None or order.state not in (*OPEN, OrderState.RESOLVED):
            return self._ask(ctx, data, "confirm", "那件已经办完了。" + self._summary(ctx, data))
        followup.follow(ctx.session, order, ctx.user_id, ctx.now)
        return _say(f"好的，已为您关注编号 {order.id}，每有进展都会通知您。谢谢您的反映！")

    def _summary(self, ctx: Context, data: dict[str, Any]) -> str:
        community = ctx.session.get(Community, ctx.user.community_id or "")
        extras = ""
        if data.get("latitude") is not None:
            extras += "位置：已发送定位\n"
        if data.get("photos"):
            extras += f"照片：{len(data['photos'])} 张\n"
        return (
            f"请核对：\n类别：{data['category']}\n问题：{data['description']}\n"
            f"地点：{data['place'] or '（没有写）'}\n{extras}"
            f"社区：{community.name if community else '—'}\n"
            "没问题请回复“确认”，要改请回复“算了”重新报。"
        )

    def _confirm(self, ctx: Context, data: dict[str, Any], text: str) -> Outcome:
        if not self.flow.says_yes(text):
            return _say("回复“确认”提交，或回复“算了”不报了。")
        self.flow.leave(ctx)
        photos = tuple(Photo(**p) for p in data.get("photos", []))
        report = Report(
            data["category"], data["description"], data.get("place", ""),
            data.get("latitude"), data.get("longitude"), photos,
        )  # fmt: skip
        try:
            order = orders.submit(
                ctx.session, ctx.user_id, ctx.user.community_id, report, self.categories,
                ctx.now, self.deadlines,
            )  # fmt: skip
        except OrderError as exc:
            return _say(str(exc))
        limits = named(order.category, self.categories)
        assert limits is not None  # submit() checked it
        return _say(
            f"已提交，编号 {order.id}。这类问题社区一般 {limits.respond_hours} 小时内响应、"
            f"{limits.resolve_days} 天内办好，每一步都会通知您；发“我的反映”可以查看进度。"
        )

    def _ask(self, ctx: Context, data: dict[str, Any], step: str, question: str) -> Outcome:
        self.flow.ask(ctx, {**data, "asked": question.split("。")[-1] or question}, step)
        return _say(question)

    def _mine(self, ctx: Context) -> Outcome:
        found = orders.reported_by(ctx.session, ctx.user_id)
        followed = orders.followed_by(ctx.session, ctx.user_id)
        if not found and not followed:
            return _say("您还没有反映过问题。遇到路灯不亮、垃圾没人收这类小事，发“报修”就行。")
        parts = (
            ["您反映的问题：\n" + "\n".join(messages.line(o) for o in found[:10])] if found else []
        )
        if followed:  # someone else's report: its heading only, never their words
            parts.append("您关注的问题：\n" + "\n".join(messages.heading(o) for o in followed[:10]))
        return _say("\n".join(parts))

    def _answer(self, ctx: Context) -> Outcome | None:
        """回访: "解决了" closes and asks for a rating; "没解决" reopens (within the window)."""
        confirmed, reopened = _CONFIRM.match(ctx.text), _REOPEN.match(ctx.text)
        said = confirmed or reopened
        assert said is not None  # handle() matched one of the two
        number = int(said.group(2)) if said.group(2) else self._awaiting(ctx, reopened is not None)
        if number is None:
            return None  # "解决了" with no order waiting: not about an order
        if confirmed:
            orders.confirm(ctx.session, self.notifier, number, ctx.user_id, ctx.now)
            self.rating.ask(ctx, {"order": number}, "rating")
            return _say(messages.ask_rating(number))
        within = dt.timedelta(days=self.settings.reopen_days)
        note = reopened.group(3) if reopened else ""
        orders.reopen(ctx.session, self.notifier, number, ctx.user_id, note, ctx.now, within)
        return _say(f"收到，编号 {number} 已重新交给负责人处理，有进展会通知您。")

    def _awaiting(self, ctx: Context, reopening: bool) -> int | None:
        """The one order of the resident's waiting for their word (to reopen: or closed
        within the window); None when there is none or several (then asked for the number)."""
        within = dt.timedelta(days=self.settings.reopen_days)
        waiting = [
            o.id for o in orders.reported_by(ctx.session, ctx.user_id)
            if o.state == OrderState.RESOLVED or (
                reopening and o.state == OrderState.CLOSED and o.closed_at is not None
                and ctx.now - o.closed_at <= within
            )
        ]  # fmt: skip
        if len(waiting) > 1:
            raise OrderError(
                f"您有 {len(waiting)} 个问题在等确认，请加上编号，如“解决了 {waiting[0]}”。"
            )
        return waiting[0] if waiting else None

    def _rated(self, ctx: Context, data: dict[str, Any], text: str) -> Outcome | None:
        said = plain(text).rstrip("分")
        if not (said.isdigit() and 1 <= int(said) <= orders.RATING_MAX):
            return None  # not a rating: the message goes its own way
        self.rating.leave(ctx)
        followup.rate(ctx.session, int(data["order"]), ctx.user_id, int(said))
        return _say("谢谢您的评价！有新的问题随时发“报修”。")

    def _rate_later(self, ctx: Context) -> Outcome:
        found = _RATE.match(ctx.text)
        assert found is not None  # handle() matched it
        followup.rate(ctx.session, int(found.group(2)), ctx.user_id, int(found.group(3)))
        return _say("谢谢您的评价！")


_PLACE_QUESTION = "在哪里？比如“3栋2单元楼道”“小区东门”。不清楚的话回复“跳过”。"


def _asks_after_mine(text: str) -> bool:
    """ "我反映的事办得怎么样了": the resident's own reports, not their sign-ups."""
    if len(text) > _MINE_MAX or "活动" in text or "名" in text:
        return False
    return bool(_MINE_SAID.search(text))


def _said_a_problem(raw: str, text: str) -> bool:
    """A short statement of a problem (its category's words found already), not a question
    about one ("路灯坏了找谁")."""
    return len(text) <= _SAID_MAX and bool(_PROBLEM.search(text)) and not _QUESTION.search(raw)


def _say(text: str) -> Outcome:
    return Outcome("orders", (Reply(text),), confidence=1.0)
