"""The knowledge store's import on both databases: new entries added in one batch, changed ones
updated in place only when asked, `replace` leaves exactly the files' entries."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.app import App
from bot.kb.models import KnowledgeEntry
from bot.kb.store import WouldOverwrite, import_files

TODAY = dt.date(2026, 12, 3)
ROWS = "id,category,community,question,paraphrases,keywords,answer,source,updated_at\n"


def faq(path: Path, answers: dict[str, str]) -> Path:
    lines = [
        f"{key},service,,{key}在哪里,{key}怎么走|去{key},,{text},示例,"
        for key, text in answers.items()
    ]
    path.write_text(ROWS + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def stored(app: App) -> dict[str, tuple[str, list[str], dt.date]]:
    with Session(app.engine) as session:
        rows = session.exec(select(KnowledgeEntry).where(KnowledgeEntry.source == "示例")).all()
        return {r.id: (r.answer, r.paraphrases, r.updated_at) for r in rows}


def test_import_adds_updates_when_asked_and_replaces(app: App, tmp_path: Path) -> None:
    first = faq(tmp_path / "a.csv", {f"wifi-{n}": f"答案{n}" for n in range(300)})
    done = import_files(app.engine, [first], TODAY)
    assert len(done.added) == 300
    assert stored(app)["wifi-7"] == ("答案7", ["wifi-7怎么走", "去wifi-7"], TODAY)

    changed = faq(tmp_path / "b.csv", {"wifi-7": "新答案", "wifi-8": "答案8", "new-1": "新的"})
    with pytest.raises(WouldOverwrite):
        import_files(app.engine, [changed], TODAY)
    assert stored(app)["wifi-7"][0] == "答案7"  # nothing written
    assert "new-1" not in stored(app)

    done = import_files(app.engine, [changed], TODAY, overwrite=True)
    assert (done.added, [e.id for e in done.changed]) == (["new-1"], ["wifi-7"])
    rows = stored(app)
    assert (rows["wifi-7"][0], rows["wifi-8"][0], rows["new-1"][0], len(rows)) == (
        "新答案", "答案8", "新的", 301,
    )  # fmt: skip

    done = import_files(app.engine, [changed], TODAY, replace=True)
    assert len(done.removed) >= 298  # the demo base's entries go too
    with Session(app.engine) as session:
        left = sorted(session.exec(select(KnowledgeEntry.id)).all())
    assert left == ["new-1", "wifi-7", "wifi-8"]
