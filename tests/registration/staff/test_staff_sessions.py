"""A staff session ends for good: a saved session cookie replayed after logout, deactivation,
a password change or a lock-out opens nothing, and the account's other sessions end too."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from pagetools import Page
from staffkit import PASSWORD, log_in

NEW_PASSWORD = "a brand new password"
ENDED = "Your session has ended"


def saved_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.value
    return cookie.value


def replayed(app, cookie: str):
    """A fresh browser that presents a stolen or saved session cookie."""
    client = app.test_client()
    client.set_cookie("session", cookie)
    return client


def assert_asked_to_log_in(client):
    response = client.get("/staff/desk/CNCC?lang=en")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert urlsplit(location).path == "/staff/login"
    assert "next=/staff/desk/CNCC" in location
    page = Page.of(client.get(location))
    assert page.root.find("input", name="password") is not None
    assert "现场登记" not in page.text and "Walk-in desk" not in page.text
    return page


def end_by(how: str, app, username: str, client) -> None:
    if how == "logout":
        assert client.post("/staff/logout").status_code == 302
    elif how == "deactivate":
        result = app.test_cli_runner().invoke(args=["user", "deactivate", username])
        assert result.exit_code == 0 and f"user {username} deactivated" in result.output
    elif how == "password":
        result = app.test_cli_runner().invoke(
            args=["user", "password", username, "--password", NEW_PASSWORD])
        assert result.exit_code == 0 and "changed" in result.output
    else:  # lock-out: someone guesses the password from elsewhere
        guesser = app.test_client()
        for _ in range(5):
            response = guesser.post("/staff/login?lang=en",
                                    data={"username": username, "password": "not it"})
        assert "this account is locked" in Page.of(response).text


@pytest.mark.parametrize("how", ["logout", "deactivate", "password", "lockout"])
def test_a_saved_session_cookie_and_every_other_session_end(app, make_staff, venues, how):
    username = make_staff("desk", "CNCC")
    browser, second_desk = app.test_client(), app.test_client()
    assert log_in(browser, username).status_code == 302
    assert log_in(second_desk, username).status_code == 302  # the same account elsewhere
    assert browser.get("/staff/desk/CNCC").status_code == 200
    assert second_desk.get("/staff/desk/CNCC").status_code == 200
    cookie = saved_cookie(browser)
    # Before: the saved cookie works in another browser (that is what makes it worth stealing).
    assert replayed(app, cookie).get("/staff/desk/CNCC").status_code == 200

    end_by(how, app, username, browser)

    page = assert_asked_to_log_in(replayed(app, cookie))
    assert ENDED in page.text
    assert ENDED in assert_asked_to_log_in(second_desk).text
    answer = replayed(app, cookie).get(f"/staff/dashboard/CNCC/{venues}.json")
    assert answer.status_code == 401
    assert answer.get_json()["error"]["code"] == "login_required"
    # Only a new log-in opens the console again (and only where the account still may).
    fresh = app.test_client()
    if how == "deactivate":
        assert log_in(fresh, username).status_code == 401
    elif how == "lockout":
        response = fresh.post("/staff/login?lang=en",
                              data={"username": username, "password": PASSWORD})
        assert response.status_code == 401 and "locked" in Page.of(response).text
    else:
        assert log_in(fresh, username, NEW_PASSWORD if how == "password" else PASSWORD
                      ).status_code == 302
        assert fresh.get("/staff/desk/CNCC").status_code == 200
        assert replayed(app, cookie).get("/staff/desk/CNCC").status_code == 302


def test_a_cookie_from_before_session_versions_asks_to_log_in(app, staff_client, venues):
    """A session stored before the upgrade holds the bare account id: it ends as well."""
    client = staff_client("supervisor", "CNCC")
    with client.session_transaction() as session:
        session["_user_id"] = session["_user_id"].split(":")[0]
    assert_asked_to_log_in(client)


def test_logging_out_twice_over_two_sessions_needs_two_logins(app, make_staff, venues):
    username = make_staff("admin")
    first, second = app.test_client(), app.test_client()
    assert log_in(first, username).status_code == 302
    assert first.post("/staff/logout").status_code == 302
    assert log_in(second, username).status_code == 302
    # The earlier logout does not reach a session begun after it.
    assert second.get("/staff/desk/CNCC").status_code == 200
    assert first.get("/staff/desk/CNCC").status_code == 302
