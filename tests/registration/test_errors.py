"""Error answers: one rule for JSON or a page, one status table, one language choice."""
from __future__ import annotations

import pytest


def _json_error(response, status: int) -> dict:
    assert response.status_code == status and response.is_json, response.get_data(as_text=True)
    return response.get_json()["error"]


def _page_heading(response, status: int) -> str:
    assert response.status_code == status and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    return html.split("<h1>", 1)[1].split("</h1>", 1)[0]


@pytest.mark.parametrize("path,json_answer", [
    ("/api/v1/nothing-here", True),
    ("/staff/nothing-here.json", True),  # the staff console's live numbers are .json
    ("/nothing-here", False),
    ("/staff/nothing-here", False),
])
def test_json_for_api_and_json_paths_a_page_for_the_rest(client, path, json_answer):
    response = client.get(path, headers={"Accept-Language": "en"})
    if json_answer:
        assert _json_error(response, 404) == {"code": "not_found", "message": "Not found",
                                              "fields": {}}
    else:
        assert _page_heading(response, 404) == "Page not found"


def test_without_a_language_pages_and_json_take_their_configured_defaults(make_app):
    client = make_app().test_client()
    assert _page_heading(client.get("/nothing-here"), 404) == "找不到页面"
    assert _json_error(client.get("/api/v1/nothing-here"), 404)["message"] == "Not found"
    client = make_app(BABEL_DEFAULT_LOCALE="en", JSON_DEFAULT_LOCALE="zh").test_client()
    assert _page_heading(client.get("/nothing-here"), 404) == "Page not found"
    assert _json_error(client.get("/api/v1/nothing-here"), 404)["message"] == "未找到"


def test_one_language_choice_for_pages_and_json(client):
    # The browser's language, then the visitor's own choice, whatever answers.
    browser = {"Accept-Language": "zh-CN,zh;q=0.9"}
    assert _json_error(client.get("/api/v1/nothing-here", headers=browser), 404)[
        "message"] == "未找到"
    client.get("/?lang=en")  # remembered in the session
    assert _page_heading(client.get("/nothing-here", headers=browser), 404) == "Page not found"
    assert _json_error(client.get("/api/v1/nothing-here", headers=browser), 404)[
        "message"] == "Not found"
    assert _json_error(client.get("/api/v1/nothing-here?lang=zh"), 404)["message"] == "未找到"


def test_the_staff_console_json_asks_to_log_in_in_the_one_shape(client):
    error = _json_error(client.get("/staff/dashboard/CNCC/2026-09-10.json?lang=zh"), 401)
    assert error == {"code": "login_required", "message": "请先登录", "fields": {}}
