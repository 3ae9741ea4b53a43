"""Identity-document numbers and passwords typed into the staff console never reach the audit
log, a URL, a log or the outbox; search by document goes by POST through the blind index; the
retention purge also erases the (masked) identity data in the audit log and the outbox."""
from __future__ import annotations

import logging
import stat
from datetime import timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import quote, unquote, urlencode

import pytest
import sqlalchemy as sa
from pagetools import Page
from staffkit import PASSWORD, log_in

NUMBER = "11010119900307803X"
TYPED_FORMS = ("110101 19900307 803X", "110101-19900307-803X", "１１０１０１１９９００３０７８０３Ｘ",
               NUMBER, NUMBER.lower())
PASSPORT = "E12345678"
MASKED_NUMBER, MASKED_PASSPORT = "1*************803X", "E****5678"
# What may never be stored or shown: any long stretch of either number, in any width.
SECRETS = ("19900307", "0101199003", "１９９００３０７", "12345678", "１２３４５６７８",
           "110101 1990", "110101-1990")
PASSWORD_AS_USERNAME = ("hunter2hunter2", PASSWORD)


def raw_audit_rows(app) -> str:
    """Every column of every audit entry, as the database holds them."""
    from registration.extensions import db

    with app.app_context():
        rows = db.session.execute(sa.text("SELECT * FROM audit_entries")).all()
    return "\n".join(" | ".join(str(value) for value in row) for row in rows)


def outbox_text(outbox: Path) -> str:
    """The outbox messages as a reader sees them: headers and decoded text parts."""
    texts = []
    for path in sorted(outbox.glob("*.eml")):
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        texts.append(str(message.items()))
        for part in message.walk():
            if part.get_content_maintype() == "text":
                texts.append(part.get_content())
    return "\n".join(texts)


def assert_no_secret(text: str, where: str) -> None:
    for secret in SECRETS + TYPED_FORMS + PASSWORD_AS_USERNAME:
        assert secret not in text and secret.upper() not in text, (where, secret)


@pytest.fixture
def app(make_app, tmp_path):
    """The staff test service, logging each request as production does."""
    return make_app(STAFF_PASSWORD_HASH="scrypt:1024:8:1", MAIL_OUTBOX=str(tmp_path / "outbox"),
                    LOG_REQUESTS=True)


def send_confirmation(app, code: str) -> None:
    """The confirmation email of a booking, as the booking page sends it (into the outbox)."""
    from registration.extensions import db
    from registration.models import Appointment
    from registration.web.notify import send_pass_email

    with app.test_request_context("/"):
        appointment = db.session.scalar(sa.select(Appointment).where(Appointment.code == code))
        assert send_pass_email(appointment, "visitor@example.com", "en", quiet=True)


@pytest.fixture
def booked(app, venues, book_online):
    """A resident-ID booking and a passport booking at CNCC today, both with an email."""
    resident = book_online(venues, number=NUMBER, name="张三")
    passport = book_online(venues, name="Anna Eriksson", document={
        "type": "passport", "number": PASSPORT, "country": "USA"})
    assert resident["status"] == passport["status"] == 201
    codes = {"resident": resident["appointment"]["code"],
             "passport": passport["appointment"]["code"]}
    for code in codes.values():
        send_confirmation(app, code)
    return codes


def found_codes(response) -> list[str]:
    return sorted(a.text for a in Page.of(response).root.find_all("a", class_="code"))


