"""A whole conversation through `linli chat`, as a resident types it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_a_conversation(tmp_path: Path) -> None:
    lines = [
        "你好",
        "東坡大道名字怎麼來的？",
        "社区",
        "1",
        "明天股市会涨吗",
        "能找真人吗",
        "退出",
        "这一行不会被读到",
    ]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    environ["LINLI_HOME"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--user", "grandma"],
        input="\n".join(lines) + "\n", capture_output=True, text=True, env=environ, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    replies = result.stdout.strip().split("\n\n")
    assert "小助手" in replies[0]
    assert "东坡居士" in replies[1]
    assert "回复数字" in replies[2]
    assert replies[3]
    assert "回复数字" not in replies[3]
    assert "答不上来" in replies[4]
    assert "工作人员" in replies[5]
    assert replies[-1].startswith("邻里：再见")
    assert "不会被读到" not in result.stdout


def test_warnings_stay_out_of_the_conversation(tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    environ["LINLI_HOME"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--user", "grandma"],
        input="取消活动1\n", capture_output=True, text=True, env=environ, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0
    assert "只有社区工作人员" in result.stdout
    assert result.stderr == ""  # the terminal shows the conversation only
    assert "tried a staff command" in (tmp_path / "chat.log").read_text(encoding="utf-8")
