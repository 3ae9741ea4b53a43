"""Staff log-in: hashed passwords, lock-out, rate limit, log-out, session expiry, CSRF."""
from __future__ import annotations

import time as clock
from datetime import timedelta

import pytest
from staffkit import PASSWORD, log_in
from pagetools import Page
from sqlalchemy import select


def user_row(app, username):
    from registration.extensions import db
    from registration.models import StaffUser

    with app.app_context():
        return db.session.scalar(select(StaffUser).where(StaffUser.username == username))


def test_a_right_password_logs_in_and_the_cookie_is_httponly_and_lax(app, make_staff, venues):
    username = make_staff("desk", "CNCC")
    client = app.test_client()
    response = log_in(client, username)
    assert response.status_code == 302 and response.headers["Location"] == "/staff/desk"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/staff/desk").headers["Location"] == "/staff/desk/CNCC"
    page = Page.of(client.get("/staff/desk/CNCC"))
    assert "desk-cncc" in page.root.text and page.h1 == "现场登记"
    stored = user_row(app, username)
    assert stored.password_hash.startswith("scrypt:") and PASSWORD not in stored.password_hash
    assert stored.last_login_at is not None


def test_session_cookies_are_secure_in_production_only(tmp_path, monkeypatch):
    # Development is plain HTTP (`make run`, often reached from another machine): a Secure
    # cookie would never come back and every staff log-in would fail as "form expired".
    from registration import create_app
    from registration.keys import generate_key_ring

    generate_key_ring(tmp_path / "fairgate-keys.json")
    production = {"ENV": "production", "PUBLIC_URL": "https://fairgate.example.org",
                  "TRUSTED_HOSTS": ["fairgate.example.org"],
                  "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"}
    assert create_app(production,
                      instance_path=str(tmp_path)).config["SESSION_COOKIE_SECURE"] is True
    assert create_app({}, instance_path=str(tmp_path)).config["SESSION_COOKIE_SECURE"] is False
    assert create_app({"TESTING": True},
                      instance_path=str(tmp_path)).config["SESSION_COOKIE_SECURE"] is False
    monkeypatch.setenv("FAIRGATE_SESSION_COOKIE_SECURE", "0")
    assert not create_app({}, instance_path=str(tmp_path)).config["SESSION_COOKIE_SECURE"]
    monkeypatch.setenv("FAIRGATE_SESSION_COOKIE_SECURE", "1")  # an explicit setting wins
    assert create_app({}, instance_path=str(tmp_path)).config["SESSION_COOKIE_SECURE"]


@pytest.mark.parametrize("username,password", [("desk-cncc", "wrong password!"),
                                               ("nobody", PASSWORD)])
def test_a_wrong_password_or_unknown_user_gets_one_message(
        app, make_staff, venues, username, password, audit_actions):
    make_staff("desk", "CNCC")
    response = log_in(app.test_client(), username, password)
    assert response.status_code == 401
    page = Page.of(response)
    assert "用户名或密码错误" in page.text
    assert audit_actions() == [(username, "login_failed", None, None)]


def test_five_failures_lock_the_account_for_fifteen_minutes(
        app, make_staff, venues, audit_actions):
    username = make_staff("supervisor", "CNCC")
    client = app.test_client()
    for attempt in range(4):
        response = client.post("/staff/login?lang=en",
                               data={"username": username, "password": "not the password"})
        assert response.status_code == 401
        assert "Wrong username or password" in Page.of(response).text
    response = client.post("/staff/login?lang=en",
                           data={"username": username, "password": "still wrong"})
    text = Page.of(response).text
    assert "this account is locked. Try again in 15 minutes" in text
    # Locked: even the right password is refused, with the same clear message.
    response = client.post("/staff/login?lang=en",
                           data={"username": username, "password": PASSWORD})
    assert response.status_code == 401
    assert "locked" in Page.of(response).text
    assert user_row(app, username).locked_until is not None
    actions = [a for _, a, _, _ in audit_actions() if a.startswith("login")]
    assert actions.count("login_locked") == 2
    # After the lock-out time the right password works again and the count starts over.
    from registration.extensions import db
    from registration.models import StaffUser

    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.username == username))
        user.locked_until = user.locked_until - timedelta(minutes=16)
        db.session.commit()
    assert log_in(client, username).status_code == 302
    assert user_row(app, username).failed_logins == 0


def test_an_inactive_account_cannot_log_in(app, make_staff, venues):
    from registration.extensions import db
    from registration.models import StaffUser

    username = make_staff("desk", "CNCC")
    with app.app_context():
        db.session.scalar(select(StaffUser).where(StaffUser.username == username)).active = False
        db.session.commit()
    assert log_in(app.test_client(), username).status_code == 401


