"""The reports room's one table: each report the scheduler made (or `report make --store`),
once per kind, period and place, and where its files are."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.models import stamp

DISTRICT = ""  # `MadeReport.community_id` of a district-wide report
REMARKS_MAX = 2000


class MadeReport(SQLModel, table=True):
    """A report made and stored: its period, its place, its files (names in the data
    directory's reports folder), the figures it showed and the 社工's remarks."""

    __table_args__ = (UniqueConstraint("kind", "first", "community_id"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # half-month | month | quarter | year
    first: dt.date  # the period's first day (local)
    last: dt.date  # its last day
    community_id: str = Field(default=DISTRICT, max_length=80)
    title: str = Field(max_length=200)
    empty: bool = False
    files: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    charts: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    figures: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    summary: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    remarks: str = Field(default="", max_length=REMARKS_MAX)
    made_at: dt.datetime = Field(sa_column=stamp())
