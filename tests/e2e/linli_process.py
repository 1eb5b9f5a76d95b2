"""Linli run as a separate process, one per command, in its own home: `ask --user U` for a
resident's message, any other command (`unanswered --json`) as staff would type it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class LinliProcess:
    """Runs `python -m bot` with LINLI_HOME set to `home` and no other LINLI_ setting; keeps
    every process's stderr (the log) for the test to read."""

    home: Path
    logs: list[str] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        """The environment each process gets."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
        env["LINLI_HOME"] = str(self.home)
        return env

    def attempt(self, *args: str) -> subprocess.CompletedProcess[str]:
        """One command, which may be refused; stdin is empty (not a terminal), as in a script."""
        result = subprocess.run(
            [sys.executable, "-m", "bot", *args], env=self.env, capture_output=True,
            text=True, timeout=60, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        self.logs.append(result.stderr)
        return result

    def run(self, *args: str) -> str:
        """One command's stdout (it must succeed)."""
        result = self.attempt(*args)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def ask(self, user: str, text: str) -> dict[str, Any]:
        """`ask --json`'s record for one message from `user` (intent, answer_id, reply...)."""
        found: dict[str, Any] = json.loads(self.run("ask", "--json", "--user", user, text))
        return found

    def say(self, user: str, text: str) -> str:
        """The reply to one message from `user`."""
        return str(self.ask(user, text)["reply"])
