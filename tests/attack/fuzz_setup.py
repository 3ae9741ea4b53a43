"""What a schemathesis run of fairgate needs beside the OpenAPI document: a kiosk's device
token, unused enrolment codes, a booked appointment to look up (and a forum on its day to
reserve a seat in), a full venue-day with a
waiting entry and an offer on its list, a venue-day behind the waiting room, and the config
file (tests/attack/schemathesis.toml) with them. Used by tests/attack/test_api_fuzz.py, and by
hand against `make run` (docs/api.md)::

    .venv/bin/python tests/attack/fuzz_setup.py http://127.0.0.1:5000 /tmp/fuzz

prints the environment and the ``schemathesis run`` command to paste. The service must
have the demo seeded (``fairgate demo``) and rate limits off
(``FAIRGATE_RATELIMIT_ENABLED=0``: a run looks up one appointment thousands of times).
Each run books one more appointment and enrols a few more kiosks; it adds a CNCC day of one place
(and books it up) and sets Shougang's day after tomorrow to book behind the waiting room
(`fairgate day set`).
"""
from __future__ import annotations

import json
import os
import re
import shlex
import secrets
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

from gate.checksums import mod11_2_check_char

CONFIG = Path(__file__).with_name("schemathesis.toml")
ENROLMENT_CODES = 5  # for the fuzzer's own enrolments; each code is good once
FULL_VENUE, QUEUE_VENUE = "CNCC", "SHOUGANG"  # their day after tomorrow: see prepare()
FUZZ_ROOM, FUZZ_FORUM = "CNCC-FUZZ", "FUZZ-F1"  # the forum seat operations name
FULL_ROOM, FULL_FORUM = "CNCC-FUZZ2", "FUZZ-FULL"  # a one-seat forum, taken: its waiting list
LOUNGE = "CNCC-FUZZL"  # a lounge's door: the annulled admission
OFFER_LINK = re.compile(r"/waitlist/offer/([A-Za-z0-9_-]+)")


def fresh_resident_id() -> str:
    """A valid resident ID of Beijing Dongcheng born in January 1980, with a random birth
    day and sequence number, so each run books a document of its own (one booking per
    document per day)."""
    body = f"110101198001{secrets.randbelow(28) + 1:02d}{secrets.randbelow(1000):03d}"
    return body + mod11_2_check_char(body)