def test_logins_are_rate_limited_per_address(make_app, venues):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STAFF_LOGIN="3/minute",
                   STAFF_PASSWORD_HASH="scrypt:1024:8:1")
    client = app.test_client()
    statuses = [log_in(client, f"user{n}", "whatever password").status_code for n in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert client.get("/staff/login").status_code == 200  # reading the page is not limited


def test_logout_ends_the_session(app, staff_client, venues, audit_actions):
    client = staff_client("desk", "CNCC")
    assert client.get("/staff/desk/CNCC").status_code == 200
    response = client.post("/staff/logout", follow_redirects=True)
    assert "您已退出登录" in Page.of(response).text
    response = client.get("/staff/desk/CNCC")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    assert [a for _, a, _, _ in audit_actions()] == ["login", "logout"]


@pytest.mark.parametrize("key,age", [("staff_seen_at", 61 * 60), ("staff_login_at", 13 * 3600)])
def test_an_expired_session_asks_to_log_in_again(app, staff_client, venues, key, age):
    client = staff_client("supervisor", "CNCC")
    with client.session_transaction() as session:
        session[key] = int(clock.time()) - age
    response = client.get("/staff/operations/CNCC?lang=en")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login?next=/staff/operations/CNCC")
    page = Page.of(client.get(response.headers["Location"]))
    assert "Your session has expired. Please log in again." in page.text
    # The dashboard's script gets JSON, not a login page.
    json_client = staff_client("supervisor", "CNCC")
    with json_client.session_transaction() as session:
        session[key] = int(clock.time()) - age
    answer = json_client.get(f"/staff/dashboard/CNCC/{venues}.json")
    assert answer.status_code == 401 and answer.get_json()["error"]["code"] == "login_required"


def test_after_login_only_staff_pages_are_followed(app, make_staff, venues):
    username = make_staff("supervisor", "CNCC")
    for target, lands in (("/staff/exports/CNCC", "/staff/exports/CNCC"),
                          ("https://evil.example/staff/", "/staff/dashboard"),
                          ("//evil.example/staff/", "/staff/dashboard"),
                          ("/my", "/staff/dashboard")):
        client = app.test_client()
        response = client.post("/staff/login", query_string={"next": target},
                               data={"username": username, "password": PASSWORD})
        assert response.headers["Location"] == lands, target


@pytest.fixture
def csrf_app(make_app, tmp_path):
    return make_app(WTF_CSRF_ENABLED=True, STAFF_PASSWORD_HASH="scrypt:1024:8:1")


def csrf_token(client, url):
    return Page.of(client.get(url)).root.find("input", name="csrf_token")["value"]


def test_forged_or_missing_csrf_tokens_are_refused_and_nothing_is_saved(
        csrf_app, venues, make_resident_id):
    from registration.extensions import db
    from registration.models import Appointment, Gate
    from registration.services import staff

    with csrf_app.app_context():
        staff.create_user("boss", "admin", PASSWORD)
        db.session.commit()
    client = csrf_app.test_client()
    for token in (None, "forged"):
        data = {"username": "boss", "password": PASSWORD}
        if token:
            data["csrf_token"] = token
        response = client.post("/staff/login?lang=en", data=data)
        assert response.status_code == 400
        assert Page.of(response).h1 == "This form has expired"
    data = {"username": "boss", "password": PASSWORD,
            "csrf_token": csrf_token(client, "/staff/login")}
    assert client.post("/staff/login", data=data).status_code == 302
    posts = [("/staff/desk/CNCC", {"line": make_resident_id(), "name": "张三", "consent": "y"}),
             ("/staff/operations/CNCC/gates", {"code": "CNCC-X9"}),
             ("/staff/logout", {})]
    for url, data in posts:
        for token in (None, "forged"):
            body = dict(data, **({"csrf_token": token} if token else {}))
            assert client.post(url, data=body).status_code == 400, url
    with csrf_app.app_context():
        assert db.session.scalar(select(Appointment.id)) is None
        assert db.session.scalar(select(Gate.id).where(Gate.code == "CNCC-X9")) is None
    assert client.get("/staff/desk/CNCC").status_code == 200  # still logged in
    # With the page's token the same desk booking goes through.
    token = csrf_token(client, "/staff/desk/CNCC")
    response = client.post("/staff/desk/CNCC", data={**posts[0][1], "csrf_token": token})
    assert response.status_code == 302
