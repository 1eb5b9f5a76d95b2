"""Open311 on a real `linli serve`: a key made with `linli order apikey create`, a request
filed over HTTP and followed through `linli order assign` and `close` as another system sees
it (open, then closed with the staff's note), a revoked key refused; the reporter's phone
only in `linli order export`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import openpyxl

from tests.e2e.test_reminder_restart import environment as served_environment
from tests.security.test_secrets_in_served_logs import up, wait_for
from tests.serving import run_linli, serving

FILING = {
    "service_code": "ludengzhaoming", "description": "3栋楼道灯坏了", "lat": "30.0466",
    "long": "103.8331", "first_name": "小明", "last_name": "王", "phone": "13812345678",
}  # fmt: skip


def linli(env: dict[str, str], *args: str) -> str:
    done = run_linli(env, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_request_filed_and_followed_over_open311(tmp_path: Path) -> None:
    env = served_environment(tmp_path) | {"LINLI_OPEN311_ENABLED": "true"}
    base = f"http://127.0.0.1:{env['LINLI_SERVER_PORT']}/open311/v2"
    with serving(env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
        wait_for(lambda: up(f"{base}/services.json"), 120)
        made = linli(env, "order", "apikey", "create", "city-app", "--community", "suzhe", "--json")
        key = json.loads(made)["api_key"]
        with httpx.Client(base_url=base, trust_env=False, timeout=10) as client:
            answer = client.post("/requests.json", data={**FILING, "api_key": key})
            assert answer.status_code == 200, answer.text
            number = answer.json()[0]["service_request_id"]
            [request] = client.get(f"/requests/{number}.json").json()
            assert (request["status"], request["status_notes"]) == ("open", "待受理")
            linli(env, "role", "grant", "console:vol", "volunteer", "--community", "suzhe")
            linli(env, "order", "assign", number, "console:vol")
            assert client.get(f"/requests/{number}.json").json()[0]["status_notes"] == "处理中"
            linli(env, "order", "close", number, "--note", "已更换灯泡")
            [request] = client.get(f"/requests/{number}.json").json()
            assert (request["status"], request["status_notes"]) == (
                "closed", "已办结，待居民确认：已更换灯泡",
            )  # fmt: skip
            assert "13812345678" not in client.get("/requests.json").text
            linli(env, "order", "apikey", "revoke", "city-app")
            refused = client.post("/requests.json", data={**FILING, "api_key": key})
            assert refused.status_code == 403
    out = tmp_path / "orders.xlsx"
    today = json.loads(linli(env, "order", "show", number, "--json"))["created_at"][:10]
    linli(env, "order", "export", "--from", today, "--to", today, "--out", str(out))
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert [row[7] for row in rows[1:]] == ["13812345678"]
