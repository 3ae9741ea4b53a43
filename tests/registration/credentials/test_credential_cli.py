"""`fairgate credential issue|list|revoke` on a real instance."""
from __future__ import annotations

from datetime import timedelta

from tests.conftest import beijing_today


def _days(fairgate):
    fairgate("venue", "set", "CNCC", "--name-zh", "国家会议中心", "--name-en", "CNCC")
    today = beijing_today()
    for offset, quota in ((-1, 0), (0, 100), (1, 100)):  # a build-up day, two fair days
        day = today + timedelta(days=offset)
        fairgate("day", "set", "CNCC", day.isoformat(), "--quota", str(quota))
    return today - timedelta(days=1), today + timedelta(days=1)


def test_issue_list_revoke(fairgate, make_resident_id):
    first, last = _days(fairgate)
    number = make_resident_id()
    for kind in ("guest", "staff", "contractor"):
        if kind != "guest":
            number = make_resident_id()
        result = fairgate("credential", "issue", "--kind", kind, "--number", number,
                          "--name", "孙八", "--from", first.isoformat(), "--to",
                          last.isoformat(), "--venue", "CNCC")
        code = result.stdout.splitlines()[0]
        assert len(code) == 8 and number not in result.stdout
    listing = fairgate("credential", "list", "--kind", "staff").stdout
    assert "\tstaff\tapproved\tCNCC\t" in listing and number not in listing
    staff_code = listing.splitlines()[1].split("\t")[0]
    assert fairgate("credential", "revoke", staff_code).stdout.strip() == f"{staff_code} revoked"
    assert "\trevoked\t" in fairgate("credential", "list", "--status", "revoked").stdout


def test_mistakes_are_one_line_and_exit_1(fairgate, make_resident_id):
    first, last = _days(fairgate)
    number = make_resident_id()
    base = ["credential", "issue", "--kind", "guest", "--name", "孙八",
            "--from", first.isoformat(), "--to", last.isoformat()]
    bad = fairgate(*base, "--number", number[:-1] + ("0" if number[-1] != "0" else "1"),
                   check=False)
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1
    assert "check" in bad.stderr.lower() and number[:-1] not in bad.stderr
    wrong = fairgate(*base[:-4], "--from", last.isoformat(), "--to", first.isoformat(),
                     "--number", number, check=False)
    assert wrong.returncode == 1 and "last day" in wrong.stderr
    assert fairgate("credential", "issue", "--kind", "media", "--number", number, "--name",
                    "x", "--from", first.isoformat(), "--to", last.isoformat(),
                    check=False).returncode == 2
    assert fairgate(*base, "--number", number).returncode == 0
    again = fairgate(*base, "--number", number, check=False)
    assert again.returncode == 1 and "already holds a credential: guest" in again.stderr
    unknown = fairgate("credential", "revoke", "NOSUCH12", check=False)
    assert unknown.returncode == 1 and "No credential" in unknown.stderr


def test_issue_sends_the_pass_by_mail_and_sms(app, tmp_path, make_fair_day, make_resident_id,
                                              outbox):
    """In-process: the mail leaves after the command's commit (rendered outside a request)."""
    day = make_fair_day("CNCC", offset=1)
    result = app.test_cli_runner().invoke(args=[
        "credential", "issue", "--kind", "guest", "--number", make_resident_id(),
        "--name", "孙八", "--from", day.isoformat(), "--to", day.isoformat(),
        "--email", "sun@example.com", "--phone", "+86 139 0000 0003", "--lang", "en"])
    assert result.exit_code == 0, (result.output, result.exception)
    code = result.output.splitlines()[0]
    (mail,) = [m for m in outbox() if code in str(m["Subject"])]
    assert "approved" in str(mail["Subject"])
    assert list((tmp_path / "sms").iterdir())
