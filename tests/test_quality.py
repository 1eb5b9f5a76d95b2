"""Code quality is part of the test run: ruff (lint and format) and mypy --strict."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is in the test extras")
def test_ruff_lint() -> None:
    result = run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff is in the test extras")
def test_ruff_format() -> None:
    result = run("ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict() -> None:
    result = run(sys.executable, "-m", "mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_system_clock_is_read_in_one_place() -> None:
    """Only bot/clock.py reads the calendar; everything else is given a Clock (a test that
    runs on one fails at any other read, see tests/conftest.py)."""
    readers = ("datetime.now(", "date.today(", "datetime.utcnow(", "datetime.today(")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in ("bot", "intents", "knowledge", "scheduler")
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != ROOT / "bot" / "clock.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if any(reader in line for reader in readers)
    ]
    assert offenders == []
