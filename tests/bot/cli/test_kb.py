"""`linli kb import|remove|check|export|calibrate` as staff run them: an import never replaces
a stored answer unasked, one entry can be removed, every problem of a file is listed, a closed
pipe is no error, and a trial calibration does not replace the live one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.bot.cli.test_main import run  # noqa: F401  (the CLI fixture)

WIFI = """entries:
  - id: svc-wifi
    category: service
    question: 社区有免费无线网吗
    answer: {answer}
    source: 示例
"""


def test_an_import_shows_what_it_would_overwrite_and_needs_yes(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    first.write_text(WIFI.format(answer="党群服务中心有免费无线网。"), encoding="utf-8")
    second.write_text(WIFI.format(answer="密码贴在服务中心前台。"), encoding="utf-8")
    assert "新增 1" in run("kb", "import", str(first)).stdout
    assert run("kb", "import", str(first)).returncode == 0  # the same again: nothing changes

    refused = run("kb", "import", str(second))
    assert refused.returncode == 1
    assert "原答案：党群服务中心有免费无线网。" in refused.stderr
    assert "新答案：密码贴在服务中心前台。" in refused.stderr
    assert "--yes" in refused.stderr
    assert "党群服务中心有免费无线网" in run("kb", "export").stdout  # kept

    done = run("kb", "import", str(second), "--yes")
    assert done.returncode == 0, done.stderr
    assert "更新：svc-wifi" in done.stdout
    assert "密码贴在服务中心前台" in run("kb", "export").stdout


def test_one_entry_can_be_removed(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    wifi = tmp_path / "wifi.yaml"
    wifi.write_text(WIFI.format(answer="党群服务中心有免费无线网。"), encoding="utf-8")
    run("kb", "import", str(wifi))
    missing = run("kb", "remove", "svc-wifi", "no-such-entry")
    assert missing.returncode == 1
    assert "知识库里没有：no-such-entry" in missing.stderr
    assert "svc-wifi" in run("kb", "export").stdout  # all or nothing
    removed = run("kb", "remove", "svc-wifi")
    assert (removed.returncode, removed.stdout.strip()) == (
        0,
        "已删除 svc-wifi（社区有免费无线网吗）",
    )
    assert "svc-wifi" not in run("kb", "export").stdout


def test_check_lists_every_problem_without_a_traceback(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "entries:\n"
        "  - {id: a-one, category: service, question: 问一, answer: 答, source: 源,"
        " updated_at: 2026-02-30}\n"
        "  - {id: a-two, category: nope, question: 问二, answer: 答, source: 源}\n"
        "  - {id: a-three, category: service, question: 问三, answer: 答, source: 源,"
        " updated_at: 昨天}\n",
        encoding="utf-8",
    )
    result = run("kb", "check", str(bad))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{bad}:2: updated_at '2026-02-30' 不是日期" in result.stderr
    assert f"{bad}:3: 未知的 category 'nope'" in result.stderr
    assert f"{bad}:4: updated_at '昨天' 不是日期" in result.stderr
    assert "共 3 个问题" in result.stderr


def test_export_into_a_closed_pipe_is_quiet(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    many = tmp_path / "many.yaml"
    rows = [
        f"  - {{id: x-{n}, category: service, question: 问题{n}, answer: {'答' * 400}, source: 源}}"
        for n in range(400)
    ]  # far more than a pipe holds
    many.write_text("entries:\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert run("kb", "import", str(many)).returncode == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    env["LINLI_HOME"] = str(tmp_path / "home")
    export = subprocess.Popen(
        [sys.executable, "-m", "bot", "kb", "export"], env=env, cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert export.stdout is not None
    assert export.stderr is not None
    assert export.stdout.readline().startswith(b"{")
    export.stdout.close()  # `| head -1`
    assert export.wait(timeout=120) == 0
    assert export.stderr.read() == b""


def test_calibrate_without_write_only_reports(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    labelled = tmp_path / "set.jsonl"
    labelled.write_text(
        '{"text": "低保咋个申请", "expect": "svc-dibao"}\n'
        '{"text": "明天股市会涨吗", "expect": "fallback"}\n',
        encoding="utf-8",
    )
    live = tmp_path / "home" / "calibration.json"
    trial = run("kb", "calibrate", str(labelled))
    assert trial.returncode == 0, trial.stderr
    assert "没有写入" in trial.stdout
    assert not live.exists()
    written = run("kb", "calibrate", str(labelled), "--write")
    assert written.returncode == 0, written.stderr
    assert live.exists()


def test_a_gbk_labelled_file_is_asked_to_be_saved_as_utf8(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    labelled = tmp_path / "gbk.jsonl"
    labelled.write_bytes('{"text": "低保咋个申请", "expect": "svc-dibao"}\n'.encode("gbk"))
    result = run("kb", "eval", str(labelled))
    assert result.returncode == 1
    assert "另存为 UTF-8" in result.stderr
    assert "codec" not in result.stderr


def test_an_import_says_what_it_does_and_leaves_the_index_built(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    wifi = tmp_path / "wifi.yaml"
    wifi.write_text(WIFI.format(answer="党群服务中心有免费无线网。"), encoding="utf-8")
    done = run("kb", "import", str(wifi))
    assert done.returncode == 0, done.stderr
    assert "正在读取并检查 1 个文件" in done.stderr  # progress on stderr, the result on stdout
    assert "检索索引建好了" in done.stderr
    assert done.stdout.startswith("已导入 1 条知识")
    cached = sorted((tmp_path / "home" / "cache").glob("matcher-kb-*.pickle"))
    assert len(cached) == 1
    built = cached[0].stat().st_mtime_ns
    asked = run("ask", "--json", "社区有免费无线网吗")
    assert "免费无线网" in asked.stdout
    assert [p.stat().st_mtime_ns for p in (tmp_path / "home" / "cache").glob("matcher-kb-*")] == [
        built
    ]  # the first question used the index the import built


def test_an_exported_base_imports_back_as_it_was(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    exported = run("kb", "export", "--format", "jsonl")
    assert exported.returncode == 0, exported.stderr
    records = [json.loads(line) for line in exported.stdout.splitlines()]
    edited = [dict(r, answer=r["answer"] + "（已核对）") if r["id"] == "svc-dibao" else r
              for r in records]  # fmt: skip
    base = tmp_path / "base.jsonl"
    base.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in edited), encoding="utf-8")

    done = run("kb", "import", str(base), "--replace")
    assert done.returncode == 0, done.stderr
    again = [json.loads(line) for line in run("kb", "export").stdout.splitlines()]
    assert again == edited


def test_a_bad_jsonl_line_is_named(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    base = tmp_path / "base.jsonl"
    base.write_text('{"id": "svc-a", "questions": ["问"], "answer": "答", "source": "源"}\n{oops\n',
                    encoding="utf-8")  # fmt: skip
    refused = run("kb", "import", str(base))
    assert refused.returncode == 1
    assert "base.jsonl:2" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_eval_by_kind_counts_each_kind_and_the_holdout_apart(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    blind = tmp_path / "blind.jsonl"
    rows = [
        {"text": "低保咋个申请", "kind": "dialect", "expect": "低保", "holdout": False},
        {"text": "明天股市会涨吗", "kind": "oos", "expect": "fallback", "holdout": False},
        {"text": "你好", "kind": "chitchat", "expect": "social", "holdout": False},
        {"text": "今天天气怎么样", "kind": "oos", "expect": "fallback", "holdout": True},
    ]
    blind.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    result = run("kb", "eval", "--by-kind", "--json", str(blind))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["dev"]["by_kind"]["oos"] == {"right": 1, "clarify": 0, "fallback": 0, "wrong": 0}
    assert report["dev"]["by_kind"]["chitchat"]["right"] == 1
    assert set(report["holdout"]["by_kind"]) == {"oos"}  # the held-out line is counted apart
    assert report["all"]["rates"]["out_of_scope_declined"] == 100.0
    table = run("kb", "eval", "--by-kind", str(blind)).stdout
    assert "== dev (3 lines)" in table
    assert "== holdout (1 lines)" in table


def test_a_calibration_written_is_read_through_the_setting(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    labelled = tmp_path / "set.jsonl"
    labelled.write_text(
        '{"text": "低保咋个申请", "expect": "svc-dibao"}\n'
        '{"text": "低保怎么办理", "expect": "svc-dibao"}\n'
        '{"text": "明天股市会涨吗", "expect": "fallback"}\n',
        encoding="utf-8",
    )
    target = tmp_path / "district" / "calibration.json"
    written = run("kb", "calibrate", str(labelled), "--write", str(target))
    assert written.returncode == 0, written.stderr
    assert "交叉验证" in written.stdout  # held-out rates, not the fitted file's own
    assert "calibration =" in written.stdout  # says how to make Linli read it
    setting = {"LINLI_KNOWLEDGE_CALIBRATION": str(target)}
    assert json.loads(run("ask", "--json", "低保咋个申请", env=setting).stdout)["intent"] == "faq"
    data = json.loads(target.read_text(encoding="utf-8"))
    data["thresholds"] = {"answer": 1.0, "clarify": 1.0}  # nothing is ever sure enough
    target.write_text(json.dumps(data), encoding="utf-8")
    strict = json.loads(run("ask", "--json", "低保咋个申请", env=setting).stdout)
    assert strict["intent"] == "fallback"
    assert json.loads(run("ask", "--json", "低保咋个申请").stdout)["intent"] == "faq"
    missing = run("ask", "低保", env={"LINLI_KNOWLEDGE_CALIBRATION": str(tmp_path / "none.json")})
    assert missing.returncode != 0
    assert "none.json" in missing.stderr
