"""试一试: what Linli answers a question now (the stored base, as residents get it)."""

from __future__ import annotations

from starlette.responses import Response

from bot.console.visit import Page, Visit


def try_page(visit: Visit) -> Response:
    text = visit.form.get("q", "").strip()[:200]
    result = None
    if text:
        match = visit.console.app.current_matcher().match(text)
        best = match.best.entry if match.best else None
        result = {
            "decision": match.decision, "confidence": match.confidence, "best": best,
            "candidates": [c.entry for c in match.candidates],
        }  # fmt: skip
    return visit.render("try.html", q=text, result=result)


ROUTES = [Page("GET", "/try", try_page), Page("POST", "/try", try_page)]
