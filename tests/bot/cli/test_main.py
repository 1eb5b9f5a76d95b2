"""The command line contract, run as a newcomer runs it: a real process, a fresh data dir."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_URL


@pytest.fixture
def run(tmp_path: Path, cache_home: Path):  # type: ignore[no-untyped-def]
    """Run `python -m bot ...` with its own LINLI_HOME (the jieba cache reused for speed)."""
    home = tmp_path / "home"
    (home / "cache").mkdir(parents=True)
    for cached in (cache_home / "cache").glob("jieba*"):
        (home / "cache" / cached.name).symlink_to(cached)

    def environ(env: dict[str, str] | None) -> dict[str, str]:
        found = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
        return {**found, "LINLI_HOME": str(home), **(env or {})}

    def call(*args: str, stdin: str | None = None, env: dict[str, str] | None = None,
             stdin_fd: int | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
        given = {"stdin": stdin_fd} if stdin_fd is not None else {"input": stdin}
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            capture_output=True, text=True, env=environ(env), timeout=120, cwd=tmp_path, **given,
        )  # fmt: skip

    def start(*args: str) -> subprocess.Popen[str]:
        """The same command, not waited for."""
        return subprocess.Popen(
            [sys.executable, "-m", "bot", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL, text=True, env=environ(None), cwd=tmp_path,
        )  # fmt: skip

    call.start = start  # type: ignore[attr-defined]
    return call


def ask_json(run, *texts: str) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    result = run("ask", "--json", stdin="\n".join(texts) + "\n")
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_the_three_first_questions(run) -> None:  # type: ignore[no-untyped-def]
    road, canteen, stocks = ask_json(
        run, "东坡大道名字怎么来的", "zhulao canting在哪", "明天股市会涨吗"
    )
    assert road["intent"] == "faq"
    assert "苏轼" in str(road["reply"])
    assert "东坡居士" in str(road["reply"])
    assert canteen["intent"] == "faq"
    assert "助老餐厅" in str(canteen["reply"])
    assert stocks["intent"] == "fallback"
    assert set(road) == {
        "user", "text", "intent", "confidence", "answer_id", "reply", "suggestions", "elapsed_ms",
    }  # fmt: skip


def test_ask_with_text_argument(run) -> None:  # type: ignore[no-untyped-def]
    result = run("ask", "低保")
    assert result.returncode == 0
    assert "低保" in result.stdout


@pytest.mark.parametrize(
    "hostile",
    [
        "",
        "低" * 10000,
        "😀🙏🎉",
        "\x01\x02\x1b[31m低保\x7f",
        "Robert'); DROP TABLE knowledgeentry;--",
        "低保 dibao 低保證 ﾃｽﾄ Привет",
        "   ",
    ],
)
def test_bad_input_gets_a_sensible_reply(run, hostile: str) -> None:  # type: ignore[no-untyped-def]
    result = (
        run("ask", "--json", "--", hostile)
        if hostile.strip()
        else run("ask", "--json", stdin=hostile + "\n")
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout.splitlines()[0])
    assert record["intent"] in {"faq", "clarify", "fallback", "help"}
    assert record["reply"]
    assert "Traceback" not in result.stdout + result.stderr
    again = ask_json(run, "低保")  # the base is intact
    assert again[0]["intent"] == "faq"


def test_state_survives_between_processes(run) -> None:  # type: ignore[no-untyped-def]
    (first,) = ask_json(run, "社区")
    assert first["intent"] == "clarify"
    result = run("ask", "--json", "1")
    assert json.loads(result.stdout)["answer_id"] == first["suggestions"][0]["id"]  # type: ignore[index]


def test_kb_export_is_jsonl_with_sources(run) -> None:  # type: ignore[no-untyped-def]
    result = run("kb", "export", "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) >= 60
    for record in records:
        assert {"id", "category", "community", "questions", "answer", "source"} <= set(record)
        assert record["source"]


def test_kb_import_is_all_or_nothing(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "good.yaml"
    good.write_text(
        "entries:\n  - id: svc-wifi\n    question: 社区有免费无线网吗\n"
        "    paraphrases: [社区wifi密码]\n    answer: 示例答案：党群服务中心有免费无线网。\n"
        "    source: 示例\n",
        encoding="utf-8",
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "id,category,community,question,paraphrases,keywords,answer,source,updated_at\n"
        "svc-x,service,atlantis,问,,,答,源,\n",
        encoding="utf-8",
    )
    result = run("kb", "import", str(good), str(bad))
    assert result.returncode == 1
    assert f"{bad}:2: 未知的社区 'atlantis'" in result.stderr
    assert "svc-wifi" not in run("kb", "export").stdout
    result = run("kb", "import", str(good))
    assert result.returncode == 0, result.stderr
    assert "svc-wifi" in run("kb", "export").stdout
    (answer,) = ask_json(run, "社区wifi密码是多少")
    assert answer["answer_id"] == "svc-wifi"


def test_kb_check(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("kb", "check").returncode == 0
    broken = tmp_path / "broken.yaml"
    broken.write_text("entries:\n  - id: x\n    question: 问\n", encoding="utf-8")
    result = run("kb", "check", str(broken))
    assert result.returncode == 1
    assert f"{broken}:2: 缺少 answer" in result.stderr


def test_kb_eval_reports_the_rates(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    labelled = tmp_path / "set.jsonl"
    labelled.write_text(
        '{"text": "低保咋个申请", "expect": "svc-dibao"}\n'
        '{"text": "明天股市会涨吗", "expect": "fallback"}\n'
        '{"text": "找人工", "expect": "handoff"}\n',
        encoding="utf-8",
    )
    result = run("kb", "eval", "--json", str(labelled))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["rates"]["top1"] == 1.0
    assert report["rates"]["out_of_scope_fallback"] == 1.0
    assert report["misses"] == []
    labelled.write_text('{"text": "x", "expect": "no-such-entry"}\n', encoding="utf-8")
    assert run("kb", "eval", str(labelled)).returncode == 1


def test_unanswered_lists_what_staff_must_follow_up(run) -> None:  # type: ignore[no-untyped-def]
    ask_json(run, "菜市场几点关门", "找人工")
    result = run("unanswered", "--json")
    kinds = [json.loads(line)["kind"] for line in result.stdout.splitlines()]
    assert kinds == ["handoff", "fallback"]


def test_bad_config_is_a_clear_error(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "config.toml"
    config.write_text('[knowledge]\nanswer_threshold = "high"\n', encoding="utf-8")
    result = run("--config", str(config), "ask", "低保")
    assert result.returncode == 2
    assert "knowledge.answer_threshold" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="PostgreSQL test skipped: set LINLI_TEST_DATABASE_URL")
def test_ask_on_postgresql(run) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text
    from sqlmodel import SQLModel

    from bot.app import open_database
    from bot.config import Settings

    engine = open_database(Settings.model_validate({"database": {"url": PG_URL}}))

    def empty() -> None:  # the tables, and the migrations' and APScheduler's own
        SQLModel.metadata.drop_all(engine)
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version, apscheduler_jobs"))

    empty()
    try:
        result = run("ask", "--json", "低保", env={"LINLI_DATABASE_URL": PG_URL})
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["answer_id"] == "svc-dibao"
    finally:
        empty()
        engine.dispose()