def test_typed_document_numbers_and_passwords_leave_no_trace(
        app, venues, booked, staff_client, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    desk = staff_client("desk", "CNCC")
    searches = 0
    for typed in TYPED_FORMS + (PASSPORT,):
        # In a URL: refused, and the number is not put back into the page or its links.
        response = desk.get("/staff/appointments/CNCC", query_string={"q": typed, "lang": "en"})
        assert response.status_code == 422
        assert "Type at most the last four characters" in Page.of(response).text
        html = unquote(response.get_data(as_text=True))
        assert_no_secret(html, f"GET page for {typed!r}")
        assert Page.of(response).root.find("input", id="q")["value"] == ""
        # In the search form (POST): found through the blind index.
        data = {"q": typed}
        if typed == PASSPORT:
            data.update(document_type="passport", country="usa")
        response = desk.post("/staff/appointments/CNCC?lang=en", data=data)
        assert response.status_code == 200, Page.of(response).text
        wanted = booked["passport" if typed == PASSPORT else "resident"]
        assert found_codes(response) == [wanted]
        page = Page.of(response)
        assert (MASKED_PASSPORT if typed == PASSPORT else MASKED_NUMBER) in page.text
        assert_no_secret(unquote(response.get_data(as_text=True)), f"POST page for {typed!r}")
        searches += 1
    # A passport is found with its issuing country even when the type is left as it was.
    response = desk.post("/staff/appointments/CNCC", data={"q": PASSPORT, "country": "USA"})
    assert found_codes(response) == [booked["passport"]]
    searches += 1
    # Without the country it cannot be looked up: a message, no number.
    response = desk.post("/staff/appointments/CNCC?lang=en", data={"q": PASSPORT})
    assert response.status_code == 422 and found_codes(response) == []
    assert_no_secret(response.get_data(as_text=True), "refused passport search")
    # Unknown but valid number: nothing found, nothing kept.
    response = desk.post("/staff/appointments/CNCC?lang=en", data={"q": "110101198001011232"})
    assert response.status_code == 200 and found_codes(response) == []
    assert "No appointment at this venue matches." in Page.of(response).text
    searches += 1

    # Passwords typed into the username field: the log-in fails, the text is not kept.
    for typed in PASSWORD_AS_USERNAME:
        response = log_in(app.test_client(), typed, "whatever it is")
        assert response.status_code == 401
    # A logged-out visit of a search URL with a number: the log-in redirect drops it.
    for typed in TYPED_FORMS + (PASSPORT,):
        response = app.test_client().get("/staff/appointments/CNCC", query_string={"q": typed})
        assert response.status_code == 302
        location = unquote(response.headers["Location"])
        assert location == "/staff/login?next=/staff/appointments/CNCC", location
        client = app.test_client()
        # A hand-made log-in link with the number in ``next``: not echoed into the form.
        page = client.get("/staff/login", query_string={
            "next": f"/staff/appointments/CNCC?q={typed}&lang=en"})
        assert_no_secret(unquote(page.get_data(as_text=True)), f"log-in page for {typed!r}")
        action = unquote(Page.of(page).root.find("form", class_="narrow-form")["action"])
        assert action == "/staff/login?next=/staff/appointments/CNCC?lang=en", action
        response = client.post("/staff/login", query_string={
            "next": f"/staff/appointments/CNCC?q={typed}&lang=en"},
            data={"username": "desk-cncc", "password": PASSWORD})
        assert unquote(response.headers["Location"]) == "/staff/appointments/CNCC?lang=en"

    audit = raw_audit_rows(app)
    assert_no_secret(audit, "audit_entries")
    assert audit.count('"kind": "document"') == searches
    assert audit.count(MASKED_NUMBER) == len(TYPED_FORMS) and MASKED_PASSPORT in audit
    assert_no_secret(caplog.text, "logs")
    assert caplog.text, "nothing was logged: the test would prove nothing"
    outbox = outbox_text(tmp_path / "outbox")
    assert booked["resident"] in outbox and MASKED_NUMBER in outbox  # the emails are there
    assert_no_secret(outbox, "outbox")
    # ... and only the service's user may read them.
    for path in (tmp_path / "outbox").glob("*.eml"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "outbox").stat().st_mode) == 0o700


def test_a_failed_login_keeps_a_typed_name_only_when_it_cannot_be_a_password(
        app, make_staff, venues, audit_actions):
    make_staff("desk", "CNCC")
    for typed in ("nobody", "desk-cncc", "hunter2hunter2", "my password", "DESK-CNCC "):
        assert log_in(app.test_client(), typed, "wrong password!").status_code == 401
    assert [name for name, action, _, _ in audit_actions()] == [
        "nobody", "desk-cncc", "?", "?", "desk-cncc"]


