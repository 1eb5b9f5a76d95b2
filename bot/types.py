"""The channel-neutral message types: what adapters give the dispatcher and get back; and
`Labelled`, the base of every domain's statuses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Self


@dataclass(frozen=True)
class Attachment:
    """What a picture or a shared location carries: a picture's channel reference (WeChat's
    MediaId and PicUrl; the bytes are never fetched), or a point and its label."""

    media_id: str = ""
    url: str = ""
    latitude: float | None = None
    longitude: float | None = None
    label: str = ""


@dataclass(frozen=True)
class Incoming:
    """One message from a resident, whatever channel it came through."""

    channel: str  # console | wechat | telegram
    user_key: str  # the sender's id on that channel (openid, chat id, console name)
    text: str = ""
    kind: str = "text"  # text | event | voice | image | location ...
    event_key: str | None = None
    msg_id: str | None = None  # the channel's message id: the same id is handled once
    received_at: dt.datetime | None = None  # None: when the dispatcher takes it
    attachment: Attachment | None = None  # an image's reference, a location's point


@dataclass(frozen=True)
class Option:
    """A numbered choice; replying the number (or tapping it) picks `value`."""

    number: int
    label: str
    value: str


@dataclass(frozen=True)
class Reply:
    """One message to send: text, then numbered options, then a closing note."""

    text: str
    options: tuple[Option, ...] = ()
    note: str = ""

    def as_text(self) -> str:
        """The reply as plain text, for channels without buttons (console, WeChat)."""
        lines = [self.text] if self.text else []
        lines += [f"{o.number}. {o.label}" for o in self.options]
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)


@dataclass(frozen=True)
class Outcome:
    """What handling one message produced: the replies, and why (for logs, tests and scripts)."""

    intent: str
    replies: tuple[Reply, ...]
    confidence: float | None = None
    answer_id: str | None = None
    suggestions: tuple[Option, ...] = ()
    # the stored outcome of a message handled before (a re-delivery): a channel that sends
    # its replies itself has sent them already; not stored, not compared
    replayed: bool = field(default=False, compare=False)

    @property
    def text(self) -> str:
        """All replies as one plain text."""
        return "\n\n".join(r.as_text() for r in self.replies)

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe form, stored so a re-delivered message gets the same answer."""
        return {
            "intent": self.intent,
            "replies": [
                {"text": r.text, "note": r.note, "options": [_option(o) for o in r.options]}
                for r in self.replies
            ],
            "confidence": self.confidence,
            "answer_id": self.answer_id,
            "suggestions": [_option(o) for o in self.suggestions],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outcome:
        """The inverse of `to_json`."""
        replies = tuple(
            Reply(r["text"], tuple(Option(**o) for o in r["options"]), r.get("note", ""))
            for r in data["replies"]
        )
        return cls(
            intent=data["intent"],
            replies=replies,
            confidence=data.get("confidence"),
            answer_id=data.get("answer_id"),
            suggestions=tuple(Option(**o) for o in data.get("suggestions", [])),
        )


def _option(option: Option) -> dict[str, Any]:
    return {"number": option.number, "label": option.label, "value": option.value}


class Labelled(StrEnum):
    """A status as stored (its value) with the Chinese label people read; each domain lists
    its statuses once, as `NAME = "value", "标签"`."""

    label: str

    def __new__(cls, value: str, label: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def label_of(cls, value: str) -> str:
        """The label of a stored value (the value itself if it is not one of these)."""
        try:
            return cls(value).label
        except ValueError:
            return value
