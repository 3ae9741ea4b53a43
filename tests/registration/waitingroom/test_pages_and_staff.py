"""The queue page (no JavaScript needed to wait), the booking page behind it, the staff
page that changes the rate and the bot defence live, and `fairgate day set --booking-opens`."""
from __future__ import annotations

import re
import sys
from pathlib import Path

from roomtools import booking_body

sys.path.insert(0, str(Path(__file__).parents[1] / "staff"))
from staffkit import log_in  # noqa: E402


def _queue_url(day) -> str:
    return f"/queue/CNCC/{day.isoformat()}"


def test_the_booking_page_sends_visitors_to_the_queue_while_the_room_is_on(
        client, make_fair_day, schedule_opening):
    day = schedule_opening(make_fair_day(), -1)
    answer = client.get(f"/book/CNCC/{day.isoformat()}")
    assert answer.status_code == 303 and answer.headers["Location"].endswith(_queue_url(day))


def test_joining_from_the_page_then_waiting_then_booking(client, app, make_fair_day,
                                                         schedule_opening, solve_pow,
                                                         make_resident_id):
    from registration.actions import waitingroom as actions
    from registration.actions.actors import Actor
    from registration.actions.unit import unit_of_work

    day = schedule_opening(make_fair_day(), -1)
    with app.app_context(), unit_of_work():
        actions.set_admission_rate(Actor.operator(), "CNCC", day, 0)  # nobody goes in yet
    entrance = client.get(_queue_url(day) + "?lang=en")
    html = entrance.get_data(as_text=True)
    assert entrance.status_code == 200 and "altcha-widget" in html
    assert "One document holds one place in line" in html
    number = make_resident_id()
    form = {"document_type": "cn_resident_id", "document_number": number}
    refused = client.post(_queue_url(day), data=form)  # no proof of work
    assert refused.status_code == 403
    joined = client.post(_queue_url(day), data={**form, "altcha": solve_pow()})
    assert joined.status_code == 303
    waiting = client.get(_queue_url(day) + "?lang=en")
    page = waiting.get_data(as_text=True)
    assert waiting.status_code == 200
    assert re.search(r'<meta http-equiv="refresh" content="\d+">', page)
    assert 'id="queue-position">1<' in page and "Admissions are paused" in page
    assert waiting.headers["Cache-Control"] == "no-store"
    with app.app_context(), unit_of_work():
        actions.set_admission_rate(Actor.operator(), "CNCC", day, 1000)
    import time
    time.sleep(0.05)
    admitted = client.get(_queue_url(day))
    assert admitted.status_code == 303
    assert admitted.headers["Location"].endswith(f"/book/CNCC/{day.isoformat()}")
    assert client.get(f"/book/CNCC/{day.isoformat()}").status_code == 200
    booked = client.post(f"/book/CNCC/{day.isoformat()}", data={
        **form, "name": "张三", "email": "zhang@example.com", "consent": "y"})
    assert booked.status_code == 302 and "/pass/" in booked.headers["Location"]


def test_the_queue_page_before_the_pre_queue_says_when_it_opens(
        client, make_fair_day, schedule_opening):
    day = schedule_opening(make_fair_day(), 3600)
    page = client.get(_queue_url(day) + "?lang=zh").get_data(as_text=True)
    assert "排队尚未开始" in page and 'http-equiv="refresh"' in page


def test_a_day_without_a_room_sends_the_queue_page_to_the_booking_form(client, make_fair_day):
    day = make_fair_day()
    answer = client.get(_queue_url(day))
    assert answer.status_code == 302 and answer.headers["Location"].endswith(
        f"/book/CNCC/{day.isoformat()}")