def test_free_text_in_the_audit_log_is_masked(app, staff_client, venues, booked,
                                              audit_actions):
    supervisor = staff_client("supervisor", "CNCC")
    reason = "visitor 110101 19900307 803X reported it lost on 2026-09-10"
    response = supervisor.post(f"/staff/appointments/CNCC/{booked['resident']}/revoke",
                               data={"reason": reason})
    assert response.status_code == 302
    audit = raw_audit_rows(app)
    assert_no_secret(audit, "revocation reason")
    assert f"visitor {MASKED_NUMBER} reported it lost on 2026-09-10" in audit


def move_to_the_past(app, days: int) -> None:
    """The appointments' day lies ``days`` back (their fair day is long over)."""
    from registration.extensions import db
    from registration.models import Appointment

    with app.app_context():
        for appointment in db.session.scalars(sa.select(Appointment)):
            appointment.day -= timedelta(days=days)
        db.session.commit()


@pytest.mark.parametrize("how", ["page", "command"])
def test_the_purge_erases_identity_data_in_the_audit_log_and_the_outbox(
        app, venues, booked, staff_client, make_resident_id, tmp_path, how):
    desk, admin = staff_client("desk", "CNCC"), staff_client("admin")
    walk_in = desk.post("/staff/desk/CNCC", data={"line": make_resident_id(), "name": "李四",
                                                  "consent": "y"})
    assert walk_in.status_code == 302
    found = desk.post("/staff/desk/CNCC", data={"line": NUMBER})  # already booked: found
    assert found.status_code == 302
    assert found_codes(admin.post("/staff/appointments/CNCC", data={"q": NUMBER})) \
        == [booked["resident"]]
    before = raw_audit_rows(app)
    assert before.count(MASKED_NUMBER) == 2 and "desk_booking" in before  # found + search
    outbox = tmp_path / "outbox"
    assert len(list(outbox.glob("*.eml"))) == 2
    move_to_the_past(app, 40)

    if how == "page":
        response = admin.post("/staff/purge?lang=en", data={"confirm": "PURGE"})
        assert response.status_code == 200
        text = Page.of(response).text
        assert "Identity data of 3 appointments was erased." in text
        assert "2 confirmation emails deleted from the outbox" in text
    else:
        result = app.test_cli_runner().invoke(args=["purge", "--older-than", "30"])
        assert result.exit_code == 0 and "3 appointment" in result.output

    after = raw_audit_rows(app)
    # Entries about the purged appointments lose their masked documents; who did what stays.
    from registration.extensions import db
    from registration.models import AuditEntry
    from registration.services.audit import details_of

    with app.app_context():
        entries = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
        by_action = {entry.action: entry for entry in entries}
        for action in ("desk_booking", "desk_found"):
            entry = by_action[action]
            assert details_of(entry)["document"] == "—" and entry.identity_erased_at
            assert entry.username == "desk-cncc" and entry.target
    assert after.count(MASKED_NUMBER) == 1  # the search was today, not on a purged day
    assert list(outbox.glob("*.eml")) == []
    # The appointments are erased (nobody is found by document any more).
    assert found_codes(admin.post("/staff/appointments/CNCC", data={"q": NUMBER})) == []


def test_the_purge_erases_searches_recorded_before_the_cutoff(app, venues, booked,
                                                              staff_client):
    from registration.extensions import db
    from registration.services.purge import purge

    admin = staff_client("admin")
    for query in (NUMBER, "张三", booked["resident"]):
        assert admin.post("/staff/appointments/CNCC", data={"q": query}).status_code == 200
    assert MASKED_NUMBER in raw_audit_rows(app) and "张" in raw_audit_rows(app)
    with app.app_context():
        done = purge(30, today=venues + timedelta(days=40))
        db.session.commit()
    # The document and the name searches; the code search names its appointment as target.
    assert done.appointments == 2 and done.audit_entries == 2 and done.outbox_messages == 2
    after = raw_audit_rows(app)
    assert MASKED_NUMBER not in after and "张" not in after
    assert after.count("appointments_searched") == 3  # the entries themselves stay
    with app.app_context():  # a second purge finds nothing left to erase
        assert purge(30, today=venues + timedelta(days=40)).audit_entries == 0
        db.session.rollback()


