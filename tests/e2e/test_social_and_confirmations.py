"""Issue 17 through `linli ask --user`, one process per message: short social messages get a
short reply (5, 6), the fallback promises only what happens (7), a role granted before the
person has spoken is theirs (11), and staff confirm what cannot be undone (5)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.linli_process import LinliProcess


def test_social_messages_and_honest_fallbacks(tmp_path: Path) -> None:
    linli = LinliProcess(tmp_path)
    expected = {
        "再见": "再见", "谢谢": "不客气", "5": "您是想看编号 5 的活动吗", "签到": "签到码",
        "今天天气怎么样": "答不上来", "隔壁王阿姨电话多少": "隐私",
        "菜市场几点关门": "交给社区工作人员",
    }  # fmt: skip
    for said, reply in expected.items():
        answer = linli.ask("ann", said)
        assert reply in answer["reply"], (said, answer)
        assert answer["answer_id"] is None, said  # nothing from the knowledge base
        assert "示例" not in answer["reply"], said  # no placeholder contact
    listed = linli.run("unanswered", "--json").splitlines()
    assert [json.loads(line)["text"] for line in listed] == ["菜市场几点关门"]


def test_staff_confirm_cancelling_and_pushing_to_everyone(tmp_path: Path) -> None:
    linli = LinliProcess(tmp_path)
    linli.run("role", "grant", "console:boss", "staff")  # boss has not spoken yet
    asked = linli.ask("boss", "取消活动 1")["reply"]
    assert "要取消【" in asked
    assert "位报名的居民" in asked
    assert "已取消" not in linli.ask("boss", "好的")["reply"]  # not an explicit yes
    linli.ask("boss", "取消活动 1")
    assert "已取消【" in linli.ask("boss", "确认")["reply"]

    pushed = linli.attempt("push", "send", "停水通知", "--everyone")
    assert pushed.returncode == 1
    assert "全区所有人，约" in pushed.stderr
    assert "--yes" in pushed.stderr
    assert "还没有公告" in linli.run("push", "list")
    assert "已安排" in linli.run("push", "send", "停水通知", "--everyone", "--yes")
