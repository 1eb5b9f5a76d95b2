"""Short fixed phrases (greetings, help, asking for a person) recognised the same way the
matcher reads text: simplified, dialect rewritten, punctuation and spaces off."""

from __future__ import annotations

import re
from functools import lru_cache

from knowledge.loader import load_rewrites_table
from knowledge.normalize import Rewrites, to_simplified

_NOT_WORD = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff]+")
# a thumbs-up or folded hands sent alone: "好的" / "谢谢" without words
APPROVING = re.compile(r"^[\s👍👌🙏🤝✌💪❤👏🌹]+$")


@lru_cache(maxsize=1)
def _rewrites() -> Rewrites:
    return Rewrites(load_rewrites_table())


# Commands typed in pinyin ("wo de baoming", "quxiao baoming", "ni neng zuo shenme"): a
# message made only of these words (and numbers) is read as the hanzi they spell. Questions in
# pinyin are the matcher's: it reads pinyin itself.
_COMMAND_PINYIN = {
    "wo": "我", "wode": "我的", "de": "的", "ni": "你", "yao": "要", "xiang": "想", "le": "了",
    "baoming": "报名", "quxiao": "取消", "huodong": "活动", "canjia": "参加", "tixing": "提醒",
    "qiandao": "签到", "zhiban": "值班", "banci": "班次", "jieban": "接班", "bangzhu": "帮助",
    "caidan": "菜单", "zenme": "怎么", "naxie": "哪些", "shenme": "什么", "sha": "啥",
    "neng": "能", "hui": "会", "zuo": "做", "gan": "干", "keyi": "可以", "yizhen": "义诊",
    "tongzhi": "通知", "shezhi": "设置", "tuiding": "退订", "rengong": "人工", "zhao": "找",
}  # fmt: skip
_PINYIN_WORDS = re.compile(r"^[a-z0-9 ]+$")


def _from_pinyin(text: str) -> str:
    words = text.split()
    if len(words) < 2 or not _PINYIN_WORDS.match(text):
        return text
    if not all(w in _COMMAND_PINYIN or w.isdigit() for w in words):
        return text
    return "".join(_COMMAND_PINYIN.get(w, w) for w in words)


def plain(text: str) -> str:
    """The text with only hanzi, latin letters and digits left, dialect rewritten (a command
    typed in pinyin spelled in hanzi)."""
    simplified = _from_pinyin(to_simplified(text).strip())
    return _NOT_WORD.sub("", _rewrites().apply(simplified))
