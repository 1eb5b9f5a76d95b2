"""Files that hold personal data (the database, staff exports, the terminal channel's log)
are readable by their owner only: other accounts on the machine see nothing of them."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def private_dir(path: Path) -> Path:
    """Create the folder (and its parents) if needed; a folder Linli creates is owner-only."""
    if not path.exists():
        path.mkdir(parents=True, mode=PRIVATE_DIR)
        os.chmod(path, PRIVATE_DIR)  # mkdir's mode is filtered by the umask
    return path


def private_file(path: Path) -> Path:
    """Make sure `path` exists and only its owner may read or write it, before anything is
    written to it (no moment where it is world-readable)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE)
    os.close(descriptor)
    with contextlib.suppress(PermissionError):  # not ours to change: leave it as it is
        os.chmod(path, PRIVATE_FILE)
    return path
