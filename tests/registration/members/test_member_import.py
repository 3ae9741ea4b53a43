"""A member list (CSV): every member added, or nobody, with every problem by line and column."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from membertools import csv_bytes


def _import(app, code, data):
    from registration.actions import members as member_actions
    from registration.actions.actors import Actor
    from registration.actions.unit import unit_of_work
    from registration.extensions import db
    from registration.models import Organisation

    organisation = db.session.scalar(select(Organisation).where(Organisation.code == code))
    with unit_of_work():
        return member_actions.import_members(Actor.organisation(code), organisation, data)


def _credentials() -> int:
    from registration.extensions import db
    from registration.models import Credential

    return db.session.scalar(select(func.count()).select_from(Credential))


def _problems(refused) -> list[tuple]:
    return [(p.line, p.column) for p in refused.value.problems]


def test_a_good_list_with_bom_adds_everyone(app, make_org, org_of, make_resident_id):
    code = make_org("exhibitor", area=30)
    header = "document_type,document_number,document_country,name,name_latin,title"
    rows = [f"cn_resident_id,{make_resident_id()},,张三,ZHANG San,Engineer",
            f"居民身份证,{make_resident_id()},,李四,,",
            "passport,E12345678,SWE,Anna Berg,,Editor"]
    with app.app_context():
        result = _import(app, code, csv_bytes(rows, header=header, bom=True))
        assert len(result.members) == 3 and result.lines == [2, 3, 4]
        assert [m.title for m in result.members] == ["Engineer", None, "Editor"]
        assert all(m.current_pass is not None for m in result.members)
        assert org_of(code).badges_used == 3
        from registration.models import AuditEntry
        from registration.extensions import db

        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "member_added")) == 3


def test_bad_lines_add_nobody_and_are_named_by_line_and_column(
        app, make_org, org_of, make_resident_id):
    from registration.services.members import MemberFileRefused

    code = make_org("exhibitor", area=30)
    twice = make_resident_id()
    rows = [f"cn_resident_id,{make_resident_id()},张三",
            "cn_resident_id,110101199003078031,李四",  # wrong check character
            f"cn_resident_id,{twice},王五",
            f"cn_resident_id,{twice},赵六",  # same document as line 4
            f"cn_resident_id,{make_resident_id()},"]  # no name
    with app.app_context():
        with pytest.raises(MemberFileRefused) as refused:
            _import(app, code, csv_bytes(rows))
        assert _problems(refused) == [(3, "document_number"), (5, "document_number"),
                                      (6, "name")]
        messages = [p.message for p in refused.value.problems]
        assert "check character" in messages[0].en and messages[0].zh
        assert "line 4" in messages[1].en and "第 4 行" in messages[1].zh
        assert set(refused.value.fields) == {"rows.3.document_number",
                                             "rows.5.document_number", "rows.6.name"}
        assert _credentials() == 0 and org_of(code).badges_used == 0


def test_the_whole_file_must_fit_the_badges_left(app, make_org, org_of, make_resident_id):
    from registration.services.members import MemberFileRefused

    code = make_org("exhibitor", area=6)  # two badges
    with app.app_context():
        with pytest.raises(MemberFileRefused) as refused:
            _import(app, code, csv_bytes([f"cn_resident_id,{make_resident_id()},张三"
                                          for _ in range(3)]))
        problem, = refused.value.problems
        assert problem.line is None
        assert "2 left" in problem.message.en and "3" in problem.message.zh
        assert _credentials() == 0


def test_a_refusal_while_adding_rolls_back_the_members_before_it(app, make_org, org_of,
                                                                 make_resident_id, member):
    """Line 3's person has an appointment on a fair day: found only when adding."""
    from registration.extensions import db
    from registration.services import booking
    from registration.services.members import MemberFileRefused

    code = make_org("exhibitor", area=30)
    booked = make_resident_id()
    with app.app_context():
        from registration.models import FairDay

        fair_day = db.session.scalars(select(FairDay).order_by(FairDay.date)).first()
        booking.book_appointment(booking.BookingRequest(
            venue="CNCC", day=fair_day.date, slot=None, consent=True, consent_version="t",
            visitor=booking.Visitor(booking.validate_document("cn_resident_id", booked, None),
                                    "张三")))
        db.session.commit()
        with pytest.raises(MemberFileRefused) as refused:
            _import(app, code, csv_bytes([f"cn_resident_id,{make_resident_id()},李四",
                                          f"cn_resident_id,{booked},张三"]))
        assert _problems(refused) == [(3, "document_number")]
        assert "appointment" in refused.value.problems[0].message.en
        assert _credentials() == 0 and org_of(code).badges_used == 0


