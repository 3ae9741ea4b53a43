"""The handheld scanner's shell as the service serves it, and its generated rules table:
the committed registration/static/scan/gate-rules.json must be what gate/ says today."""
from __future__ import annotations

import json

from gate.reasons import Reason
from gate.rules import ENTRY_CHECK_ORDER
from registration.web import scan_rules


def test_the_committed_rules_table_is_what_gate_says_now():
    committed = scan_rules.RULES_FILE.read_text(encoding="utf-8")
    assert committed == scan_rules.rules_json(), "stale: run `make assets`"
    assert scan_rules.main(["--check"]) == 0
    table = json.loads(committed)
    assert table["entry_check_order"] == [reason.value for reason in ENTRY_CHECK_ORDER]
    assert table["reasons"]["revoked"] == {"admit": False, "colour": "red",
                                           "message": {"zh": "通行证已作废",
                                                       "en": "Pass no longer valid"}}
    assert set(table["reasons"]) == {reason.value for reason in Reason}


def test_a_stale_table_is_reported(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "gate-rules.json"
    stale.write_text(scan_rules.rules_json().replace('"ok_exit"', '"ok_out"'), encoding="utf-8")
    monkeypatch.setattr(scan_rules, "RULES_FILE", stale)
    assert scan_rules.main(["--check"]) == 1
    assert "make assets" in capsys.readouterr().err


def test_the_page_allows_the_camera_and_wasm_but_no_inline_script(client):
    response = client.get("/scan/", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self' 'wasm-unsafe-eval'" in policy and "unsafe-inline" not in policy
    assert "camera=(self)" in response.headers["Permissions-Policy"]
    html = response.get_data(as_text=True)
    assert "注册本设备" in html and "/static/scan/scan.js" in html
    assert client.get("/scan").status_code == 308  # /scan -> /scan/, inside the worker's scope
    # Other pages keep the site-wide policy: no camera.
    assert "camera=()" in client.get("/").headers["Permissions-Policy"]


def test_the_web_app_manifest_and_the_service_worker(client):
    manifest = client.get("/scan/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    body = manifest.get_json(force=True)
    assert body["start_url"] == "/scan/" and body["display"] == "standalone"
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in body["icons"]}  # installable
    worker = client.get("/scan/sw.js")
    assert worker.mimetype == "text/javascript"
    assert worker.headers["Cache-Control"] == "no-cache"
    text = worker.get_data(as_text=True)
    config = json.loads(text.split("\n", 1)[0].removeprefix("self.FAIRGATE_ASSETS = ")
                        .rstrip(";"))
    assert "/static/scan/zxing_reader.wasm" in config["files"] and config["page"] == "/scan/"
    for path in config["files"]:
        response = client.get(path)
        response.close()  # static files are streamed
        assert response.status_code == 200, path