def post(base_url: str, path: str, body: dict, token: str | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"{base_url}{path}", data=json.dumps(body).encode(),
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


def prepare(base_url: str, cli: Callable[[list[str]], str], folder: Path,
            outbox: Path) -> dict[str, str]:
    """Enrol a CNCC-E1 kiosk, book an appointment, fill a venue-day and put a waiting entry
    and an offer on its list, and open a venue-day's waiting room at ``base_url``; write the
    config and enrolment codes into ``folder``; return the variables the config reads.
    ``cli(args)`` runs ``fairgate ARGS`` on the service's instance and returns its output;
    ``outbox`` is the instance's mail outbox (the offer's token arrives only by mail)."""
    status, enrolled = post(base_url, "/api/v1/devices/enroll",
                            {"code": new_code(cli), "name": "fuzz"})
    if status != 201:
        raise RuntimeError(f"enrolment refused ({status}): {enrolled}")
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    tomorrow, later = now.date() + timedelta(days=1), now.date() + timedelta(days=2)
    looked_up = fresh_resident_id()
    booked = book(base_url, "CNCC", tomorrow, looked_up)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(CONFIG, folder / CONFIG.name)
    codes = "".join(f'"{new_code(cli)}"\n' for _ in range(ENROLMENT_CODES))
    (folder / "enrolment-codes.dict").write_text(codes)
    return {"FAIRGATE_FUZZ_BASE_URL": base_url,
            "FAIRGATE_FUZZ_TOKEN": enrolled["token"],
            "FAIRGATE_FUZZ_DAY": tomorrow.isoformat(),  # Shougang's day with time slots
            "FAIRGATE_FUZZ_CODE": booked["appointment"]["code"],
            "FAIRGATE_FUZZ_DOCUMENT": looked_up,
            "FAIRGATE_FUZZ_SERIAL": booked["pass"]["serial"],
            **forum_of_day(base_url, cli, tomorrow),
            **full_forum(base_url, cli, tomorrow),
            **full_day_with_offer(base_url, cli, outbox, later),
            **queue_day(cli, later, now),
            **applied_credential(base_url),
            **annulled_admission(base_url, cli, enrolled["token"], now.date())}


def annulled_admission(base_url: str, cli: Callable[[list[str]], str], token: str,
                       today) -> dict[str, str]:
    """An admission of the fuzz kiosk today, annulled at once: annulling it again answers
    200 and changes nothing (a fresh one is annullable for 30 s only, less than a run). It
    is verified at a lounge's door, which keeps no opening hours (the venue's are the
    entrance's), so the setup works at any time of day."""
    cli(["zone", "set", "CNCC", LOUNGE, "--kind", "vip_lounge", "--name-zh", "模糊测试休息室",
         "--name-en", "Fuzz lounge"])
    number = fresh_resident_id()
    booked = book(base_url, "CNCC", today, number)
    event_id = f"fuzz-annul-{secrets.token_hex(4)}"
    status, answer = post(base_url, "/api/v1/gate/verify", {
        "scan": booked["pass"]["token"], "direction": "in", "gate": LOUNGE,
        "id": event_id}, token)
    if status != 200 or not answer["verdict"]["admit"]:
        raise RuntimeError(f"admission refused ({status}): {answer}")
    status, answer = post(base_url, "/api/v1/gate/annul", {"event_id": event_id}, token)
    if status != 200:
        raise RuntimeError(f"annul refused ({status}): {answer}")
    return {"FAIRGATE_FUZZ_ANNULLED_EVENT": event_id}


def forum_of_day(base_url: str, cli: Callable[[list[str]], str], day) -> dict[str, str]:
    """A forum on the looked-up appointment's CNCC day, open for reservations (as an
    operator sets one up: `fairgate zone set`, `fairgate forum set`), which reservations
    name with that appointment's code and document; and another booking of that day
    holding a seat in it, which cancellations give back (the first is 200, whatever order
    the operations are fuzzed in; later ones are 404 seat_not_found)."""
    cli(["zone", "set", "CNCC", FUZZ_ROOM, "--kind", "forum_room", "--name-zh", "模糊测试室",
         "--name-en", "Fuzz room"])
    cli(["forum", "set", FUZZ_FORUM, "--zone", FUZZ_ROOM, "--title-zh", "模糊测试论坛",
         "--title-en", "Fuzz forum", "--start", f"{day.isoformat()}T10:00",
         "--end", f"{day.isoformat()}T11:30", "--seats", "1000"])
    number = fresh_resident_id()
    holder = book(base_url, "CNCC", day, number)["appointment"]["code"]
    status, seat = post(base_url, f"/api/v1/forums/{FUZZ_FORUM}/seats",
                        {"code": holder, "document_number": number})
    if status != 201:
        raise RuntimeError(f"seat refused ({status}): {seat}")
    return {"FAIRGATE_FUZZ_FORUM": FUZZ_FORUM, "FAIRGATE_FUZZ_SEAT_CODE": holder,
            "FAIRGATE_FUZZ_SEAT_DOCUMENT": number}


def full_forum(base_url: str, cli: Callable[[list[str]], str], day) -> dict[str, str]:
    """A one-seat forum on the same CNCC day, its seat taken by a new booking (or by an
    earlier run's), and another booking of that day whose code and document join its
    waiting list: the first join succeeds, later ones are 409 already_waiting."""
    cli(["zone", "set", "CNCC", FULL_ROOM, "--kind", "forum_room", "--name-zh", "模糊测试室二",
         "--name-en", "Fuzz room 2"])
    cli(["forum", "set", FULL_FORUM, "--zone", FULL_ROOM, "--title-zh", "满座论坛",
         "--title-en", "Full forum", "--start", f"{day.isoformat()}T14:00",
         "--end", f"{day.isoformat()}T15:30", "--seats", "1"])
    holder = fresh_resident_id()
    held = book(base_url, "CNCC", day, holder)
    status, seat = post(base_url, f"/api/v1/forums/{FULL_FORUM}/seats", {
        "code": held["appointment"]["code"], "document_number": holder})
    if status != 201 and seat.get("error", {}).get("code") != "seats_full":
        raise RuntimeError(f"seat refused ({status}): {seat}")
    waiting = fresh_resident_id()
    joiner = book(base_url, "CNCC", day, waiting)
    return {"FAIRGATE_FUZZ_FULL_FORUM": FULL_FORUM,
            "FAIRGATE_FUZZ_FORUM_WAIT_CODE": joiner["appointment"]["code"],
            "FAIRGATE_FUZZ_FORUM_WAIT_DOCUMENT": waiting}


def applied_credential(base_url: str) -> dict[str, str]:
    """An online participant's credential (approved at once), which credential look-ups
    name: a drawn code finds nothing (404)."""
    number = fresh_resident_id()
    status, applied = post(base_url, "/api/v1/credentials", {
        "kind": "online", "name": "王五", "consent": True,
        "document": {"type": "cn_resident_id", "number": number}})
    if status != 201:
        raise RuntimeError(f"credential refused ({status}): {applied}")
    return {"FAIRGATE_FUZZ_CREDENTIAL_CODE": applied["credential"]["code"],
            "FAIRGATE_FUZZ_CREDENTIAL_DOCUMENT": number}


def new_code(cli: Callable[[list[str]], str]) -> str:
    """A one-time enrolment code for gate CNCC-E1, as an operator gets it."""
    output = cli(["device", "enroll-code", "--venue", "CNCC", "--gate", "CNCC-E1"])
    return output.splitlines()[0].strip()


def book(base_url: str, venue: str, day, number: str) -> dict:
    status, booked = post(base_url, "/api/v1/appointments", {
        "venue": venue, "date": day.isoformat(), "consent": True, "name": "王五",
        "document": {"type": "cn_resident_id", "number": number}})
    if status != 201:
        raise RuntimeError(f"booking refused ({status}): {booked}")
    return booked


def join_waitlist(base_url: str, day, number: str, email: str) -> dict:
    status, joined = post(base_url, f"/api/v1/venues/{FULL_VENUE}/days/{day}/waitlist", {
        "consent": True, "name": "赵六", "email": email,
        "document": {"type": "cn_resident_id", "number": number}})
    if status != 201:
        raise RuntimeError(f"waiting list refused ({status}): {joined}")
    return joined["entry"]


def full_day_with_offer(base_url: str, cli: Callable[[list[str]], str], outbox: Path,
                        day) -> dict[str, str]:
    """A new CNCC day (the first one from ``day`` on that has none) with a quota of one,
    booked up; its waiting list holds an offer (that booking cancelled: its place is offered
    to the first in line, by mail) and a waiting entry behind it. A new day each run: on an
    earlier run's day, the fuzzer's own entries are first in line."""
    while exists(f"{base_url}/api/v1/venues/{FULL_VENUE}/days/{day}"):
        day += timedelta(days=1)
    cli(["day", "set", FULL_VENUE, day.isoformat(), "--quota", "1", "--walk-in-reserve", "0"])
    first_number = fresh_resident_id()
    first = book(base_url, FULL_VENUE, day, first_number)
    email = f"fuzz-{secrets.token_hex(6)}@example.com"  # finds the offer's mail
    join_waitlist(base_url, day, fresh_resident_id(), email)
    status, cancelled = post(base_url, f"/api/v1/appointments/{first['appointment']['code']}"
                             "/cancel", {"document_number": first_number})
    if status != 200:
        raise RuntimeError(f"cancellation refused ({status}): {cancelled}")
    waiting = fresh_resident_id()
    entry = join_waitlist(base_url, day, waiting, f"fuzz-{secrets.token_hex(6)}@example.com")
    return {"FAIRGATE_FUZZ_FULL_DAY": day.isoformat(),
            "FAIRGATE_FUZZ_OFFER_TOKEN": offer_token(outbox, email),
            "FAIRGATE_FUZZ_WAITING_CODE": entry["code"],
            "FAIRGATE_FUZZ_WAITING_DOCUMENT": waiting}


def exists(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=30):
            return True
    except urllib.error.HTTPError as err:
        if err.code == 404:
            return False
        raise


def offer_token(outbox: Path, email: str) -> str:
    """The token of the offer link mailed to ``email`` (the outbox's .eml files)."""
    for path in sorted(outbox.glob("*.eml")):
        message = BytesParser(policy=default).parsebytes(path.read_bytes())
        if message["To"] != email:
            continue
        match = OFFER_LINK.search(message.get_body(("plain",)).get_content())
        if match:
            return match.group(1)
    raise RuntimeError(f"no offer mail to {email} in {outbox}")


def queue_day(cli: Callable[[list[str]], str], day, now: datetime) -> dict[str, str]:
    """Shougang's ``day`` booking behind the waiting room, opened an hour ago: a visitor
    joins its queue (after a proof of work, which the hooks solve) and is admitted."""
    opened = (now - timedelta(hours=1)).isoformat(timespec="minutes")
    cli(["day", "set", QUEUE_VENUE, day.isoformat(), "--quota", "15000",
         "--booking-opens", opened])
    return {"FAIRGATE_FUZZ_QUEUE_DAY": day.isoformat()}


def command(base_url: str, folder: Path, examples: int) -> list[str]:
    """The schemathesis command line, run from the repository root (the config names the
    hooks file relative to it): every check (``--checks all``) but one.

    ``ensure_resource_availability`` (ST302) is left out: it reads a 404 after a booking as
    "created resource not found" from the URL alone, but look-up and cancel also need the
    booking's document number in the body. Now and then the stateful phase sends the
    operation's example body instead of the link's, naming another document, and the
    service rightly answers 404 (docs/api.md)."""
    return [str(Path(sys.executable).with_name("schemathesis")), "--no-color",
            "--config-file", str(folder / CONFIG.name), "run",
            f"{base_url}/api/openapi.json", "--checks", "all",
            "--exclude-checks", "ensure_resource_availability",
            "--max-examples", str(examples), "--workers", "1"]


def fairgate_cli(args: list[str]) -> str:
    """``fairgate ARGS`` on the instance of the environment, as `make run` uses it."""
    fairgate = Path(sys.executable).with_name("fairgate")
    return subprocess.run([str(fairgate), *args], capture_output=True, text=True,
                          check=True).stdout


def environment_outbox() -> Path:
    """The mail outbox of the environment's instance (config.py: MAIL_OUTBOX)."""
    configured = os.environ.get("FAIRGATE_MAIL_OUTBOX")
    if configured:
        return Path(configured)
    return Path(os.environ.get("FAIRGATE_INSTANCE_PATH", "instance")) / "outbox"


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print("用法 / usage: fuzz_setup.py BASE_URL FOLDER [EXAMPLES]", file=sys.stderr)
        return 2
    base_url, folder = argv[0].rstrip("/"), Path(argv[1])
    examples = int(argv[2]) if len(argv) == 3 else 150
    try:
        env = prepare(base_url, fairgate_cli, folder, environment_outbox())
    except (RuntimeError, OSError, subprocess.CalledProcessError) as err:
        print(f"准备失败 / setup failed: {err}", file=sys.stderr)
        return 1
    for name, value in env.items():
        print(f"export {name}={shlex.quote(value)}")
    print(shlex.join(command(base_url, folder, examples)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