def test_documents_that_hold_a_credential_already_are_named(app, make_org, org_of, member,
                                                            make_resident_id):
    from registration.services import members
    from registration.services.members import MemberFileRefused

    first, second = make_org("exhibitor"), make_org("media_outlet")
    taken = make_resident_id()
    with app.app_context():
        members.add_member(org_of(first), member(number=taken))
        from registration.extensions import db

        db.session.commit()
        with pytest.raises(MemberFileRefused) as refused:
            _import(app, second, csv_bytes([f"cn_resident_id,{make_resident_id()},李四",
                                            f"cn_resident_id,{taken},张三"]))
        assert _problems(refused) == [(3, "document_number")]
        message = refused.value.problems[0].message
        assert "exhibitor" in message.en and "展商" in message.zh


def test_file_level_problems(app, make_org):
    from registration.services.members import MemberFileRefused

    code = make_org("exhibitor")
    with app.app_context():
        for data, expected in [
            ("document_type,document_number,name\n".encode("utf-16"), "UTF-8"),
            (b"document_type,number,name\n", "Missing columns"),
            (b"document_type,document_number,name,venue\n", "Unknown columns: venue"),
            (b"document_type,document_number,name\n", "no members"),
        ]:
            with pytest.raises(MemberFileRefused) as refused:
                _import(app, code, data)
            assert expected in refused.value.problems[0].message.en, data


def test_institution_lists_name_venue_and_date(app, make_org, make_resident_id, fair):
    from registration.extensions import db
    from registration.models import FairDay
    from registration.services.members import MemberFileRefused

    code = make_org("organisation")
    with app.app_context():
        for day in db.session.scalars(select(FairDay)):
            day.professional_quota = 10
        db.session.commit()
        header = "document_type,document_number,name,venue,date"
        with pytest.raises(MemberFileRefused) as refused:
            _import(app, code, csv_bytes([
                f"cn_resident_id,{make_resident_id()},张三,NOWHERE,{fair[0]}",
                f"cn_resident_id,{make_resident_id()},李四,CNCC,10/09/2026",
                f"cn_resident_id,{make_resident_id()},王五,,"], header=header))
        assert _problems(refused) == [(2, "venue"), (3, "date"), (4, "venue"), (4, "date")]
        result = _import(app, code, csv_bytes([
            f"cn_resident_id,{make_resident_id()},张三,cncc,{fair[0]}",
            f"cn_resident_id,{make_resident_id()},李四,SHOUGANG,{fair[1]}"], header=header))
        assert [(m.venue.code, m.first_day) for m in result.members] == [
            ("CNCC", fair[0]), ("SHOUGANG", fair[1])]


def test_progress_steps_end_with_the_result(app, make_org, org_of, make_resident_id):
    from registration.actions.unit import unit_of_work
    from registration.services import members

    code = make_org("media_outlet")
    rows = [f"cn_resident_id,{make_resident_id()},张三" for _ in range(5)]
    with app.app_context():
        with unit_of_work():
            steps = list(members.import_steps(org_of(code), csv_bytes(rows)))
        progress = [(s.stage, s.done, s.total) for s in steps[:-1]]
        assert progress[:5] == [("check", n, 5) for n in range(1, 6)]
        assert progress[5:] == [("add", n, 5) for n in range(1, 6)]
        assert isinstance(steps[-1], members.ImportResult)
