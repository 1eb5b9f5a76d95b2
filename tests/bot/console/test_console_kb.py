"""The console's 知识库 beyond editing: a preview of an edit (checked, shown, not saved),
archive instead of delete (Linli stops answering with it at once, and it comes back), and
import/export in the CLI's formats (an export re-imports; a file of another community's
entries is refused whole)."""

from __future__ import annotations

from sqlmodel import Session
from starlette.testclient import TestClient

from bot.app import App
from bot.console.web import PREFIX
from bot.kb.models import KnowledgeEntry
from bot.kb.store import stored_entry
from tests.bot.console.support import ask, audited, csrf, person, sign_in
from tests.conftest import Clock

ENTRY = "comm-suzhe"  # a 苏辙社区 entry of the demo base
NEW = """entries:
  - id: suzhe-ebike-shed
    category: service
    community: suzhe
    question: 苏辙社区的电动车棚谁管
    answer: 电动车棚由苏辙社区物业管理，车棚的灯坏了可以直接打物业电话报修。
    source: 苏辙社区居委会
"""


def entry_of(app: App, entry_id: str) -> KnowledgeEntry | None:
    with Session(app.engine) as session:
        return session.get(KnowledgeEntry, entry_id)


def form_of(app: App, token: str, **changes: str) -> dict[str, str]:
    with Session(app.engine) as session:
        entry = stored_entry(session, ENTRY)
    assert entry is not None
    return {
        "csrf": token, "question": entry.question, "paraphrases": "\n".join(entry.paraphrases),
        "answer": entry.answer, "source": entry.source, "category": entry.category,
        "keywords": " ".join(entry.keywords), **changes,
    }  # fmt: skip


def test_a_preview_shows_the_edit_and_saves_nothing(
    linli: App, web: TestClient, clock: Clock
) -> None:
    cora = person(linli, "cora", clock.now, "staff", community="suzhe")
    sign_in(web, linli, cora, clock.now)
    token = csrf(web, "/kb")
    before = entry_of(linli, ENTRY)
    shown = web.post(
        f"{PREFIX}/kb/{ENTRY}/preview", data=form_of(linli, token, answer="苏辙社区新的介绍。")
    )
    assert shown.status_code == 200
    assert "预览：居民会看到" in shown.text
    assert "苏辙社区新的介绍。" in shown.text
    assert "还没有保存" in shown.text
    assert entry_of(linli, ENTRY) == before
    wrong = web.post(f"{PREFIX}/kb/{ENTRY}/preview", data=form_of(linli, token, source=""))
    assert 'role="alert"' in wrong.text  # the import's check, before anything is saved
    assert audited(linli, "kb_edit") == []


def test_an_archived_entry_is_no_longer_answered_and_comes_back(
    linli: App, web: TestClient, clock: Clock
) -> None:
    person(linli, "rita", clock.now, community="suzhe")
    question = entry_of(linli, ENTRY).question  # type: ignore[union-attr]
    cora = person(linli, "cora", clock.now, "staff", community="suzhe")
    sign_in(web, linli, cora, clock.now)
    token = csrf(web, "/kb")
    web.post(f"{PREFIX}/kb/{ENTRY}/archive", data={"csrf": token})
    assert entry_of(linli, ENTRY).archived  # type: ignore[union-attr]
    assert "苏辙社区有什么特色" not in web.get(f"{PREFIX}/kb").text
    assert "苏辙社区有什么特色" in web.get(f"{PREFIX}/kb", params={"archived": "1"}).text
    linli.reload_knowledge()
    assert linli.current_matcher().entry(ENTRY) is None  # the next message: not answered with it
    web.post(f"{PREFIX}/kb/{ENTRY}/restore", data={"csrf": token})
    assert linli.current_matcher().entry(ENTRY) is not None
    assert "特色" in ask(linli, "rita", question)
    actions = [r.action for r in audited(linli, "kb_archive") + audited(linli, "kb_restore")]
    assert actions == ["kb_archive", "kb_restore"]


def test_an_export_re_imports_and_a_file_is_imported_in_the_cli_formats(
    linli: App, web: TestClient, clock: Clock
) -> None:
    person(linli, "rita", clock.now, community="suzhe")
    cora = person(linli, "cora", clock.now, "staff", community="suzhe")
    sign_in(web, linli, cora, clock.now)
    token = csrf(web, "/kb")
    exported = web.get(f"{PREFIX}/kb/export")
    lines = exported.text.splitlines()
    assert any('"id": "comm-suzhe"' in line for line in lines)
    assert not any('"community": "penglai"' in line for line in lines)  # not hers
    again = web.post(
        f"{PREFIX}/kb/import", data={"csrf": token},
        files={"file": ("mine.jsonl", exported.content, "application/x-ndjson")},
    )  # fmt: skip
    assert again.status_code == 200
    assert "新增 0，更新 0" in again.text  # the same content: nothing changes
    made = web.post(
        f"{PREFIX}/kb/import", data={"csrf": token},
        files={"file": ("new.yaml", NEW.encode(), "application/yaml")},
    )  # fmt: skip
    assert "新增 1" in made.text
    assert "物业" in ask(linli, "rita", "苏辙社区的电动车棚谁管")
    outside = NEW.replace("community: suzhe", "community: penglai").replace("suzhe-", "pl-")
    refused = web.post(
        f"{PREFIX}/kb/import", data={"csrf": token},
        files={"file": ("other.yaml", outside.encode(), "application/yaml")},
    )  # fmt: skip
    assert refused.status_code == 403
    assert entry_of(linli, "pl-ebike-shed") is None
    broken = web.post(
        f"{PREFIX}/kb/import", data={"csrf": token},
        files={"file": ("bad.yaml", b"entries:\n  - id: x\n", "application/yaml")},
    )  # fmt: skip
    assert broken.status_code == 400
    assert "bad.yaml" in broken.text  # the problems name the file as uploaded