def test_staff_change_the_rate_and_the_defence_and_it_is_audited(
        app, make_fair_day, schedule_opening, join, make_resident_id):
    from registration.extensions import db
    from registration.models import AuditEntry
    from registration.services import staff

    day = schedule_opening(make_fair_day(), -1)
    join(day, make_resident_id())
    with app.app_context():
        staff.create_user("sup-cncc", "supervisor", "correct horse battery", "CNCC")
        staff.create_user("desk-cncc", "desk", "correct horse battery", "CNCC")
        db.session.commit()
    desk = app.test_client()
    log_in(desk, "desk-cncc")
    assert desk.get("/staff/waiting-room").status_code == 403
    supervisor = app.test_client()
    log_in(supervisor, "sup-cncc")
    page = supervisor.get("/staff/waiting-room?lang=en").get_data(as_text=True)
    assert f"CNCC {day.isoformat()}" in page and "Bot defence" in page
    changed = supervisor.post(f"/staff/waiting-room/CNCC/{day.isoformat()}/rate",
                              data={"rate": "2.5"})
    assert changed.status_code == 302
    assert 'value="2.5"' in supervisor.get("/staff/waiting-room").get_data(as_text=True)
    # The bot defence is fair-wide: a venue's supervisor sees it, only an admin changes it.
    assert 'id="defence-values"' in page and "only an administrator" in page
    defence = {"pow_max_number": "90000", "surge_per_second": "0", "pow_on_booking": "y"}
    assert supervisor.post("/staff/waiting-room/defence", data=defence).status_code == 403
    with app.app_context():
        staff.create_user("admin-fair", "admin", "correct horse battery", None)
        db.session.commit()
    admin = app.test_client()
    log_in(admin, "admin-fair")
    assert admin.post("/staff/waiting-room/defence", data=defence).status_code == 302
    assert app.test_client().get("/api/v1/pow/challenge").get_json()["maxnumber"] == 90000
    other = make_fair_day(offset=2)
    scheduled = supervisor.post("/staff/waiting-room/opening", data={
        "day": f"CNCC|{other.isoformat()}", "opens_at": f"{other.isoformat()}T10:00"})
    assert scheduled.status_code == 302
    assert f"CNCC {other.isoformat()}" in supervisor.get(
        "/staff/waiting-room").get_data(as_text=True).split('id="rooms"')[1]
    bad = admin.post("/staff/waiting-room/defence", data={
        "pow_max_number": "5", "surge_per_second": "0"})
    assert bad.status_code == 422
    with app.app_context():
        actions = [e.action for e in db.session.query(AuditEntry).order_by(AuditEntry.id)]
    assert {"waiting_room_rate_set", "bot_defence_set", "booking_opens_set"} <= set(actions)


def test_day_set_schedules_the_booking_opening(app, make_fair_day, client,
                                               make_resident_id):
    day = make_fair_day()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["day", "set", "CNCC", day.isoformat(), "--quota", "100",
                                 "--booking-opens", f"{day.isoformat()}T10:00"])
    assert result.exit_code == 0, result.output
    assert f"booking opens {day.isoformat()}T10:00+08:00" in result.output
    answer = client.post("/api/v1/appointments", json=booking_body(day, make_resident_id()))
    assert answer.get_json()["error"]["code"] == "admission_required"
    bad = runner.invoke(args=["day", "set", "CNCC", day.isoformat(), "--quota", "100",
                              "--booking-opens", "tomorrow"])
    assert bad.exit_code != 0 and "YYYY-MM-DDTHH:MM" in bad.output
    cleared = runner.invoke(args=["day", "set", "CNCC", day.isoformat(), "--quota", "100",
                                  "--booking-opens", "none"])
    assert cleared.exit_code == 0
    assert client.post("/api/v1/appointments", json=booking_body(
        day, make_resident_id())).status_code == 201


def test_the_booking_form_carries_the_widget_while_staff_ask_a_proof_of_work(
        app, client, make_fair_day, solve_pow, make_resident_id):
    from registration.actions import waitingroom as actions
    from registration.actions.actors import Actor
    from registration.actions.unit import unit_of_work

    day = make_fair_day()
    url = f"/book/CNCC/{day.isoformat()}"
    assert "altcha-widget" not in client.get(url).get_data(as_text=True)
    with app.app_context(), unit_of_work():
        actions.set_bot_defence(Actor.operator(), pow_max_number=1000, pow_on_booking=True,
                                surge_per_second=0)
    assert "altcha-widget" in client.get(url).get_data(as_text=True)
    form = {"document_type": "cn_resident_id", "document_number": make_resident_id(),
            "name": "张三", "email": "zhang@example.com", "consent": "y"}
    refused = client.post(url + "?lang=en", data=form)
    assert refused.status_code == 403
    assert "Please complete the bot check first" in refused.get_data(as_text=True)
    booked = client.post(url, data={**form, "altcha": solve_pow()})
    assert booked.status_code == 302


