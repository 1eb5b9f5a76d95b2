"""Channels' tables: platform access tokens and the WeChat replay ledger."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from bot.models import UTCDateTime


class AccessToken(SQLModel, table=True):
    """A platform access token shared by every process (one refresher at a time)."""

    app_id: str = Field(primary_key=True, max_length=64)
    token: str = Field(default="", max_length=600)
    expires_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    fetches: int = 0


class WeChatNonce(SQLModel, table=True):
    """A (timestamp, nonce) pair a WeChat request was signed with, and a digest of the message
    it carried: the pair is good for that message only (bot/channels/wechat_replay.py), until
    its timestamp is too old to be accepted anyway."""

    timestamp: str = Field(primary_key=True, max_length=16)
    nonce: str = Field(primary_key=True, max_length=64)
    digest: str = Field(max_length=64)  # sha256 of the message XML acted on
    expires_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
