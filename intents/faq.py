"""Questions answered from the knowledge base: answer, clarify with numbered choices, or an
honest fallback: a question staff could answer is logged for them (and only then does the reply
say so); weather and the like, or another resident's phone number, are not theirs to answer."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable

from bot import conversation
from bot.config import StaffSettings
from bot.intent import Context
from bot.kb.models import UnansweredQuestion
from bot.logs import mask_mobiles
from bot.metrics.registry import Metrics
from bot.models import Conversation
from bot.types import Option, Outcome, Reply
from intents.flow import Words
from intents.phrases import plain
from knowledge.attributes import Attribute, partly_stated, subject, unstated
from knowledge.entry import Entry
from knowledge.focus import Focus, focus
from knowledge.matcher import Match, Matcher
from knowledge.normalize import to_simplified

CLARIFY_FLOW = "clarify"
CLARIFY_TEXT = "您想问的是下面哪一个？回复数字就行："
CLARIFY_NOTE = "都不是的话，换个说法再问我，或发“找人工”。"
CLARIFY_ONE = "您是想问“{question}”吗？回复“是”或 1 就行。"
CLARIFY_ONE_NOTE = "不是的话，换个说法再问我，或发“找人工”。"
_ONE_YES = Words(yes_also=("对", "对的", "嗯", "嗯嗯", "就是", "就是这个", "是这个", "没错", "1"))
_PICK = re.compile(r"^\s*(?:第\s*)?([1-9一二三四五])\s*(?:个|条|项)?\s*[。.!！]?\s*$")
_CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5}
_ELSEWHERE = re.compile(r"(天气|下雨|下雪|气温|温度|几度|刮风|雾霾|股市|股票|彩票|中奖|比分|球赛)")
_CONTACT = re.compile(r"(电话|手机号|号码|联系方式|微信号|住址|住哪|家在哪|住在哪)")
_SOMEONE = re.compile(
    r"(阿姨|大爷|大妈|叔叔|婶|婆婆|爷爷|奶奶|伯|哥|姐|弟|妹|邻居|隔壁|楼上|楼下|对门|对面|"
    r"老[王李张刘陈杨赵黄周吴徐孙马朱胡郭何林罗高]|他|她|别人|某某|居民)"
)
_PUBLIC = re.compile(
    r"(社区|居委会|街道|办事处|服务中心|中心|餐厅|食堂|医院|卫生|诊所|派出所|物业|网格员|"
    r"工作人员|书记|主任|热线|窗口|部门|政府|办公室|学校|银行|公司)"
)
_AGREE_FLOOR = 0.25  # the whole message's best must be at least this likely to be agreed with
# the asking clause alone points elsewhere when its own best is at least this likely
_ELSEWHERE_FLOOR = 0.4
# a word of the asking clause this telling (idf share) that the entry does not explain
_UNEXPLAINED = 0.5
_PLACE = re.compile(r"[\u4e00-\u9fff]{2,8}?(?:社区|街道|镇|村)")
LOGGED = "这个问题我暂时答不上来，已经记下来交给社区工作人员补充 🙏"
ELSEWHERE = (
    "这个我答不上来：天气、股票这类不在我知道的范围里，可以看看手机上的天气或新闻 🙏\n"
    "社区办事、活动、地名文化这些，都可以问我。"
)
UNKNOWN = (
    "{subject}{label}，我这里没有可靠资料，已经记下来交给社区工作人员补充 🙏\n"
    "我这里有“{question}”的内容，想看的话回复“是”。"
)
NOT_STATED = "另外，{subject}{label}，我这里没有可靠资料，已经记下来交给社区工作人员补充 🙏"
ALSO_ASKED = "您还问了“{question}”：麻烦单独再发一次，我接着帮您查 🙏"
PRIVATE = (
    "邻居和其他居民的电话、住址，我们不能提供，要保护每个人的隐私，请您理解 🙏\n"
    "需要联系对方的话，可以发“找人工”，请社区工作人员帮您转达。"
)


class FaqIntent:
    """Claims every message that is left: the knowledge matcher decides what to say."""

    name = "faq"
    flows: tuple[str, ...] = (CLARIFY_FLOW,)
    staff_examples: tuple[str, ...] = ()

    def __init__(
        self,
        matcher: Callable[[], Matcher],
        staff: StaffSettings,
        timeout: dt.timedelta,
        metrics: Metrics | None = None,
    ):
        self._matcher = matcher  # a callable, so a reloaded knowledge base is picked up
        self.staff = staff
        self.timeout = timeout
        self.metrics = metrics or Metrics()

    def handle(self, ctx: Context) -> Outcome | None:
        """Answer from the knowledge base, ask which one was meant, or say honestly we can't.
        Courtesy and self-introductions are left out of the matching; a message asking two
        things gets both answered (or the first, and a word on the other)."""
        found = focus(ctx.text)
        if found.questions and (several := self._several(ctx, found.questions)) is not None:
            return several
        started = time.perf_counter()
        question, match = self._best_reading(ctx, found)
        self.metrics.matched(match.decision, time.perf_counter() - started)
        if match.decision == "answer" and match.best is not None:
            entry = match.best.entry
            missing = unstated(question, entry.answer, entry.question)
            if missing is not None and partly_stated(question, entry.answer, entry.question):
                return self._answer_but(ctx, match, question, missing)
            if missing is not None:
                return self._unknown(ctx, match, question, missing)
            return self._answer(match.best.entry.id, match.confidence)
        if match.decision == "clarify":
            return self._clarify(ctx, match)
        return self._fallback(ctx, match)

    def resume(self, ctx: Context, pending: Conversation) -> Outcome | None:
        """A reply to "which one?": a number, or words that fit one of the choices."""
        choices: list[str] = list(pending.data.get("choices", []))
        picked = _picked_number(ctx.text)
        if len(choices) == 1 and _ONE_YES.says_yes(ctx.text):
            picked = 1
        if picked is not None and 1 <= picked <= len(choices):
            conversation.finish(ctx.session, ctx.user_id)
            return self._answer(choices[picked - 1], 1.0)
        match = self._matcher().match(ctx.text, among=choices)
        if match.decision == "answer" and match.best is not None:
            conversation.finish(ctx.session, ctx.user_id)
            return self._answer(match.best.entry.id, match.confidence)
        return None

    def _best_reading(self, ctx: Context, found: Focus) -> tuple[str, Match]:
        """The focused question's match; when it is not an answer, the first reading that is
        one: the asking clauses alone, the message as typed (a self-introduction may have
        named the place: "我住文安西路社区，社区有啥特色"), the asking clause with the topic
        words of the clauses beside it, then a clause the whole message agrees with."""
        matcher, community = self._matcher(), ctx.user.community_id
        first = matcher.match(found.text, community=community)
        if first.decision == "answer":
            return found.text, first
        typed = ctx.text if _places(ctx.text) - _places(found.text) else ""
        for reading in dict.fromkeys((found.asked, typed)):
            # the asking clauses alone must name something ("以前叫什么" fits many entries)
            if reading and reading != found.text and matcher.topics(reading):
                match = matcher.match(reading, community=community)
                if match.decision == "answer":
                    return reading, match
        asked = matcher.match(found.ask, community=community) if found.ask else None
        if (topical := _with_topics(matcher, found)) and asked is not None:
            match = matcher.match(topical, community=community)
            if match.decision == "answer" and _fits_ask(matcher, found.ask, asked, match):
                return topical, match
        agreed = _agreed(matcher, found, first, asked, community)
        if agreed is not None:
            return found.text, agreed
        # the asking clause names its own subject and is answered outright by it ("……老师让
        # 讲讲苏轼的故事，苏轼的字是什么，好给娃娃讲清楚")
        if asked is not None and asked.decision == "answer" and matcher.topics(found.ask):
            return found.ask, asked
        return found.text, first

    def _several(self, ctx: Context, questions: tuple[str, ...]) -> Outcome | None:
        """Each question on its own; None unless the first is answered outright."""
        answers = [(q, self._answered(ctx, q)) for q in questions[:3]]
        first = answers[0][1]
        if first is None:
            return None
        replies, seen = [Reply(first[0].answer)], {first[0].id}
        for question, found in answers[1:]:
            if found is None:
                replies.append(Reply(ALSO_ASKED.format(question=question)))
            elif found[0].id not in seen:
                replies.append(Reply(found[0].answer))
                seen.add(found[0].id)
        return Outcome("faq", tuple(replies), confidence=first[1], answer_id=first[0].id)

    def _answered(self, ctx: Context, question: str) -> tuple[Entry, float] | None:
        """The entry that answers `question` outright, stating what it asks, with the
        confidence; None when there is none."""
        match = self._matcher().match(question, community=ctx.user.community_id)
        best = match.best
        if match.decision != "answer" or best is None:
            return None
        if unstated(question, best.entry.answer, best.entry.question):
            return None
        return best.entry, match.confidence

    def _unknown(self, ctx: Context, match: Match, question: str, missing: Attribute) -> Outcome:
        """The right subject, but its entry does not say what was asked: say so, log it for
        staff, and offer the entry there is (a "是" shows it)."""
        if _private(plain(ctx.text)):
            return Outcome("fallback", (Reply(PRIVATE),), confidence=match.confidence)
        assert match.best is not None
        entry = match.best.entry
        about = _whose(subject(question, missing, entry.keywords))
        self._log_for_staff(ctx, match)
        data = {"choices": [entry.id], "question": ctx.text[:200]}
        conversation.start(ctx.session, ctx.user_id, CLARIFY_FLOW, data, ctx.now + self.timeout)
        text = UNKNOWN.format(subject=about, label=missing.label, question=entry.question)
        offer = (Option(1, entry.question, entry.id),)
        return Outcome("fallback", (Reply(text),), confidence=match.confidence, suggestions=offer)

    def _answer_but(self, ctx: Context, match: Match, question: str, missing: Attribute) -> Outcome:
        """The entry answers part of the question: its answer, and an honest word on the
        part it does not state (logged for staff)."""
        assert match.best is not None
        entry = match.best.entry
        about = _whose(subject(question, missing, entry.keywords))
        self._log_for_staff(ctx, match)
        replies = (
            Reply(entry.answer),
            Reply(NOT_STATED.format(subject=about, label=missing.label)),
        )
        return Outcome("faq", replies, confidence=match.confidence, answer_id=entry.id)

    def _answer(self, entry_id: str, confidence: float) -> Outcome:
        entry = self._matcher().entry(entry_id)
        if entry is None:  # the base was changed under a pending clarify
            return Outcome("fallback", (Reply("这条内容刚刚更新了，麻烦您再问我一次 🙏"),))
        return Outcome("faq", (Reply(entry.answer),), confidence=confidence, answer_id=entry.id)

    def _clarify(self, ctx: Context, match: Match) -> Outcome:
        options = tuple(
            Option(n, c.entry.question, c.entry.id) for n, c in enumerate(match.candidates, 1)
        )
        conversation.start(
            ctx.session,
            ctx.user_id,
            CLARIFY_FLOW,
            {"choices": [o.value for o in options], "question": ctx.text[:200]},
            ctx.now + self.timeout,
        )
        if len(options) == 1:  # one choice is a yes/no question, not a list to pick from
            reply = Reply(CLARIFY_ONE.format(question=options[0].label), (), CLARIFY_ONE_NOTE)
        else:
            reply = Reply(CLARIFY_TEXT, options, CLARIFY_NOTE)
        return Outcome("clarify", (reply,), confidence=match.confidence, suggestions=options)

    def _fallback(self, ctx: Context, match: Match) -> Outcome:
        text = plain(ctx.text)
        if _private(text):
            return Outcome("fallback", (Reply(PRIVATE),), confidence=match.confidence)
        if _ELSEWHERE.search(text):
            return Outcome("fallback", (Reply(ELSEWHERE),), confidence=match.confidence)
        self._log_for_staff(ctx, match)
        lines = [LOGGED]
        if self.staff.shown_contact:
            lines.append(f"着急的话可以发“找人工”，或打电话：{self.staff.shown_contact}")
        else:
            lines.append("着急的话可以发“找人工”。")
        return Outcome("fallback", (Reply("\n".join(lines)),), confidence=match.confidence)

    def _log_for_staff(self, ctx: Context, match: Match) -> None:
        best = match.best
        ctx.session.add(
            UnansweredQuestion(
                user_id=ctx.user_id,
                channel=ctx.incoming.channel,
                kind="fallback",
                text=mask_mobiles(ctx.text[:2000]),  # staff read it: no full number
                best_entry_id=best.entry.id if best else None,
                confidence=round(match.confidence, 3),
                created_at=ctx.now,
            )
        )


def _with_topics(matcher: Matcher, found: Focus) -> str:
    """The asking clause led by the telling words of the clauses beside it: "听人说可以申请
    低保，……社区能不能帮我们去申请" asks "低保，社区能不能帮我们去申请"; an asking clause
    that names nothing takes them from the speaker's own circumstances too ("我常去东坡岛
    散步，……以前叫什么")."""
    if not found.ask:
        return ""
    told = found.context if matcher.topics(found.ask) else (*found.aside, *found.context)
    words = [w for c in told for w in matcher.topics(c) if w not in found.ask]
    return "，".join([*dict.fromkeys(words), found.ask]) if words else ""


