"""`linli serve` started by a test, in its own process group, so that however the test ends
(assertion, timeout, Ctrl-C) the server and every child it started are stopped: the block's
`finally` kills the group, and an atexit hook catches any group a crashed runner forgot.
Also `wait_for`, how a test waits on what a server (or any other process) does."""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

_LIVE: set[int] = set()


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
    _LIVE.discard(pgid)


@atexit.register
def _kill_leftovers() -> None:
    for pgid in list(_LIVE):
        _kill_group(pgid)


def run_linli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """One `python -m bot ARGS...` command beside the server, its output captured."""
    command = [sys.executable, "-m", "bot", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def start_serve(env: dict[str, str], *args: str, **popen: Any) -> subprocess.Popen[str]:
    """`python -m bot serve ARGS...` as the leader of a new process group (pgid == its pid)."""
    server: subprocess.Popen[str] = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", *args], env=env, text=True,
        start_new_session=True, **popen,
    )  # fmt: skip
    _LIVE.add(server.pid)
    return server


def stop_serve(server: subprocess.Popen[str], grace: float = 60) -> None:
    """SIGTERM the server and wait `grace` seconds, then kill its whole group."""
    try:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(timeout=grace)
    finally:
        _kill_group(server.pid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=30)


@contextlib.contextmanager
def serving(
    env: dict[str, str], *args: str, grace: float = 60, **popen: Any
) -> Iterator[subprocess.Popen[str]]:
    """A running server for the block; stopped with its children however the block ends."""
    server = start_serve(env, *args, **popen)
    try:
        yield server
    finally:
        stop_serve(server, grace)


def wait_for(condition: Callable[[], bool], seconds: float = 120) -> None:
    """Wait until `condition()`, checked every 0.05 s; the bound only catches a hang."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"still waiting after {seconds:g} s"
        time.sleep(0.05)
