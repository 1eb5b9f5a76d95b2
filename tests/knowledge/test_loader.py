"""Loading knowledge files: every problem named by file and line, nothing half-read."""

from pathlib import Path

import pytest

from knowledge.loader import KnowledgeError, demo_files, load_files

GOOD = """\
entries:
  - id: svc-test
    category: service
    question: 测试问题？
    paraphrases: [测试]
    answer: 测试答案。
    source: 测试来源
"""


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_demo_base_is_valid_and_sourced() -> None:
    loaded = load_files(demo_files())
    assert len(loaded.entries) >= 60
    assert {c.id for c in loaded.communities} >= {"shangyou", "suzhe", "penglai"}
    assert loaded.district is not None
    assert loaded.district.name == "东坡区"
    for entry in loaded.entries:
        assert entry.source.strip(), entry.id
        assert len(entry.answer) <= 320, entry.id
        assert len(entry.paraphrases) >= 5, entry.id


def test_good_yaml(tmp_path: Path) -> None:
    loaded = load_files([write(tmp_path, "a.yaml", GOOD)])
    assert [e.id for e in loaded.entries] == ["svc-test"]
    assert loaded.entries[0].questions == ("测试问题？", "测试")


def test_duplicate_id_names_both_places(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", GOOD)
    b = write(tmp_path, "b.yaml", GOOD)
    with pytest.raises(KnowledgeError) as caught:
        load_files([a, b])
    assert caught.value.problems == [f"{b}:2: 重复的 id 'svc-test'（已在 {a}:2 出现）"]


def test_missing_answer_and_unknown_community(tmp_path: Path) -> None:
    body = GOOD.replace("    answer: 测试答案。\n", "") + (
        "  - id: svc-other\n    question: 问\n    answer: 答\n    source: 源\n"
        "    community: nowhere\n"
    )
    with pytest.raises(KnowledgeError) as caught:
        load_files([write(tmp_path, "a.yaml", body)])
    assert caught.value.problems == [
        f"{tmp_path / 'a.yaml'}:2: 缺少 answer",
        f"{tmp_path / 'a.yaml'}:7: 未知的社区 'nowhere'",
    ]


def test_known_community_from_the_database(tmp_path: Path) -> None:
    body = GOOD + "    community: suzhe\n"
    loaded = load_files([write(tmp_path, "a.yaml", body)], known_communities=["suzhe"])
    assert loaded.entries[0].community == "suzhe"


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", "entries:\n  - id: x\n    question: [unclosed\n")
    with pytest.raises(KnowledgeError) as caught:
        load_files([path])
    assert caught.value.problems[0].startswith(f"{path}:")
    assert "YAML" in caught.value.problems[0]


def test_not_a_knowledge_file(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="entries"):
        load_files([write(tmp_path, "a.yaml", "- just a list\n")])


def test_csv(tmp_path: Path) -> None:
    body = (
        "id,category,community,question,paraphrases,keywords,answer,source,updated_at\n"
        "svc-a,service,,问题一,问法一|问法二,词,答案一,来源,2026-11-01\n"
        "svc-b,nonsense,,问题二,,,答案二,来源,\n"
    )
    with pytest.raises(KnowledgeError) as caught:
        load_files([write(tmp_path, "a.csv", body)])
    assert caught.value.problems == [
        f"{tmp_path / 'a.csv'}:3: 未知的 category 'nonsense'"
        "（可用：service, place_name, community, programme, howto）"
    ]
    loaded = load_files([write(tmp_path, "b.csv", body.replace("nonsense", "howto"))])
    assert loaded.entries[0].paraphrases == ("问法一", "问法二")
    assert str(loaded.entries[0].updated_at) == "2026-11-01"


def test_csv_without_required_columns(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="表头缺少列"):
        load_files([write(tmp_path, "a.csv", "name,text\nx,y\n")])


def test_bad_id_and_date(tmp_path: Path) -> None:
    body = GOOD.replace("svc-test", "Bad ID!") + "    updated_at: yesterday\n"
    with pytest.raises(KnowledgeError, match="只能用小写字母"):
        load_files([write(tmp_path, "a.yaml", body)])
    body = GOOD + "    updated_at: yesterday\n"
    with pytest.raises(KnowledgeError, match="不是日期"):
        load_files([write(tmp_path, "a.yaml", body)])
