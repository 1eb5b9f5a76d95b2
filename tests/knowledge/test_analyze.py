"""Each analyzer's tokenizer is its own: read from the dictionary once a process, it starts
as a fresh load would, and the words one matcher teaches it never reach another's."""

from __future__ import annotations

from pathlib import Path

import jieba

from knowledge.analyze import Analyzer
from knowledge.loader import load_rewrites_table
from knowledge.normalize import Rewrites


def _analyzer(home: Path) -> Analyzer:
    return Analyzer(Rewrites(load_rewrites_table()), cache_dir=home)


def test_a_tokenizer_starts_as_a_fresh_load_of_the_dictionary(tmp_path: Path) -> None:
    first, second = _analyzer(tmp_path), _analyzer(tmp_path)
    fresh = jieba.Tokenizer(dictionary=first._tokenizer.dictionary)
    fresh.tmp_dir = str(tmp_path)
    fresh.initialize()
    for analyzer in (first, second):
        assert analyzer._tokenizer.FREQ == fresh.FREQ
        assert analyzer._tokenizer.total == fresh.total
        assert analyzer._tokenizer.lcut("助老餐厅在哪里", HMM=False) == fresh.lcut(
            "助老餐厅在哪里", HMM=False
        )


def test_words_taught_to_one_analyzer_stay_its_own(tmp_path: Path) -> None:
    taught, other = _analyzer(tmp_path), _analyzer(tmp_path)
    taught.add_words(["星海卡"])
    assert "w星海卡" in taught.analyze("星海卡怎么开通").features
    assert "w星海卡" not in other.analyze("星海卡怎么开通").features
    assert "w星海卡" not in _analyzer(tmp_path).analyze("星海卡怎么开通").features
