"""Issue 17 item 12's smaller things, as a newcomer meets them through separate `linli`
processes: a weekday time in the announcement flow, an announcement that reaches nobody is not
offered, notices go only to a channel the account has, a GBK file is asked to be saved as
UTF-8, a closed pipe is no error, and `linli chat` keeps log lines out of the conversation."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.linli_process import LinliProcess


def test_a_weekday_time_and_an_announcement_to_nobody(tmp_path: Path) -> None:
    linli = LinliProcess(tmp_path)
    linli.run("role", "grant", "console:boss", "staff")
    linli.run("role", "grant", "console:vol", "volunteer", "--community", "suzhe")
    say = linli.say
    for line in ("发公告", "周六上午九点，社区广场免费量血压。", "不用", "1", "2", "1"):
        say("boss", line)  # 蓬莱社区's volunteers: there are none
    nobody = say("boss", "周五 8:00")
    assert "一个人也发不到" in nobody  # never a "约 0 人" preview to confirm
    assert "发给哪个社区" in nobody
    for line in ("3", "2", "1"):  # 苏辙社区's volunteers: one
        say("boss", line)
    preview = say("boss", "周五 8:00")  # a weekday and a time, as staff type them
    assert "周五" in preview
    assert "08:00" in preview
    assert "约 1 人" in preview or "1 人" in preview
    assert "确认" in preview


def test_notices_go_only_to_a_channel_the_account_has(tmp_path: Path) -> None:
    linli = LinliProcess(tmp_path)
    assert "还没有连上微信" in linli.say("gran", "通知发到微信")


def test_files_and_pipes_staff_meet(tmp_path: Path) -> None:
    linli = LinliProcess(tmp_path)
    gbk = tmp_path / "faq.csv"
    gbk.write_bytes(
        "id,category,community,question,paraphrases,keywords,answer,source,updated_at\n"
        "svc-wifi,service,,社区有无线网吗,,,有，在服务中心。,示例,\n".encode("gbk")
    )
    refused = linli.attempt("kb", "import", str(gbk))
    assert refused.returncode == 1
    assert "UTF-8" in refused.stderr
    assert "Traceback" not in refused.stderr
    env = {**linli.env, "PYTHONUNBUFFERED": "1"}
    export = subprocess.Popen(
        [sys.executable, "-m", "bot", "kb", "export"], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    assert export.stdout is not None
    assert export.stderr is not None
    export.stdout.readline()  # `| head -1`: read one line, then close the pipe
    export.stdout.close()
    assert export.wait(timeout=120) == 0
    assert "BrokenPipe" not in export.stderr.read().decode()


def test_chat_keeps_log_lines_out_of_the_conversation(tmp_path: Path) -> None:
    linli = LinliProcess(tmp_path)
    chat = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--user", "ann"], env=linli.env,
        input="发公告\n", capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert chat.returncode == 0, chat.stderr
    assert "工作人员" in chat.stdout  # the polite refusal is the reply
    assert "WARNING" not in chat.stdout + chat.stderr  # the warning went to chat.log
    assert "staff command" in (Path(linli.home) / "chat.log").read_text(encoding="utf-8")
    assert os.environ.get("LINLI_HOME") != str(linli.home)
