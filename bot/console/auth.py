"""The console's cookie and forms: the session cookie is the session's token with an HMAC
of it (HttpOnly, SameSite=Lax, Secure behind HTTPS), and every form carries a CSRF token
derived from the session, checked on every POST."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets

from bot.config import Settings
from bot.files import private_dir, private_file

COOKIE = "linli_console"
_SECRET_FILE = "console-secret"


def load_secret(settings: Settings) -> bytes:
    """The configured secret, or the data directory's own (made once, by whichever process
    comes first: the others read that one)."""
    if settings.console.secret:
        return settings.console.secret.encode()
    path = private_dir(settings.home) / _SECRET_FILE
    if not path.exists():
        partial = private_file(path.with_suffix(f".{os.getpid()}.part"))
        partial.write_text(secrets.token_hex(32), encoding="utf-8")
        with contextlib.suppress(FileExistsError):
            os.link(partial, path)  # atomic: fails when another process made it first
        partial.unlink()
    return path.read_text(encoding="utf-8").strip().encode()


class Signer:
    """Signs session tokens into cookie values and derives each session's CSRF token."""

    def __init__(self, secret: bytes):
        self.secret = secret

    def _mac(self, purpose: str, token: str) -> str:
        return hmac.new(self.secret, f"{purpose}:{token}".encode(), hashlib.sha256).hexdigest()

    def cookie(self, token: str) -> str:
        """The cookie's value for a session token."""
        return f"{token}.{self._mac('session', token)}"

    def token(self, cookie: str | None) -> str | None:
        """The session token in a cookie, or None when it is missing or not ours."""
        if not cookie or "." not in cookie:
            return None
        token, _, mac = cookie.rpartition(".")
        return token if hmac.compare_digest(mac, self._mac("session", token)) else None

    def csrf(self, token: str) -> str:
        """The CSRF token of a session's forms."""
        return self._mac("csrf", token)[:40]

    def csrf_ok(self, token: str, given: str | None) -> bool:
        """Whether a form's CSRF token is the session's."""
        return bool(given) and hmac.compare_digest(self.csrf(token), str(given))


def secure(settings: Settings) -> bool:
    """Whether the cookie may travel only over HTTPS (the console is published on it)."""
    return settings.console.base_url.startswith("https://")
