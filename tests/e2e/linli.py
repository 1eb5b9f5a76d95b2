"""`linli` as a separate process, one command each, in its own home (no LINLI_* settings from
outside): what the issue-17 conversations are scripted with."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


class Linli:
    """Run `python -m bot ...` with LINLI_HOME set to `home`."""

    def __init__(self, home: Path):
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
        self.env["LINLI_HOME"] = str(home)

    def run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        """One command; stdin is empty (not a terminal), as in a script."""
        return subprocess.run(
            [sys.executable, "-m", "bot", *argv], env=self.env, capture_output=True,
            text=True, timeout=120, stdin=subprocess.DEVNULL,
        )  # fmt: skip

    def ask(self, user: str, text: str) -> dict[str, Any]:
        """`linli ask --json --user USER TEXT`: the reply as JSON."""
        done = self.run("ask", "--json", "--user", user, text)
        assert done.returncode == 0, done.stderr
        answer: dict[str, Any] = json.loads(done.stdout)
        return answer
