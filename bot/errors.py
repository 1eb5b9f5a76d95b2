"""Linli's small exception hierarchy."""


class LinliError(Exception):
    """Base of Linli's own errors."""


class ConfigError(LinliError):
    """Settings are missing or invalid; the message is safe to print."""


class UserFacingError(LinliError):
    """An error whose message is written for the resident and safe to show in chat."""


class TooLong(UserFacingError):
    """A value does not fit its column: refused the same way on SQLite and PostgreSQL."""


class ChannelError(LinliError):
    """A channel could not deliver now; retry later (after `retry_after` seconds if given)."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class Undeliverable(LinliError):
    """A message can never reach this user on this channel (blocked, unfollowed...)."""
