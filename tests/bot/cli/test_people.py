"""`linli invite create`: a one-time code, and with --qr a WeChat parametric QR code whose
scene gives the role when the invited person scans it and follows the account."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import unquote

import pytest

from tests.bot.cli.test_main import run  # noqa: F401  (the CLI fixture)
from tests.fakes.wechat_api import FakeWeChatAPI


@pytest.fixture
def api() -> Iterator[FakeWeChatAPI]:
    with FakeWeChatAPI() as fake:
        yield fake


def wechat(api: FakeWeChatAPI) -> dict[str, str]:
    return {
        "LINLI_WECHAT_ENABLED": "true", "LINLI_WECHAT_TOKEN": "tok",
        "LINLI_WECHAT_APP_ID": "wxtest", "LINLI_WECHAT_APP_SECRET": "s3cret",
        "LINLI_WECHAT_API_BASE": api.base_url,
    }  # fmt: skip


def test_invite_with_a_wechat_qr_code(run, api: FakeWeChatAPI) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    done = run("invite", "create", "--role", "volunteer", "--community", "suzhe", "--days", "40",
               "--qr", env=wechat(api))  # fmt: skip
    assert done.returncode == 0, done.stderr
    code = done.stdout.split("邀请码：")[1][:8]
    (made,) = api.qrcodes
    assert made["action_info"]["scene"]["scene_str"] == f"invite_{code}"
    assert made["expire_seconds"] == 30 * 24 * 3600  # WeChat's longest for a temporary code
    assert unquote(done.stdout.split("ticket=")[1].strip()) == made["ticket"]


def test_qr_needs_wechat(run) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    done = run("invite", "create", "--role", "volunteer", "--qr")
    assert done.returncode == 2
    assert "还没有启用微信" in done.stderr


def test_role_list_without_a_user_lists_everyone_with_a_role(run) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    assert "还没有人有角色" in run("role", "list").stdout
    run("ask", "--user", "li", "你好")
    assert run("role", "grant", "console:li", "staff", "--community", "suzhe").returncode == 0
    assert run("role", "grant", "console:li", "volunteer").returncode == 0
    listed = run("role", "list").stdout.splitlines()
    assert listed == [
        "staff @ suzhe：用户 1（console:li）",
        "volunteer @ 全区：用户 1（console:li）",
    ]


def test_a_role_can_be_granted_before_the_person_has_spoken(run) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    granted = run("role", "grant", "console:boss", "staff")
    assert granted.returncode == 0, granted.stderr
    assert "staff @ 全区：用户 1（console:boss）" in run("role", "list").stdout
    assert "工作人员：" in run("ask", "--user", "boss", "帮助").stdout  # the role is theirs
    missing = run("role", "grant", "404", "staff")
    assert missing.returncode == 1
    assert "没有找到用户 404" in missing.stderr
