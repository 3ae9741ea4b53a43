"""CSRF on every form, security headers, no inline script or style, friendly 429 pages."""
from __future__ import annotations

import io
import re

import pytest
from pagetools import Page


@pytest.fixture
def csrf_client(make_app, tmp_path):
    return make_app(WTF_CSRF_ENABLED=True, MAIL_OUTBOX=str(tmp_path / "outbox")).test_client()


def _token(client, url: str) -> str:
    page = Page.of(client.get(url))
    return page.root.find("input", name="csrf_token")["value"]


def test_every_form_carries_a_csrf_token(csrf_client, make_fair_day):
    day = make_fair_day()
    for url in (f"/book/CNCC/{day.isoformat()}", "/my", "/group"):
        page = Page.of(csrf_client.get(url))
        for form in page.root.find_all("form", method="post"):
            assert form.find("input", name="csrf_token")["value"], url


@pytest.mark.parametrize("url,data", [
    ("/book/CNCC/{day}", {"document_type": "cn_resident_id",
                          "document_number": "11010119900307803X", "name": "张三",
                          "phone": "13800138000", "consent": "y"}),
    ("/my", {"code": "ABCDEFGH", "document_number": "11010119900307803X"}),
    ("/my/appointment/cancel", {}),
    ("/my/appointment/change", {"option": "CNCC|{day}|"}),
    ("/my/done", {}),
    ("/group", {"organisation": "X", "option": "CNCC|{day}|", "consent": "y"}),
])
def test_a_post_without_a_valid_token_is_refused_with_a_friendly_page(
        csrf_client, make_fair_day, url, data, appointments):
    day = make_fair_day().isoformat()
    url = url.format(day=day)
    data = {k: v.format(day=day) for k, v in data.items()}
    for token in (None, "forged"):
        body = dict(data, **({"csrf_token": token} if token else {}))
        response = csrf_client.post(url, data=body, headers={"Accept-Language": "en"})
        assert response.status_code == 400
        page = Page.of(response)
        assert page.h1 == "This form has expired"
        assert "表单已过期" in page.text
    assert appointments() == []


def test_a_post_with_the_token_books(csrf_client, make_fair_day, make_resident_id):
    day = make_fair_day()
    url = f"/book/CNCC/{day.isoformat()}"
    response = csrf_client.post(url, data={
        "csrf_token": _token(csrf_client, url), "document_type": "cn_resident_id",
        "document_number": make_resident_id(), "name": "张三", "phone": "13800138000",
        "consent": "y"})
    assert response.status_code == 302


def test_pages_send_security_headers(client, make_fair_day):
    day = make_fair_day()
    for url in ("/", f"/book/CNCC/{day.isoformat()}", "/my", "/group", "/nowhere"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, url
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
    assert client.get("/my").headers["Cache-Control"] == "private, no-store"


def test_no_page_has_inline_script_or_style(client, make_fair_day, book, appointments):
    day = make_fair_day()
    pass_url = book(day).headers["Location"]
    client.post("/my", data={"code": appointments()[0].code,
                             "document_number": "x"})  # an error page too
    pages = ["/", "/book", "/book/CNCC", f"/book/CNCC/{day.isoformat()}", pass_url, "/my",
             "/group", "/nowhere"]
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        page = Page(html)
        assert all(script["src"] for script in page.root.find_all("script")), url
        assert page.root.find("style") is None, url
        assert not re.search(r"\sstyle=", html), url
        assert not re.search(r"\son[a-z]+=", html), url


@pytest.fixture
def limited_client(app, make_app, tmp_path):
    # The limiter is one object per process: the app built last decides whether it is on,
    # so this one is built after the ``app`` fixture the day builders use.
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOOKUP="2/minute",
                   RATELIMIT_BOOKING="2/minute", MAIL_OUTBOX=str(tmp_path / "outbox"))
    yield app.test_client()
    from registration.extensions import limiter

    with app.app_context():
        limiter.reset()


def test_rate_limited_lookup_shows_a_friendly_bilingual_page(limited_client):
    data = {"code": "ABCDEFGH", "document_number": "11010119900307803X"}
    for _ in range(2):
        assert limited_client.post("/my?lang=en", data=data).status_code == 422
    response = limited_client.post("/my?lang=en", data=data)
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    assert int(response.headers["Retry-After"]) > 0
    page = Page.of(response)
    assert page.h1 == "Too many attempts"
    assert "Please wait a few minutes and try again" in page.text
    assert "请求过于频繁" in page.text and "请稍候几分钟再试" in page.text
    assert "You can try again in" in page.text
    assert limited_client.get("/my").status_code == 200  # reading pages is not limited


def test_group_upload_is_rate_limited_too(limited_client, make_fair_day):
    day = make_fair_day()
    for expected in (422, 422, 429):
        response = limited_client.post("/group", data={
            "option": f"CNCC|{day}|", "members": (io.BytesIO(b"x"), "m.csv")},
            content_type="multipart/form-data")
        assert response.status_code == expected
