"""Staff taking a forum seat back: the forum's seats page (holders and waiting line, masked),
the "take back" button (the seat offered to the first in line by email, or freed; audited),
who may use it, CSRF, and `fairgate forum seat-cancel` with one zh/en line per mistake."""
from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from linekit import join, line_state, mailed_offers, reserve
from seatkit import add_forum, book

sys.path.insert(0, str(Path(__file__).parents[1] / "web"))
sys.path.insert(0, str(Path(__file__).parents[1] / "staff"))
from pagetools import Page  # noqa: E402
from staffkit import log_in  # noqa: E402

SEATS = "/staff/operations/CNCC/forums/F-WL/seats"
OPERATOR = f"cli:{getpass.getuser()}"[:60]


@pytest.fixture
def app(make_app, tmp_path):
    return make_app(STAFF_PASSWORD_HASH="scrypt:1024:8:1", MAIL_OUTBOX=str(tmp_path / "outbox"))


@pytest.fixture
def forum(app, client, booking_body, make_fair_day):
    """F-WL (2 seats, tomorrow at CNCC) held by two bookings, one more person waiting:
    ``{"holders": [...], "waiting": person}`` (each ``{"code", "number", "serial"}``)."""
    day = make_fair_day("CNCC", offset=1)
    make_fair_day("SHOUGANG", offset=1)
    add_forum(app, "F-WL", day, "14:00", "15:30", seats=2)
    holders = [book(client, booking_body(day)) for _ in range(2)]
    for holder in holders:
        assert reserve(client, "F-WL", holder).status_code == 201
    waiting = book(client, booking_body(day))
    assert join(client, "F-WL", waiting, email="waiting.one@example.com").status_code == 201
    return {"holders": holders, "waiting": waiting}


def _stored(app, code: str) -> dict:
    """The booking's masked name and document and its active seat's id in F-WL."""
    from gate.vocabulary import SeatStatus
    from registration.extensions import db
    from registration.models import Appointment, Seat

    with app.app_context():
        appointment = db.session.scalar(select(Appointment).where(Appointment.code == code))
        seat = db.session.scalar(select(Seat.id).where(
            Seat.appointment_id == appointment.id, Seat.status == SeatStatus.active))
        found = {"name": appointment.name_masked, "document": appointment.document_masked,
                 "seat": seat}
        db.session.remove()
    return found


def _audit(app, action: str) -> list[tuple]:
    from registration.extensions import db
    from registration.models import AuditEntry

    with app.app_context():
        found = [(e.username, e.venue_code, e.target, json.loads(e.details))
                 for e in db.session.scalars(select(AuditEntry).where(
                     AuditEntry.action == action).order_by(AuditEntry.id))]
        db.session.remove()
    return found


def _take_back(client, seat_id, lang: str = "en", data=None):
    return client.post(f"{SEATS}/{seat_id}/cancel?lang={lang}", data=data or {})


def test_the_page_lists_the_seat_holders_and_the_line_masked(app, staff_client, forum):
    admin = staff_client("admin")
    page = Page.of(admin.get(f"{SEATS}?lang=en"))
    assert page.h1 == "Seats of forum F-WL"
    assert "Seats taken: 2 of 2." in page.text
    rows = page.root.find("ul", id="seat-list").find_all("li")
    for row, holder in zip(rows, forum["holders"]):
        stored = _stored(app, holder["code"])
        assert row["data-seat"] == str(stored["seat"])
        assert " ".join(row.text.split()).startswith(
            f"{stored['name']} · {stored['document']} Pass {holder['serial']} · "
            f"Booking code {holder['code']} Take back this seat")
        assert row.find("form")["action"] == f"{SEATS}/{stored['seat']}/cancel"
    (waiting,) = page.root.find("ul", id="line-list").find_all("li")
    text = " ".join(waiting.text.split())
    assert text.startswith("No. 1 in line · ") and "Contact w**********@example.com" in text
    for person in [*forum["holders"], forum["waiting"]]:
        assert person["number"] not in page.html
    assert "waiting.one@example.com" not in page.html
    edit = Page.of(admin.get("/staff/operations/CNCC/forums/F-WL?lang=en"))
    assert edit.link("Seat holders and waiting line") == SEATS
    chinese = Page.of(admin.get(f"{SEATS}?lang=zh"))
    assert chinese.h1 == "论坛 F-WL 的座位" and "候补第 1 位" in chinese.text
    assert "收回该座位" in chinese.text


