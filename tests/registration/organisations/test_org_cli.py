"""`fairgate org list / approve / reject`: one line in English and Chinese and a non-zero
exit for each mistake; decisions audited as cli:<login>."""
from __future__ import annotations

import getpass

import pytest
from sqlalchemy import select


@pytest.fixture
def cli(app):
    def run(*args: str):
        return app.test_cli_runner().invoke(args=["org", *args])
    return run


def _actors(app, action: str) -> list[str]:
    from registration.extensions import db
    from registration.models import AuditEntry

    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.username).where(
            AuditEntry.action == action)))


def test_list_shows_pending_organisations_oldest_first(cli, register):
    first, second = register(), register(kind="media_outlet", stand=None)
    listed = cli("list", "--status", "pending")
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0].startswith("code\tstatus")
    assert [line.split("\t")[0] for line in lines[1:]] == [first, second]
    assert "CNCC A2 9m²" in lines[1] and "0/" not in lines[1] and "陈*" in lines[1]
    assert "chen.ming" not in listed.output


def test_approve_with_a_quota_and_audit_as_the_login(app, cli, register, organisation,
                                                     outbox):
    code = register()
    done = cli("approve", code.lower(), "--badge-quota", "4")
    assert done.exit_code == 0, done.output
    assert "approved / 已通过" in done.output and "4" in done.output
    assert organisation(code).badge_quota == 4
    assert _actors(app, "organisation_approved") == [f"cli:{getpass.getuser()}"[:60]]
    assert "已通过" in outbox()[-1]["Subject"]
    assert cli("list", "--status", "pending").output.count("\n") == 1  # the header only


def test_an_approved_exhibitors_quota_changes_but_not_below_badges_used(
        app, cli, register, organisation):
    from registration.extensions import db
    from registration.models import Organisation

    code = register()
    assert cli("approve", code).exit_code == 0
    assert organisation(code).badge_quota == 3
    with app.app_context():
        db.session.query(Organisation).update({"badges_used": 2})
        db.session.commit()
    below = cli("approve", code, "--badge-quota", "1")
    assert below.exit_code != 0
    assert "below the badges already in use" in below.output and "证件配额" in below.output
    assert cli("approve", code, "--badge-quota", "2").exit_code == 0
    assert organisation(code).badge_quota == 2


@pytest.mark.parametrize(("args", "english", "chinese"), [
    (("approve", "ORG-NOTHERE"), "No organisation has this code", "没有这个机构编号"),
    (("reject", "ORG-NOTHERE", "--reason", "x"), "No organisation has this code", "没有"),
])
def test_unknown_codes_are_one_line(cli, register, args, english, chinese):
    register()
    result = cli(*args)
    assert result.exit_code != 0
    assert english in result.output and chinese in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_mistakes_are_one_clear_line(cli, register):
    code = register()
    negative = cli("approve", code, "--badge-quota", "-3")
    assert negative.exit_code != 0 and "cannot be negative" in negative.output \
        and "负数" in negative.output
    media = register(kind="media_outlet", stand=None)
    assert "Only exhibitors" in cli("approve", media, "--badge-quota", "3").output
    assert cli("reject", code, "--reason", "  ").exit_code != 0
    assert cli("reject", code, "--reason", "Stand not booked").exit_code == 0
    again = cli("reject", code, "--reason", "again")
    assert again.exit_code != 0 and "already been decided" in again.output \
        and "已审核完毕" in again.output
    assert cli("approve", code).exit_code != 0


def test_reject_stores_the_reason_and_audits_it(app, cli, register, organisation, outbox):
    code = register(lang="en")
    result = cli("reject", code, "--reason", "The stand was not booked")
    assert result.exit_code == 0 and "rejected / 未通过" in result.output
    assert organisation(code).decision_reason == "The stand was not booked"
    assert _actors(app, "organisation_rejected") == [f"cli:{getpass.getuser()}"[:60]]
    assert "Reason: The stand was not booked" in outbox()[-1].get_body(
        ("plain",)).get_content()
