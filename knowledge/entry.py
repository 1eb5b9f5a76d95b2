"""The knowledge entry and community types, independent of any storage."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

CATEGORIES = ("service", "place_name", "community", "programme", "howto")


@dataclass(frozen=True)
class Entry:
    """One answer and the questions it answers.

    `community` is None for district-wide entries.
    """

    id: str
    category: str
    question: str
    answer: str
    source: str
    community: str | None = None
    paraphrases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    updated_at: dt.date | None = None

    @property
    def questions(self) -> tuple[str, ...]:
        """The canonical question first, then the paraphrases."""
        return (self.question, *self.paraphrases)


@dataclass(frozen=True)
class Community:
    """A community (社区) of the district, with the names residents call it by."""

    id: str
    name: str
    street: str = ""
    aliases: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class District:
    """The district a knowledge base serves."""

    name: str
    city: str
    timezone: str
    communities: tuple[Community, ...]