def test_a_seat_taken_back_is_offered_to_the_first_in_line(app, staff_client, forum, outbox):
    admin = staff_client("admin")
    first = forum["holders"][0]
    stored = _stored(app, first["code"])
    taken = _take_back(admin, stored["seat"])
    assert taken.status_code == 302 and taken.headers["Location"] == SEATS
    page = Page.of(admin.get(f"{SEATS}?lang=en"))
    assert f"Seat of {stored['name']} taken back; it was offered to the first in line." in \
        page.text
    assert len(page.root.find("ul", id="seat-list").find_all("li")) == 1
    (offer,) = page.root.find("ul", id="line-list").find_all("li")
    assert "Offered a seat until" in offer.text
    state = line_state(app, "F-WL")
    assert state["statuses"] == ["offered"] and (state["taken"], state["active"]) == (2, 1)
    assert list(mailed_offers(outbox)) == ["waiting.one@example.com"]
    assert _audit(app, "seat_cancelled_by_staff") == [
        ("admin-all", "CNCC", "F-WL", {"name": stored["name"], "appointment": first["code"]})]
    [(user, venue, target, details)] = _audit(app, "forum_waitlist_offered")
    assert (user, venue, target, details["because"]) == (
        "admin-all", "CNCC", "F-WL", "staff_cancellation")
    # The holder's own look-up no longer finds the seat.
    assert reserve(app.test_client(), "F-WL", first, cancel=True).status_code == 404

    again = _take_back(admin, stored["seat"])
    assert again.status_code == 404
    assert "This seat is no longer held (already cancelled)" in Page.of(again).text
    chinese = _take_back(admin, stored["seat"], lang="zh")
    assert "该座位已不存在（已取消）" in Page.of(chinese).text
    assert len(_audit(app, "seat_cancelled_by_staff")) == 1


def test_with_nobody_waiting_the_seat_is_free_again(app, staff_client, forum, outbox):
    admin = staff_client("admin")
    _take_back(admin, _stored(app, forum["holders"][0]["code"])["seat"])  # to the line
    second = _stored(app, forum["holders"][1]["code"])
    assert _take_back(admin, second["seat"], lang="zh").status_code == 302
    page = Page.of(admin.get(f"{SEATS}?lang=zh"))
    assert f"已收回 {second['name']} 的座位，座位已释放。" in page.text
    state = line_state(app, "F-WL")
    assert (state["taken"], state["active"]) == (1, 0)  # the one offered stays held
    assert len(mailed_offers(outbox)["waiting.one@example.com"]) == 1


def test_another_venues_forum_or_another_forums_seat_is_404(
        app, staff_client, forum, make_fair_day):
    admin = staff_client("admin")
    assert admin.get("/staff/operations/SHOUGANG/forums/F-WL/seats").status_code == 404
    assert admin.get("/staff/operations/CNCC/forums/F-NONE/seats").status_code == 404
    seat = _stored(app, forum["holders"][0]["code"])["seat"]
    assert admin.post(f"/staff/operations/SHOUGANG/forums/F-WL/seats/{seat}/cancel"
                      ).status_code == 404
    add_forum(app, "F-AM", make_fair_day("CNCC", offset=1), "09:00", "10:00", seats=5,
              room="CNCC-R302")
    assert admin.post(f"/staff/operations/CNCC/forums/F-AM/seats/{seat}/cancel"
                      ).status_code == 404
    assert line_state(app, "F-WL")["active"] == 2
    assert _audit(app, "seat_cancelled_by_staff") == []