def test_the_look_up_form_carries_the_widget_while_staff_ask_a_proof_of_work(
        app, client, make_fair_day, solve_pow, make_resident_id):
    from registration.actions import waitingroom as actions
    from registration.actions.actors import Actor
    from registration.actions.unit import unit_of_work

    day, number = make_fair_day(), make_resident_id()
    booked = client.post("/api/v1/appointments", json=booking_body(day, number))
    code = booked.get_json()["appointment"]["code"]
    assert "altcha-widget" not in client.get("/my").get_data(as_text=True)
    with app.app_context(), unit_of_work():
        actions.set_bot_defence(Actor.operator(), pow_max_number=1000, pow_on_booking=True,
                                surge_per_second=0)
    assert "altcha-widget" in client.get("/my").get_data(as_text=True)
    form = {"code": code, "document_number": number}
    refused = client.post("/my?lang=en", data=form)
    assert refused.status_code == 422
    assert "Please complete the bot check first" in refused.get_data(as_text=True)
    found = client.post("/my", data={**form, "altcha": solve_pow()})
    assert found.status_code == 302 and found.headers["Location"].endswith("/my/appointment")


def test_the_group_form_carries_the_widget_while_staff_ask_a_proof_of_work(
        app, client, make_fair_day, solve_pow, make_resident_id):
    import io

    from registration.actions import waitingroom as actions
    from registration.actions.actors import Actor
    from registration.actions.unit import unit_of_work

    day = make_fair_day()
    with app.app_context(), unit_of_work():
        actions.set_bot_defence(Actor.operator(), pow_max_number=1000, pow_on_booking=True,
                                surge_per_second=0)
    assert "altcha-widget" in client.get("/group").get_data(as_text=True)
    csv_text = ("document_type,document_number,document_country,name,phone,email\n"
                f"cn_resident_id,{make_resident_id()},,成员,,member@example.com\n")

    def upload(**extra):
        return client.post("/group?lang=en", data={
            "organisation": "北京某某科技有限公司", "option": f"CNCC|{day.isoformat()}|",
            "consent": "y", "members": (io.BytesIO(csv_text.encode()), "members.csv"),
            **extra}, content_type="multipart/form-data")

    refused = upload()
    assert refused.status_code == 422
    assert "Please complete the bot check first" in refused.get_data(as_text=True)
    booked = upload(altcha=solve_pow())
    assert booked.status_code == 302 and "/group/" in booked.headers["Location"]


def test_the_group_form_books_a_day_behind_the_room_only_with_a_members_admission(
        client, make_fair_day, schedule_opening, solve_pow, make_resident_id):
    import io

    day = schedule_opening(make_fair_day(), -1)
    numbers = [make_resident_id() for _ in range(2)]
    csv_text = "document_type,document_number,document_country,name,phone,email\n" + "".join(
        f"cn_resident_id,{n},,成员{i},,member{i}@example.com\n" for i, n in enumerate(numbers))

    def upload():
        return client.post("/group?lang=en", data={
            "organisation": "北京某某科技有限公司", "option": f"CNCC|{day.isoformat()}|",
            "consent": "y", "members": (io.BytesIO(csv_text.encode()), "members.csv")},
            content_type="multipart/form-data")

    refused = upload()
    assert refused.status_code == 422
    assert "goes through the waiting room" in refused.get_data(as_text=True)
    joined = client.post(_queue_url(day), data={
        "document_type": "cn_resident_id", "document_number": numbers[1],
        "altcha": solve_pow()})
    assert joined.status_code == 303
    assert client.get(_queue_url(day)).status_code == 303  # admitted: the cookie is set
    booked = upload()
    assert booked.status_code == 302 and "/group/" in booked.headers["Location"]