def _fits_ask(matcher: Matcher, ask: str, asked: Match, reading: Match) -> bool:
    """Whether the asking clause lets `reading` (it led by the context's topics) answer: a
    clause naming something must not point clearly elsewhere; one naming nothing
    ("叫什么来着") points nowhere, but its words must be ones the entry explains ("灯叫啥名字"
    is not answered by the community's entry)."""
    if matcher.topics(ask):
        return not _elsewhere(asked, reading)
    assert reading.best is not None  # an answer has a candidate
    return matcher.unexplained(ask, reading.best.entry.id) < _UNEXPLAINED


def _elsewhere(asked: Match, reading: Match) -> bool:
    """Whether the asking clause alone points clearly at another entry than `reading`'s."""
    if asked.best is None or reading.best is None or asked.confidence < _ELSEWHERE_FLOOR:
        return False
    return asked.best.entry.id != reading.best.entry.id


def _agreed(
    matcher: Matcher, found: Focus, whole: Match, asked: Match | None, community: str | None
) -> Match | None:
    """A clause answered outright by the entry the whole message ranks first, when the
    asking clause does not point clearly elsewhere; None otherwise."""
    if asked is None or whole.confidence < _AGREE_FLOOR or _elsewhere(asked, whole):
        return None
    best = whole.best
    assert best is not None  # a confidence above the floor has a candidate
    for clause in (found.ask, *found.context):
        match = asked if clause == found.ask else matcher.match(clause, community=community)
        if match.decision == "answer" and match.best and match.best.entry.id == best.entry.id:
            return match
    return None


def _whose(about: str) -> str:
    """The subject as the reply names it: "三苏祠的", or "您问的" when none was found."""
    return f"{about}的" if about else "您问的"


def _places(text: str) -> set[str]:
    """The named places in a text ("文安西路社区", "苏祠街道")."""
    return set(_PLACE.findall(to_simplified(text)))


def _private(text: str) -> bool:
    """Another resident's phone number or address: not ours to give."""
    return bool(_CONTACT.search(text) and _SOMEONE.search(text) and not _PUBLIC.search(text))


def _picked_number(text: str) -> int | None:
    found = _PICK.match(text)
    if found is None:
        return None
    digit = found.group(1)
    return _CHINESE_DIGITS.get(digit) or int(digit)
