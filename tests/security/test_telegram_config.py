"""Telegram settings that would leave the bot open or dead are refused at start."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.cli import main as cli
from bot.config import load_settings
from bot.errors import ConfigError

ON = {"LINLI_TELEGRAM_ENABLED": "true", "LINLI_TELEGRAM_TOKEN": "123:ABC"}


def _load(**env: str) -> None:
    load_settings(Path(os.devnull), environ=env)


def test_webhook_mode_without_a_secret_token_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"telegram\.secret_token") as caught:
        _load(**ON)
    assert "LINLI_TELEGRAM_SECRET_TOKEN" in str(caught.value)
    with pytest.raises(ConfigError, match=r"telegram\.secret_token"):
        _load(**ON, LINLI_TELEGRAM_SECRET_TOKEN="  ")


def test_an_enabled_bot_without_a_token_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"telegram\.token") as caught:
        _load(LINLI_TELEGRAM_ENABLED="true", LINLI_TELEGRAM_SECRET_TOKEN="s3cret")
    assert "LINLI_TELEGRAM_TOKEN" in str(caught.value)


def test_settings_that_are_fine_still_load() -> None:
    _load()  # disabled: nothing is needed
    _load(**ON, LINLI_TELEGRAM_MODE="polling")  # polling: Telegram is never posting to us
    _load(**ON, LINLI_TELEGRAM_SECRET_TOKEN="s3cret-token")


def test_serve_says_which_setting_is_wrong_and_does_not_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    started: list[object] = []
    monkeypatch.setattr(cli, "_serve", lambda args, settings: started.append(args) or 0)
    for name, value in {**ON, "LINLI_HOME": str(tmp_path)}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("LINLI_TELEGRAM_SECRET_TOKEN", raising=False)
    assert cli.main(["--config", os.devnull, "serve"]) == 2
    assert started == []
    error = capsys.readouterr().err
    assert error.startswith("配置错误：")
    assert "telegram.secret_token" in error
