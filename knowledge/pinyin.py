"""Pinyin: hanzi to toneless syllables, latin input split into syllables, fuzzy accents."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin

_SYLLABLE_TEXT = (
    "a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca cai can "
    "cang cao ce cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chua chuai "
    "chuan chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de den deng "
    "di dian diao die ding diu dong dou du duan dui dun duo e ei en eng er fa fan fang fei fen "
    "feng fo fou fu ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun "
    "guo ha hai han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo ji jia "
    "jian jiang jiao jie jin jing jiong jiu ju juan jue jun ka kai kan kang kao ke ken keng kong "
    "kou ku kua kuai kuan kuang kui kun kuo la lai lan lang lao le lei leng li lia lian liang "
    "liao lie lin ling liu lo long lou lu luan lue lun luo lv lve ma mai man mang mao me mei men "
    "meng mi mian miao mie min ming miu mo mou mu na nai nan nang nao ne nei nen neng ni nian "
    "niang niao nie nin ning niu nong nou nu nuan nue nun nuo nv nve o ou pa pai pan pang pao pei "
    "pen peng pi pian piao pie pin ping po pou pu qi qia qian qiang qiao qie qin qing qiong qiu "
    "qu quan que qun ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo sa sai san sang "
    "sao se sen seng sha shai shan shang shao she shen sheng shi shou shu shua shuai shuan shuang "
    "shui shun shuo si song sou su suan sui sun suo ta tai tan tang tao te teng ti tian tiao tie "
    "ting tong tou tu tuan tui tun tuo wa wai wan wang wei wen weng wo wu xi xia xian xiang xiao "
    "xie xin xing xiong xiu xu xuan xue xun ya yan yang yao ye yi yin ying yo yong you yu yuan "
    "yue yun za zai zan zang zao ze zei zen zeng zha zhai zhan zhang zhao zhe zhen zheng zhi "
    "zhong zhou zhu zhua zhuai zhuan zhuang zhui zhun zhuo zi zong zou zu zuan zui zun zuo "
)
SYLLABLES: frozenset[str] = frozenset(_SYLLABLE_TEXT.split())
_LONGEST = max(len(s) for s in SYLLABLES)
# Sichuanese and many southern speakers merge these sounds, and type them merged too.
_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"))
_FINALS = (("iang", "ian"), ("uang", "uan"), ("ang", "an"), ("eng", "en"), ("ing", "in"))


def hanzi_pinyin(text: str) -> list[str]:
    """Toneless pinyin of a hanzi run, one syllable per character (ü written as v)."""
    return lazy_pinyin(text, style=Style.NORMAL, errors="ignore", v_to_u=False)


@lru_cache(maxsize=65536)
def split_syllables(word: str) -> tuple[str, ...] | None:
    """Split a latin word into pinyin syllables, fewest syllables first.

    Returns:
        The syllables, or None when the word is not pinyin (e.g. "help", "wifi").
    """
    n = len(word)
    best: list[tuple[str, ...] | None] = [None] * (n + 1)
    best[0] = ()
    for end in range(1, n + 1):
        for start in range(max(0, end - _LONGEST), end):
            head = best[start]
            piece = word[start:end]
            if head is None or piece not in SYLLABLES:
                continue
            candidate = (*head, piece)
            current = best[end]
            if current is None or len(candidate) < len(current):
                best[end] = candidate
    return best[n]


@lru_cache(maxsize=4096)
def fuzzy(syllable: str) -> str:
    """Fold the sounds people confuse (zh/z, ch/c, sh/s, n/l, -ng/-n, ü/u) into one spelling."""
    s = syllable.replace("v", "u")
    for long, short in _INITIALS:
        if s.startswith(long):
            s = short + s[len(long) :]
            break
    if s.startswith("n") and len(s) > 1:
        s = "l" + s[1:]
    for long, short in _FINALS:
        if s.endswith(long):
            return s[: -len(long)] + short
    return s