def test_the_audit_log_still_refuses_every_other_change(app, venues, booked, staff_client):
    from registration.extensions import db
    from registration.services.purge import purge

    admin = staff_client("admin")
    admin.post("/staff/appointments/CNCC", data={"q": NUMBER})
    with app.app_context():
        purge(30, today=venues + timedelta(days=40))
        db.session.commit()
    before = raw_audit_rows(app)
    with app.app_context():
        for statement in ("UPDATE audit_entries SET username = 'someone else'",
                          "UPDATE audit_entries SET action = 'logout'",  # a valid action
                          "UPDATE audit_entries SET details = '{}'",
                          "UPDATE audit_entries SET identity_erased_at = NULL"):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                with db.engine.begin() as connection:
                    connection.execute(sa.text(statement))
    assert raw_audit_rows(app) == before


def raw_rows(app, table: str) -> str:
    from registration.extensions import db

    with app.app_context():
        rows = db.session.execute(sa.text(f"SELECT * FROM {table}")).all()
    return "\n".join(" | ".join(str(value) for value in row) for row in rows)


def test_a_revocation_reason_is_masked_where_it_is_kept_and_erased_by_the_purge(
        app, venues, booked, staff_client):
    from registration.extensions import db
    from registration.services.purge import purge

    supervisor = staff_client("supervisor", "CNCC")
    reason = "张三 says ID １１０１０１-19900307-803X was stolen"
    response = supervisor.post(f"/staff/appointments/CNCC/{booked['resident']}/revoke",
                               data={"reason": reason})
    assert response.status_code == 302
    page = supervisor.get(f"/staff/appointments/CNCC/{booked['resident']}?lang=en")
    assert f"张三 says ID {MASKED_NUMBER} was stolen" in Page.of(page).text
    for table in ("passes", "audit_entries"):
        assert_no_secret(raw_rows(app, table), table)
    assert "张三 says" in raw_rows(app, "passes")
    with app.app_context():
        purge(30, today=venues + timedelta(days=40))
        db.session.commit()
    for table in ("passes", "audit_entries"):
        assert "张三" not in raw_rows(app, table) and MASKED_NUMBER not in raw_rows(app, table)
    # The service's own reasons stay: kiosks tell a cancellation from a revocation by them.
    assert "pass_revoked" in raw_audit_rows(app)


@pytest.mark.parametrize("name,query", [("Karl Andersen", "andersen"),
                                        ("Hans Mueller", "MUELLER H")])
def test_a_name_made_of_eight_code_characters_is_searched_as_a_name(
        app, venues, book_online, staff_client, name, query):
    code = book_online(venues, name=name)["appointment"]["code"]
    desk = staff_client("desk", "CNCC")
    assert found_codes(desk.get("/staff/appointments/CNCC", query_string={"q": query})) \
        == [code]
    assert found_codes(desk.post("/staff/appointments/CNCC", data={"q": query})) == [code]
    # A code typed in two halves is still a code.
    spaced = f"{code[:4]} {code[4:].lower()}"
    assert found_codes(desk.post("/staff/appointments/CNCC", data={"q": spaced})) == [code]


def test_the_development_server_does_not_log_a_number_typed_into_a_url(app):
    """`fairgate serve` logs each request line: document-like query values are cut out."""
    from registration.observability import RedactingRequestHandler

    for typed in TYPED_FORMS + (PASSPORT,):
        handler = RedactingRequestHandler.__new__(RedactingRequestHandler)
        lines = []
        handler.log = lambda kind, message, *args: lines.append(message % args)
        handler.command, handler.request_version = "GET", "HTTP/1.1"
        path = ("/staff/appointments/CNCC?" + urlencode({"q": typed, "lang": "en"})
                + "&next=" + quote(f"/staff/appointments/CNCC?q={typed}", safe=""))
        handler.path = handler.requestline = path
        handler.log_request(422, 100)
        assert len(lines) == 1 and "/staff/appointments/CNCC?q=" in lines[0]
        assert "lang=en" in lines[0]
        assert_no_secret(unquote(lines[0]), f"access log for {typed!r}")
        assert handler.path == path  # only the logged copy is redacted
