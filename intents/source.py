""" "出处" / "哪里看到的" right after an answer: where that answer's facts come from.

An entry's `source` is written for staff ("place-name-facts.md §1.1；杜佑《通典》；http://…"):
the resident sees the publications and addresses in it, not the names of the district's own
note files, which mean nothing outside the office."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlmodel import Session, col, select

from bot.intent import Context
from bot.models import Conversation, ProcessedMessage
from bot.types import Outcome, Reply
from intents.phrases import plain
from knowledge.matcher import Matcher

_ASKS_SOURCE = re.compile(
    r"^(这个|这条|那个|那条|刚才|刚刚|刚才那个|刚才那条|你说的|你讲的|上面|上面的|上面那个)?(的)?"
    r"(出处|来源|资料来源|消息来源|信息来源|出自哪里|出自哪儿|出自哪|出自什么|"
    r"(是)?(在|从)?(哪里|哪儿|哪|哪点|哪个地方)(看到|查到|找到|知道|听到|来)的?|"
    r"(你)?(是)?(从|在)?(哪里|哪儿|哪|哪点)(看|查|找|听)(到|来)的?|"
    r"有(没有|没得)?(出处|来源|依据|根据)|(依据|根据)(是)?(什么|啥|啥子)|有(什么|啥|啥子)(依据|根据)|"
    r"(出处|来源)(是)?(什么|啥|啥子|在哪|在哪里|呢))"
    r"(呢|啊|呀|哦|嘛|吗|么|哈|噻)*$"
)
_PARTS = re.compile(r"[；;]\s*")
# a note file of the district's own ("seed-article.md（眉山日报）"): what it quotes in
# brackets right after its name is the publication a resident can look up
_NOTE_FILE = re.compile(r"^[\w.-]+\.(md|yaml|yml|csv|txt|docx?|pdf|xlsx?)\b", re.IGNORECASE)
_QUOTED = re.compile(r"^[\w.-]+\.\w+\s*[（(]([^，,）)【]+(?:《[^》]*》)?)")
_LOOKBACK = 5  # the user's last messages searched for the answer ("出处" twice is fine)

NOTHING_YET = "您先问我一个问题，等我回答以后再发“出处”，我就告诉您那条内容是从哪里来的 😊"
NO_RECORD = (
    "这条内容是根据整理好的公开资料写的，没有记下具体的出处。"
    "想核实的话，可以发“找人工”问社区工作人员。"
)
HEADER = "刚才那条内容的出处："
CHECK = "网上的资料可能有出入，办事以官方公布的为准。"


def asks_for_source(text: str) -> bool:
    """Whether a message asks only where the last answer came from."""
    return bool(_ASKS_SOURCE.match(plain(text)))


def public_sources(source: str) -> list[str]:
    """The parts of an entry's `source` a resident can look up, in order, without repeats:
    addresses and publications kept, the district's own note files left out unless they
    name the publication they come from."""
    shown: list[str] = []
    for part in _PARTS.split(source.strip()):
        part = part.strip().rstrip("。")
        if _NOTE_FILE.match(part):
            quoted = _QUOTED.match(part)
            part = quoted.group(1).strip() if quoted else ""
        if part and part not in shown:
            shown.append(part)
    return shown


class SourceIntent:
    """Claims "出处" and the like, and shows the source of the entry that answered last."""

    name = "source"
    flows: tuple[str, ...] = ()
    staff_examples: tuple[str, ...] = ()

    def __init__(self, matcher: Callable[[], Matcher]):
        self._matcher = matcher

    def handle(self, ctx: Context) -> Outcome | None:
        """The last answer's source; None when the message asks something else."""
        if not asks_for_source(ctx.text):
            return None
        entry_id = last_answer(ctx.session, ctx.user_id)
        entry = self._matcher().entry(entry_id) if entry_id else None
        if entry is None:
            return Outcome(self.name, (Reply(NOTHING_YET),))
        shown = public_sources(entry.source)
        if not shown:
            return Outcome(self.name, (Reply(NO_RECORD),))
        lines = [HEADER, *(f"· {part}" for part in shown[:4])]
        if any("http" in part for part in shown):
            lines.append(CHECK)
        return Outcome(self.name, (Reply("\n".join(lines)),))

    def resume(self, ctx: Context, conversation: Conversation) -> Outcome | None:
        """No flows of its own."""
        return None


def last_answer(session: Session, user_id: int) -> str | None:
    """The entry that answered the user's last question, when their last message (other
    than asking for sources) was answered from the knowledge base."""
    statement = (
        select(ProcessedMessage.outcome)
        .where(ProcessedMessage.user_id == user_id)
        .order_by(col(ProcessedMessage.created_at).desc())
        .limit(_LOOKBACK)
    )
    for outcome in session.exec(statement).all():
        if outcome.get("intent") == SourceIntent.name:
            continue
        answer = outcome.get("answer_id")
        return str(answer) if outcome.get("intent") == "faq" and answer else None
    return None
