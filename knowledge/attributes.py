"""What a question asks about its subject (a price, opening hours, an amount, a phone number,
a count, a length, a date...) and whether an answer states it: "三苏祠门票多少钱" is about the
right place, but an answer about its history does not answer it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.focus import is_question

_NUMBER = r"[0-9一二三四五六七八九十百千万两半几]"


@dataclass(frozen=True)
class Attribute:
    """One kind of fact: how a question asks for it, and how an answer that states it reads."""

    name: str
    label: str  # what is unknown, as the resident is told ("门票价格")
    asked: re.Pattern[str]
    stated: re.Pattern[str]


ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute(
        # a share each one got ("每个社区分了多少"), which a total does not answer
        "share", "具体分配",
        re.compile(
            r"每(?!个?(月|年|天|日|周|星期|次|季度))(个|一个|家|户|人|位|名)?[\u4e00-\u9fff]{0,3}?"
            r"(分|分到|分配|摊|给|发|补)了?(多少|好多|几)"
        ),
        re.compile(
            rf"每(个|一个|家|户|人|位|名)?[\u4e00-\u9fff]{{0,6}}?{_NUMBER}+(\.\d+)?(万|千)?元|"
            r"人均|户均|平均每"
        ),
    ),
    Attribute(
        "amount", "标准和金额",
        re.compile(r"标准.{0,6}(多少|好多|几)|每个?月.{0,6}(多少|好多|几)|补贴多少|补助多少|发多少"),
        re.compile(rf"{_NUMBER}+(\.\d+)?(万|千)?元|标准为|标准是"),
    ),
    Attribute(
        "price", "票价和收费",
        re.compile(r"门票|票价|多少钱|好多钱|几块钱|价格|价钱|收费|要钱|费用"),
        re.compile(rf"{_NUMBER}+(\.\d+)?(万|千)?元|免费|不收费"),
    ),
    Attribute(
        "hours", "开放时间",
        re.compile(
            r"几点|开门|关门|闭馆|开馆|开放时间|营业时间|上班时间|几时开|亮灯|周[一二三四五六日末].{0,2}开|"
            r"门诊|周末.{0,3}(开|上班|营业|看)"
        ),
        re.compile(r"\d{1,2}[:：]\d{2}|\d{1,2}点|[上下]午\d|全天开放|24小时"),
    ),
    Attribute(
        "contact", "联系电话",
        re.compile(r"电话|手机号|号码|联系方式|微信号|座机"),
        re.compile(r"\d{5,}|电话[:：]|12345"),
    ),
    Attribute(
        "count", "数量",
        re.compile(r"多少(个)?(人|户|位|件|条|名|家|居民)|好多(人|户|件|条)|人口|(?<!哪)几个人"),
        re.compile(rf"{_NUMBER}+(多|余)?(万)?(个)?(人|户|位|件|条|名|家)|人口"),
    ),
    Attribute(
        "size", "长度和面积",
        re.compile(r"多长(?!时间)|全长|多少公里|多少米|多高|身高|面积|多少亩|多少平方|多宽|多深"),
        re.compile(rf"{_NUMBER}+(\.\d+)?(多|余)?(米|公里|千米|里|亩|平方|公顷|厘米|尺)"),
    ),
    Attribute(
        "permission", "相关规定",
        re.compile(r"能不能|可不可以|让不让|准不准|允不允许|可以.{1,8}吗"),
        re.compile(r"可以|不可以|不能|禁止|允许|不准|委托|代办|代为"),
    ),
    Attribute(
        "economy", "经济数据",
        re.compile(r"gdp|生产总值|经济总量|财政收入"),
        re.compile(r"亿元|生产总值|gdp"),
    ),
    Attribute(
        "age", "年龄",
        re.compile(r"多大年纪|多少岁|几岁|年龄多大|今年多大"),
        re.compile(rf"{_NUMBER}+周?岁|出生|生于|\d{{4}}年"),
    ),
    Attribute(
        "floor", "具体位置",
        re.compile(r"几楼|哪一楼|哪层|几层"),
        re.compile(r"\d+楼|\d+层|[一二三四五六七八九十]+楼|[一二三四五六七八九十]+层"),
    ),
    Attribute(
        # how long the office takes ("办下来要等几天"), which how long one must have lived
        # somewhere ("住满半年") does not answer
        "processing", "办理时限",
        re.compile(
            r"(办|拿|领|批|审|出证|下证)[^，,。？?]{0,3}?(要|得|需要)?等?(几天|多久|好久|多长时间|多少天|几个工作日)|"
            r"(几天|多久|好久|多长时间|多少天)(能|才能|可以|就能|才)?"
            r"(办好|办下来|办完|拿到|拿得到|领到|批下来|下来|出来)|等(几天|多久|好久|多长时间)"
        ),
        re.compile(rf"{_NUMBER}+(个)?(工作日|天|日)|当场|当天|即时|立等|即办"),
    ),
    Attribute(
        "duration", "办理时限",
        re.compile(r"多少天|多久能|好久能|几天能|多长时间能|多久才|几天才|多少个工作日"),
        re.compile(
            rf"{_NUMBER}+(个)?(天|日|工作日|月|周|星期|小时)|当场|当天|即时|"
            r"(?<!\d)[半一二两三四五六七八九十\d]{1,2}(个)?年"
        ),
    ),
    Attribute(
        "next", "下一次的时间",
        re.compile(
            r"下一次|下次|下一期|下期|(什么时候|啥时候|好久|哪天|几时)再(办|搞|开|举办|来|有)|"
            r"还(办|搞|开)不(办|搞|开)|以后还(办|搞|开|有)"
        ),
        re.compile(r"下一次|下次|下一期|下期|(将|会|计划|准备)(于|在)?\d{1,2}月|预计"),
    ),
    Attribute(
        "date", "具体时间",
        re.compile(r"什么时候|啥时候|哪一年|哪年|哪天|几号|几月|何时|好久(开|完|办|搞|修|建)"),
        re.compile(
            rf"\d{{3,4}}年|\d{{1,2}}月|\d{{1,2}}[日号]|{_NUMBER}+月|年间|[宋唐元明清]代|[宋唐元明清]朝|"
            r"北宋|南宋|世纪|每(年|月|周|季度)|月初|月中|月末"
        ),
    ),
    Attribute(
        "holder", "现任负责人",
        re.compile(
            r"(馆长|局长|区长|市长|县长|镇长|院长|所长|校长|主任|书记|站长|负责人)"
            r"(是谁|是哪个|是哪位|叫什么|叫啥)|现任.{0,10}(是谁|是哪个|是哪位|叫什么|叫啥)"
        ),
        re.compile(
            r"(馆长|局长|区长|市长|县长|镇长|院长|所长|校长|主任|书记|站长)(是|叫|为)?"
            r"(?![任和与等的们副兼负主牵带都也、，。])[\u4e00-\u9fff]{2,3}"
        ),
    ),
)  # fmt: skip


# The matcher's question kinds (`question_kinds` in synonyms.yaml) an answer states by a
# figure rather than by the asking words: "辖…17个社区" answers "有多少个社区", "1665年重建" answers
# "什么时候重建", though neither answer says "几个" or "什么时候".
_KIND_FIGURES = {
    "price": ("price",),
    "contact": ("contact",),
    "count": ("count",),
    "time": ("date", "hours", "duration"),
}
_COUNTED = re.compile(rf"{_NUMBER}+(多|余)?(万)?(个|所|座|项|条|处)")


def stated_kinds(answer: str) -> frozenset[str]:
    """The question kinds an answer states a figure of (a price, a count, a date ...).

    Args:
        answer: an entry's answer (any script; compared lower-case).
    """
    lowered = answer.lower()
    by_name = {a.name: a for a in ATTRIBUTES}
    found = {
        kind for kind, names in _KIND_FIGURES.items()
        if any(by_name[n].stated.search(lowered) for n in names)
    }  # fmt: skip
    if _COUNTED.search(lowered):
        found.add("count")
    return frozenset(found)


def asked(question: str) -> Attribute | None:
    """The kind of fact a question asks for, when it is one of the known ones.

    Args:
        question: the resident's question (any script; compared lower-case, simplified).
    """
    for attribute in ATTRIBUTES:
        if attribute.asked.search(question.lower()):
            return attribute
    return None


# "社区电话在哪儿查" asks where to look, which an entry may well say
_WHERE_TO_FIND = re.compile(r"(在哪|哪里|哪儿|哪点|怎么|咋|如何)(查|找|问|看|打听)")


def unstated(question: str, answer: str, about: str = "") -> Attribute | None:
    """The kind of fact the question asks for that `answer` does not state, if any.

    Args:
        question: the resident's question.
        answer: the answer of the entry that matched.
        about: the entry's own question; an entry that is asked for that kind of fact
            ("社区电话是多少？") answers it as well as the base can, figure or not.
    """
    attribute = asked(question)
    if attribute is None or attribute.stated.search(answer.lower()):
        return None
    if _WHERE_TO_FIND.search(question) or attribute.asked.search(about.lower()):
        return None
    return attribute


def subject(question: str, attribute: Attribute, names: tuple[str, ...]) -> str:
    """What the question asks about: the longest of `names` (an entry's keywords) that the
    question names, else the words before the asking words ("三苏祠门票多少钱" → 三苏祠)."""
    lowered = question.lower()
    named = [n for n in names if n and n.lower() in lowered]
    if named:
        return max(named, key=len)
    found = attribute.asked.search(lowered)
    before = lowered[: found.start()] if found else ""
    words = re.sub(r"[^\u4e00-\u9fff0-9a-z]+", "", before)
    return re.sub(r"^(请问|那个|我想问|想问|问一下|这个)+", "", words)[-10:]


_CLAUSE = re.compile(r"[，,。；;？?！!\s]+")


def partly_stated(question: str, answer: str, about: str = "") -> bool:
    """Whether the question asks something besides the fact `answer` lacks, in a clause of
    its own that the answer is not found lacking ("居住证去哪里办，办下来要多久": where, yes;
    how long, no): the answer is worth giving, with a word on what it does not say.

    Args:
        question: the resident's question.
        answer: the answer of the entry that matched.
        about: the entry's own question (as for `unstated`).
    """
    clauses = [c for c in _CLAUSE.split(question) if c]
    lacking = [c for c in clauses if unstated(c, answer, about) is not None]
    others = [c for c in clauses if c not in lacking]
    return bool(lacking) and any(asked(c) is not None or is_question(c) for c in others)
