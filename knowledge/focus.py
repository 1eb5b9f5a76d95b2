"""The question in a message: courtesy, greetings, self-introductions and family context
taken out, so that "同志你好，我是蓬莱社区的退休老职工，今年七十三了……麻烦你给我讲讲是哪五个方面，
谢谢了" is matched as what it asks. Also splits a message that asks two things."""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.normalize import to_simplified

# spaces end a clause between hanzi ("你好 我家老头子……"), never inside latin pinyin
_CLAUSE_END = re.compile(r"[，,。.！!？?；;、\n]+|(?<![a-z0-9])\s+(?![a-z0-9])")
_ASKED_END = re.compile(r"[？?]")
# words that mark a clause as asking something (or asking the assistant to do something)
_ASKS = re.compile(
    r"(吗|么|呢|什么|啥|哪|几|多少|好多|怎么|怎样|咋|如何|为什么|为啥|是不是|有没有|没得|能不能|可不可以|"
    r"可以|要不要|会不会|对不对|想问|想了解|想知道|问问|问一下|讲讲|说说|讲一下|说一下|介绍|告诉|"
    r"查一下|查查|帮我|给我|请|想报|报名|取消|退掉|提醒|登记|参加|办理|申请|要带|需要)"
)
# words that make a clause a question, not a request ("帮我报个名" asks nothing to look up)
_QUESTION = re.compile(
    r"(吗|么|呢|什么|啥|哪|几|多少|好多|怎么|怎样|咋|如何|为什么|为啥|是不是|有没有|没得|能不能|"
    r"可不可以|要不要|会不会|对不对|想问|想了解|想知道|(不|没|没有)$)"
)
# the words of a question that asks for something in particular (not "吗", "是不是")
_WH = re.compile(r"什么|啥|哪|几|多少|好多|怎么|怎样|咋|如何|为什么|为啥")
# a whole clause of courtesy or greeting: nothing to match
_COURTESY = re.compile(
    r"^(同志|老师|师傅|小邻|小助手|邻里|工作人员|领导|书记|美女|帅哥|小妹|小伙子|妹儿|你|您|你们)*"
    r"(你好|您好|你们好|好|早上好|上午好|中午好|下午好|晚上好|在吗|在不在|打扰了|打扰一下|"
    r"打扰你了|打扰您了|麻烦了|麻烦你了|麻烦您了|麻烦你|麻烦您|麻烦|谢谢|谢谢你|谢谢您|谢谢了|"
    r"谢谢你了|谢谢您了|非常感谢|感谢|多谢|辛苦了|辛苦你了|辛苦您了|请问)?"
    r"(同志|老师|师傅|啊|呀|哈|哦|嘛|了|啦|呢)*$"
)
# who is speaking and their circumstances, when the clause asks nothing
_ABOUT_ME = re.compile(
    r"^(我|俺|咱|我们|我家|我们家|家里|屋头|老伴|我老伴|老头子|老太婆|子女|孩子|娃儿|儿子|女儿|"
    r"孙子|孙女|外孙|外孙女|外婆|外公|爷爷|奶奶|今年|平时|以前|现在|身体|户口|住在|住|退休|姓|"
    r"我姓|家住)"
)
# a polite lead-in that carries no content ("麻烦你给我讲讲" keeps 讲讲, which asks)
_LEAD_IN = re.compile(
    r"^(请问一下|请问|麻烦问一下|麻烦问下|麻烦你|麻烦您|"
    # "我想先问问", "想请教一下", "他想知道": the wish to ask, not what is asked
    r"(我|我们|他|她|他们)?(也|就|还)?(想|很想|一直想)?(先|再)?"
    r"(问问|问一下|问下|请教一下|请教|打听一下|打听|了解一下|知道|晓得))"
)
# a request with no content of its own: "麻烦你给我讲讲", "帮我们说说到底是怎么回事", "是真的吗"
_REQUEST_ONLY = re.compile(
    r"^(请|麻烦)?(你|您)?(能否|能不能|可不可以|可以|能)?(给|帮|跟)?(我|我们)?(讲讲|讲一下|说说|说一下|"
    r"讲|说|告诉|查一下|查查|介绍一下|解释一下|解答一下)?(我|我们)?(一下)?(到底)?(是)?"
    r"(怎么回事|是真的吗|是不是真的|真的吗|对不对|对吗|吧|嘛|呢|吗)?$"
)
# reported speech: "我外孙问我眉山为什么叫眉山" asks "眉山为什么叫眉山"
_REPORTED = re.compile(
    r"^(我|我的|我家)?[\u4e00-\u9fff]{0,3}?"
    r"(外孙|外孙女|孙子|孙女|孩子|娃儿|娃娃|老伴|儿子|女儿|儿媳妇|朋友|邻居|别人|有人|他|她|老师|同学)"
    # "孙子学校布置作业问…": a few words of where or how between the person and the question
    r"[\u4e00-\u9fff]{0,8}?(也)?(问我|问|说)(?!题)"
)
_TAIL_COURTESY = re.compile(r"(谢谢你?了?|麻烦你?了|麻烦您了|辛苦了)$")


