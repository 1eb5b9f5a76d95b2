"""The console's fixtures (defined in support.py, shared with the security tests)."""

from tests.bot.console.support import linli, web

__all__ = ["linli", "web"]
