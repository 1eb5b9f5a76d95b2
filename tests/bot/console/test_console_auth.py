"""The console's cookie signing, CSRF tokens, secret and settings."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.console.auth import Signer, load_secret
from bot.errors import ConfigError


def settings_in(home: Path, **env: str) -> Settings:
    return load_settings(Path(os.devnull), environ={"LINLI_HOME": str(home), **env})


def test_a_cookie_is_ours_only_with_our_signature() -> None:
    signer = Signer(b"k" * 32)
    cookie = signer.cookie("abc")
    assert signer.token(cookie) == "abc"
    assert signer.token(cookie[:-1] + ("0" if cookie[-1] != "0" else "1")) is None
    assert signer.token("abc") is None
    assert signer.token(None) is None
    assert Signer(b"x" * 32).token(cookie) is None  # another secret: not ours


def test_csrf_tokens_belong_to_one_session() -> None:
    signer = Signer(b"k" * 32)
    assert signer.csrf_ok("one", signer.csrf("one"))
    assert not signer.csrf_ok("two", signer.csrf("one"))
    assert not signer.csrf_ok("one", "")
    assert not signer.csrf_ok("one", None)


def test_the_secret_is_made_once_private_and_kept(tmp_path: Path) -> None:
    first = load_secret(settings_in(tmp_path))
    assert load_secret(settings_in(tmp_path)) == first
    assert len(first) == 64
    assert stat.S_IMODE((tmp_path / "console-secret").stat().st_mode) == 0o600
    assert not list(tmp_path.glob("*.part"))
    configured = settings_in(tmp_path, LINLI_CONSOLE_SECRET="configured-secret-value")
    assert load_secret(configured) == b"configured-secret-value"


def test_the_base_url_must_be_a_web_address(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="base_url"):
        settings_in(tmp_path, LINLI_CONSOLE_BASE_URL="linli.example.org")
    url = settings_in(tmp_path, LINLI_CONSOLE_BASE_URL="https://linli.example.org/")
    assert url.console.base_url == "https://linli.example.org"