# voice typing's fillers ("那个蟆颐津嗯就是…"); a text with nothing else is left as it is
_ASR_FILLERS = re.compile(
    r"嗯+就是|嗯+|呃+|^额+|^然后(就是)?(那个)?|^那个|就是说|"
    r"(?<=[\u4e00-\u9fff])那个(?=[\u4e00-\u9fff])|^就是"
)
# voice typing says a name twice ("苏祠街道苏祠街道办事处在哪里"): once is enough
# ("能不能不参加" asks whether one may not: 不 and 没 are never a repeated name's)
_REPEATED = re.compile(r"((?:(?![不没])[\u4e00-\u9fff]){2,8})\1+")
_STORY = 40  # characters: a message this long tells circumstances around its request
_REMARK = 5
_CONTENT = 3
_PERSON = re.compile(r"^(他|她|他们|她们|我|我们|人家|大家)")


@dataclass(frozen=True)
class Focus:
    """What a message asks: `text` to match, and `questions` when it asks several things."""

    text: str
    questions: tuple[str, ...]
    asked: str = ""  # the clauses that ask, alone, when context clauses were kept beside them
    # the last clause that asks, and the clauses kept beside it ("听人说可以申请低保" names
    # what "社区能不能帮我们去申请" asks about)
    ask: str = ""
    context: tuple[str, ...] = ()
    # the speaker's own circumstances, left out ("我常去东坡岛散步"): they may still name what
    # an asking clause that names nothing ("以前叫什么") is about
    aside: tuple[str, ...] = ()


def _clauses(text: str) -> list[str]:
    return [c for c in (p.strip() for p in _CLAUSE_END.split(text)) if c]


def _asks(clause: str) -> bool:
    return bool(_ASKS.search(clause))


def is_question(clause: str) -> bool:
    """Whether a clause asks a question (not only a request: "帮我报个名" asks nothing)."""
    return bool(_QUESTION.search(clause))


def _content(kept: list[str]) -> bool:
    """Whether what is kept still names something ("有没得" alone names nothing)."""
    return len(_ASKS.sub("", "".join(kept))) >= _CONTENT


def _remark(clause: str) -> bool:
    """A short aside by or about a person ("他不信", "我也不懂"), not the thing asked about."""
    return len(clause) <= _REMARK and bool(_PERSON.match(clause))


def _kept(clause: str) -> str:
    """The clause without its polite lead-in; what someone said, without "我老伴说"; "" when
    it is noise."""
    lead = _LEAD_IN.sub("", clause)
    told = _REPORTED.sub("", lead)
    if told != lead:
        return told
    return "" if _noise(clause) else lead


def _about_me(clause: str) -> bool:
    """The speaker's own circumstances, asking nothing ("我家住在东坡湖附近")."""
    plain = _TAIL_COURTESY.sub("", clause)
    return bool(plain and _ABOUT_ME.match(plain)) and not _asks(plain)


def _noise(clause: str) -> bool:
    """Courtesy, a greeting, or the speaker's own circumstances that ask nothing."""
    plain = _TAIL_COURTESY.sub("", clause)
    if not plain or _COURTESY.match(plain) or _REQUEST_ONLY.match(plain):
        return True
    return _about_me(plain)


def focus(text: str) -> Focus:
    """The part of `text` that asks something; the text itself when nothing can be dropped.

    Args:
        text: a resident's message as typed.

    Returns:
        `text` with courtesy and self-introduction clauses dropped, and the separate questions
        when the message asks more than one (split at question marks).
    """
    simplified = to_simplified(text)
    clauses = _clauses(simplified)
    kept = [_REPEATED.sub(r"\1", _ASR_FILLERS.sub("", k)) for k in map(_kept, clauses) if k]
    kept = [k for k in kept if k]
    if any(_asks(c) for c in kept):  # "他不信": a short remark beside the question
        kept = [c for c in kept if _asks(c) or not _remark(c)]
    if not kept or kept == clauses or not _content(kept):
        return Focus(text.strip(), _questions(simplified))
    asking = [c for c in kept if _asks(c)]
    alone = "，".join(asking) if asking and len(asking) < len(kept) else ""
    # a short message that only requests is a command ("我住上游社区，帮我报个名"); a long one
    # that tells its story and ends "帮我查一下…" asks what it requests
    questions = [c for c in asking if _QUESTION.search(c) or len(simplified) >= _STORY]
    ask = questions[-1] if questions and len(kept) > 1 else ""
    context = tuple(c for c in kept if c != ask) if ask else ()
    aside = tuple(c for c in clauses if _about_me(c)) if ask else ()
    return Focus("，".join(kept), _questions(simplified), alone, ask, context, aside)


def _questions(simplified: str) -> tuple[str, ...]:
    """The separate questions of a message that asks several ("…属于哪个街道？那边有什么活动？")."""
    # a part before a question mark asks, whatever its words ("明天下雨不？")
    pieces = _ASKED_END.split(simplified)
    asked = [p.strip(" ，,。") for n, p in enumerate(pieces) if n < len(pieces) - 1 or _asks(p)]
    asked = [p for p in asked if p]
    if len(asked) < 2:
        asked = _short_questions(simplified)
    if len(asked) < 2:
        return ()
    questions = []
    for part in asked:
        clauses = [k for k in map(_kept, _clauses(part)) if k]
        if clauses:
            questions.append("，".join(clauses))
    return tuple(questions) if len(questions) >= 2 else ()


def _short_questions(simplified: str) -> list[str]:
    """A short message of clauses that each ask a question of their own ("苏轼的字是啥，他弟弟
    的字又是啥"), typed without question marks; none when a clause only tells."""
    clauses = _clauses(simplified)
    if len(simplified) >= _STORY or len(clauses) < 2:
        return []
    asking = all(_WH.search(c) and len(_ASKS.sub("", c)) >= _CONTENT for c in clauses)
    return clauses if asking else []
