"""A failing block leaves no `linli serve` (nor any child of it) running."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.e2e.test_reminder_restart import environment
from tests.serving import serving


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_failing_block_leaves_no_server_behind(tmp_path: Path) -> None:
    env = environment(tmp_path)
    pid = 0
    with pytest.raises(AssertionError), serving(env, grace=5) as server:  # noqa: PT012
        pid = server.pid
        time.sleep(1)
        raise AssertionError("the test failed")
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(pid)
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)  # the whole group is gone