ACTORS = ("anonymous", "desk", "supervisor", "supervisor_other", "admin")


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_only_admins_and_the_venues_supervisors_see_it_or_take_a_seat_back(
        app, forum, make_staff, method):
    accounts = {"desk": make_staff("desk", "CNCC"), "supervisor": make_staff("supervisor", "CNCC"),
                "supervisor_other": make_staff("supervisor", "SHOUGANG"),
                "admin": make_staff("admin")}
    seen = {}
    for actor in ACTORS:
        client = app.test_client()
        if actor != "anonymous":
            assert log_in(client, accounts[actor]).status_code == 302
        if method == "GET":
            seen[actor] = client.get(SEATS).status_code
        else:  # the supervisor takes the first seat back; the others try the second
            holder = forum["holders"][0 if actor == "supervisor" else 1]
            seen[actor] = _take_back(client, _stored(app, holder["code"])["seat"]).status_code
    assert seen == {"anonymous": 302, "desk": 403, "supervisor_other": 403,
                    "supervisor": 200 if method == "GET" else 302,
                    "admin": 200 if method == "GET" else 302}
    cancelled = [user for user, *_ in _audit(app, "seat_cancelled_by_staff")]
    assert cancelled == ([] if method == "GET" else ["supervisor-cncc", "admin-all"])


@pytest.fixture
def csrf_app(make_app, tmp_path):
    return make_app(WTF_CSRF_ENABLED=True, STAFF_PASSWORD_HASH="scrypt:1024:8:1",
                    MAIL_OUTBOX=str(tmp_path / "outbox"))


def test_take_back_needs_the_pages_csrf_token(csrf_app, booking_body, make_fair_day):
    from registration.extensions import db
    from registration.services import staff

    day = make_fair_day("CNCC", offset=1)
    add_forum(csrf_app, "F-WL", day, seats=2)
    visitor = csrf_app.test_client()
    holder = book(visitor, booking_body(day))
    assert reserve(visitor, "F-WL", holder).status_code == 201
    with csrf_app.app_context():
        staff.create_user("boss", "admin", "correct horse battery")
        db.session.commit()
    client = csrf_app.test_client()
    login_token = Page.of(client.get("/staff/login")).root.find(
        "input", name="csrf_token")["value"]
    assert log_in(client, "boss", csrf_token=login_token).status_code == 302
    seat = _stored(csrf_app, holder["code"])["seat"]
    for forged in (None, "forged"):
        body = {"csrf_token": forged} if forged else {}
        assert _take_back(client, seat, data=body).status_code == 400
    assert line_state(csrf_app, "F-WL")["active"] == 1
    page = Page.of(client.get(SEATS))
    token = page.root.find("li", data_seat=str(seat)).find(
        "input", name="csrf_token")["value"]
    assert _take_back(client, seat, data={"csrf_token": token}).status_code == 302
    assert line_state(csrf_app, "F-WL")["active"] == 0


def test_the_command_takes_a_seat_back_and_names_each_mistake(app, forum, outbox):
    def cli(*args):
        return app.test_cli_runner().invoke(args=["forum", "seat-cancel", *args])

    first, second = forum["holders"]
    stored = _stored(app, first["code"])
    done = cli("f-wl", "--code", f" {first['code'].lower()} ")
    assert done.exit_code == 0, done.output
    assert done.output == (f"forum F-WL: seat of {stored['name']} taken back / 已收回座位; "
                           "offered to the first in line / 已通知候补名单第一位\n")
    assert _audit(app, "seat_cancelled_by_staff") == [
        (OPERATOR, "CNCC", "F-WL", {"name": stored["name"], "appointment": first["code"]})]
    assert list(mailed_offers(outbox)) == ["waiting.one@example.com"]
    freed = cli("F-WL", "--code", second["code"])
    assert freed.output.endswith("free again / 座位已释放\n")

    mistakes = {
        ("F-NONE", "--code", first["code"]): "Error: No such forum / 没有这个论坛\n",
        ("F-WL", "--code", first["code"]):
            "Error: --code: No active seat in this forum for that booking code / "
            "--code：该论坛没有此预约码的有效座位\n",
        ("F-WL", "--code", "NOTACODE"):
            "Error: --code: No active seat in this forum for that booking code / "
            "--code：该论坛没有此预约码的有效座位\n",
    }
    for args, line in mistakes.items():
        result = cli(*args)
        assert (result.exit_code, result.output) == (1, line), args
    assert len(_audit(app, "seat_cancelled_by_staff")) == 2
