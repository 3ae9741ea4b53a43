"""Builds the kiosk from its command line: enrolment, the running gate, status.

Every operator mistake found here (a missing file, a camera in use, a refused code, a
turnstile spec that does not parse) becomes a ``UsageError`` with one clear line.
"""
from __future__ import annotations

import logging
import os
import socket
import sqlite3
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from gate.passes import PassKind
from gate.vocabulary import enrolment_code
from kiosk import config as kiosk_config
from kiosk import credits as credit_book
from kiosk.app import KioskApp
from kiosk.capture import (
    CaptureError, ImageDirectorySource, ImageFilesSource, VideoCaptureSource,
)
from kiosk.debounce import Debouncer
from kiosk.gatekeeper import Gatekeeper
from kiosk.ledger import Ledger
from kiosk.scanner import decode
from kiosk.sync import (
    GateClient, Rejected, SyncError, Synchronizer, SyncWorker, Unreachable, reached_recently,
    record_state,
)

log = logging.getLogger(__name__)


class UsageError(Exception):
    """A problem the operator can fix; the CLI prints it as one line."""


def explain(err: Rejected) -> str:
    if err.status == 401:
        return (f"the service no longer accepts this kiosk ({err.code}): enrol it again "
                "with `fairgate-kiosk enroll --force`")
    if err.code == "invalid_enrollment_code":
        return ("the enrolment code is unknown, already used or expired: print a new one "
                "with `fairgate device enroll-code`")
    detail = "; ".join(f"{k}: {v}" for k, v in err.fields.items())
    return f"the service refused: {err.message or err.code}" + (f" ({detail})" if detail else "")


def record_online(ledger: Ledger) -> None:
    record_state(ledger, True)


def record_offline(ledger: Ledger, error: str) -> None:
    record_state(ledger, False, error)


def open_ledger(home: Path) -> Ledger:
    return Ledger(kiosk_config.ledger_path(home))


# --- enrolment ---------------------------------------------------------------------------

def code_from_frames(source, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    with source:
        for frame in source:
            for text in decode(frame):
                code = enrolment_code(text)
                if code:
                    return code
            if time.monotonic() > deadline:
                break
    within = f" within {timeout:g} s" if source.live else ""
    raise UsageError(f"no enrolment QR code found in {source.name}{within}")


def _check_replaceable(home: Path, force: bool) -> None:
    """Refuse to enrol over an enrolment, or over events not uploaded yet, unless forced."""
    try:
        old, _ = kiosk_config.load(home)
    except kiosk_config.NotEnrolled:
        old = None
    if old is not None and not force:
        raise UsageError(f"already enrolled as device {old.device_id} ({old.venue}, "
                         f"{old.gate}); use --force to enrol again")
    path = kiosk_config.ledger_path(home)
    if path.exists() and not force:
        with Ledger(path) as ledger:
            queued = ledger.counts()["queued"]
        if queued:
            raise UsageError(f"{queued} check-in events are not uploaded yet: run "
                             "`fairgate-kiosk sync` first, or --force (the old ledger is "
                             "kept)")


def _read_code(args) -> str:
    if args.code:
        code = enrolment_code(args.code)
    else:
        try:
            source = (VideoCaptureSource(args.camera) if args.camera is not None
                      else _image_source(args.image))
        except CaptureError as exc:
            raise UsageError(str(exc)) from None
        code = code_from_frames(source, args.timeout)
    if code is None:
        raise UsageError("that is not an enrolment code (16 characters A-Z, 2-9, in groups "
                         "of 4)")
    return code


def enroll(home: Path, args) -> dict:
    """Exchange the one-time code for a device token; store it; a first sync round."""
    _check_replaceable(home, args.force)
    code = _read_code(args)
    path = kiosk_config.ledger_path(home)
    try:
        client = GateClient(args.server)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        answer = client.enroll(code, args.name or socket.gethostname()[:100])
    except Unreachable as exc:
        raise UsageError(f"cannot enrol: {exc}") from None
    except Rejected as err:
        raise UsageError(explain(err)) from None
    finally:
        client.close()
    kiosk_config.ensure_home(home)
    if path.exists():
        kept = archive_ledger(path)
        log.warning("the previous ledger is kept as %s", kept)
    config = kiosk_config.KioskConfig(
        server=client.server, device_id=answer["device_id"], venue=answer["venue"],
        gate=answer["gate"], name=args.name or socket.gethostname()[:100],
        enrolled_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    kiosk_config.save(home, config, answer["token"])
    with Ledger(path) as ledger:
        ledger.set(venue=config.venue, gate=config.gate, device_id=config.device_id)
        client = GateClient(config.server, answer["token"])
        try:
            summary = Synchronizer(ledger, client).round().summary()
            record_state(ledger, True)
        except SyncError as exc:
            summary = None
            record_state(ledger, False, str(exc))
        finally:
            client.close()
    return {**answer, "sync": summary}


def _image_source(path: str):
    if not Path(path).is_file():
        raise CaptureError(f"no such image: {path}")
    return ImageFilesSource([path], name=path)


def archive_ledger(path: Path) -> Path:
    """Move a ledger aside (WAL folded in first) so nothing in it is ever lost."""
    conn = sqlite3.connect(str(path))
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"ledger-{stamp}.sqlite")
    os.replace(path, target)
    for suffix in ("-wal", "-shm"):
        leftover = Path(str(path) + suffix)
        if leftover.exists():
            os.replace(leftover, Path(str(target) + suffix))
    return target


# --- the running gate --------------------------------------------------------------------

def kinds(text: str) -> frozenset[PassKind]:
    try:
        return frozenset(PassKind(k.strip().lower()) for k in (text or "").split(",")
                         if k.strip())
    except ValueError:
        raise UsageError(f"unknown pass kind in {text!r}: use visitor, exhibitor, staff, media") \
            from None


def make_turnstile_from_spec(spec: str):
    from kiosk.turnstile import make_turnstile
    kind, _, rest = (spec or "none").partition(":")
    try:
        if kind in ("none", "log") and not rest:
            return make_turnstile(kind)
        if kind == "serial" and rest:
            port, _, baud = rest.partition(",")
            return make_turnstile("serial", port=port, baudrate=int(baud or 9600))
        if kind == "command" and rest.strip():
            return make_turnstile("command", argv=rest)
    except ValueError as exc:
        raise UsageError(f"--turnstile {spec}: {exc}") from None
    raise UsageError(f"--turnstile {spec!r}: use none, log, serial:PORT[,BAUD] or command:PROGRAM")


def make_reader(spec: str | None):
    from kiosk.readers import KeyboardWedgeReader, ReaderError, SerialReader
    if not spec:
        return None
    if spec == "stdin":
        return KeyboardWedgeReader(sys.stdin, source="stdin")
    kind, _, rest = spec.partition(":")
    if kind == "serial" and rest:
        port, _, baud = rest.partition(",")
        try:
            return SerialReader(port, int(baud or 9600))
        except (ReaderError, ValueError) as exc:
            raise UsageError(f"--reader {spec}: {exc}") from None
    raise UsageError(f"--reader {spec!r}: use stdin or serial:PORT[,BAUD]")


def make_source(args):
    try:
        if args.camera is not None:
            return VideoCaptureSource(args.camera, width=args.width, height=args.height)
        if args.rtsp:
            return VideoCaptureSource(args.rtsp)
        if args.video:
            if not Path(args.video).is_file():
                raise CaptureError(f"no such video file: {args.video}")
            return VideoCaptureSource(args.video)
        if args.images:
            return ImageDirectorySource(args.images)
    except CaptureError as exc:
        raise UsageError(str(exc)) from None
    return None


def make_display(args):
    from kiosk.display import Display, FontNotFound, GuiUnavailable, HeadlessDisplay
    screen = "none" if args.headless else args.screen
    if screen == "none":
        return HeadlessDisplay()
    if screen == "browser":
        from kiosk.screen import BrowserDisplay
        if not 0 <= args.screen_port <= 65535:
            raise UsageError(f"--screen-port {args.screen_port}: use a port from 1 to 65535 "
                             "(0: any free port)")
        try:
            return BrowserDisplay(port=args.screen_port)
        except OSError as exc:
            raise UsageError(f"cannot serve the gate screen on 127.0.0.1:{args.screen_port} "
                             f"({exc.strerror or exc}): is another kiosk running here? Use "
                             "--screen-port") from None
    try:
        return Display(fullscreen=not args.windowed)
    except (GuiUnavailable, FontNotFound) as exc:
        raise UsageError(str(exc)) from None


@dataclass
class RunningKiosk:
    app: KioskApp
    gatekeeper: Gatekeeper
    ledger: Ledger
    worker: SyncWorker | None
    make_client: object
    turnstile: object
    display: object

    def close(self, keep_credits: bool = False) -> None:
        if self.worker is not None:
            self.worker.stop()
        day = self.ledger.manifest_day
        if not keep_credits and day is not None:
            given = credit_book.surrender(self.ledger, day)
            if given:
                log.info("gave back %d unused credits", given)
        if self.worker is not None:  # a last round: upload what is queued, report credits
            client = self.make_client(timeout=(1.5, 3.0))
            try:
                # credit_stock=0: report the surrender, lease nothing new
                Synchronizer(self.ledger, client, credit_stock=0).round()
                record_state(self.ledger, True)
            except SyncError as exc:
                queued = self.ledger.counts()["queued"]
                log.warning("final sync failed (%s): %d events stay queued", exc, queued)
            finally:
                client.close()
        for part in (self.turnstile, self.display):
            if part is not None:
                part.close()
        self.ledger.close()


def build_kiosk(home: Path, args, source=None) -> RunningKiosk:
    """The kiosk the ``run`` options describe; ``source`` replaces the frame source they
    name (a program embedding the kiosk feeds its own frames)."""
    config, token = kiosk_config.load(home)
    turnstile = make_turnstile_from_spec(args.turnstile)
    reader = None
    try:
        source = source if source is not None else make_source(args)
        reader = make_reader(args.reader)
        if source is None and reader is None:
            raise UsageError("nothing to read: give --camera, --video, --rtsp or "
                             "--images, and/or --reader")
        display = make_display(args)
    except UsageError:
        for part in (source, reader, turnstile):
            if part is not None and hasattr(part, "close"):
                part.close()
        raise
    ledger = open_ledger(home)

    def make_client(timeout=(2.0, 5.0)):
        return GateClient(config.server, token, timeout=timeout)

    worker = None
    if not args.offline:
        worker = SyncWorker(kiosk_config.ledger_path(home), make_client,
                            interval=args.sync_interval, max_backoff=args.max_backoff,
                            credit_stock=args.credits)
        worker.start()
        worker.first_round.wait(8.0)

    def refresh_keys() -> bool:
        client = make_client(timeout=(1.0, 1.5))
        try:
            ledger.apply_keys(client.manifest(ledger.get("cursor"), 1,
                                              timeout=(1.0, 1.5))["keys"])
            return True
        except SyncError:
            return False
        finally:
            client.close()

    gatekeeper = Gatekeeper(
        ledger, venue=config.venue, gate=(args.gate or config.gate).upper(),
        direction=args.direction, turnstile=turnstile, display=display,
        online=lambda: worker is not None and worker.online,
        id_check_kinds=kinds(args.id_check), recycle_exits=args.recycle_exits,
        pair_window=args.pair_window, refresh_keys=refresh_keys,
        on_decision=(lambda decision: worker.wake()) if worker else None)
    app = KioskApp(gatekeeper, source=source, reader=reader, display=display,
                   debouncer=Debouncer(args.window), fps=args.fps)
    return RunningKiosk(app, gatekeeper, ledger, worker, make_client, turnstile, display)


@dataclass
class StillScanner:
    """`fairgate-kiosk scan`: decide the codes in still images (no turnstile, no screen)."""

    gatekeeper: Gatekeeper
    ledger: Ledger

    def scan(self, paths):
        """(path, texts or None for an unreadable file, decisions) per image."""
        import cv2
        for path in paths:
            frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if frame is None:
                yield path, None, []
                continue
            texts = decode(frame)
            yield path, texts, [self.gatekeeper.decide_text(t, source="image") for t in texts]

    def close(self) -> None:
        self.ledger.close()


def build_scanner(home: Path, args) -> StillScanner:
    config, token = kiosk_config.load(home)
    ledger = open_ledger(home)
    if args.sync:
        client = GateClient(config.server, token)
        try:
            Synchronizer(ledger, client).round()
            record_state(ledger, True)
        except SyncError as exc:
            record_state(ledger, False, str(exc))
            log.warning("sync failed, deciding from the ledger as it is: %s", exc)
        finally:
            client.close()
    gatekeeper = Gatekeeper(
        ledger, venue=config.venue, gate=(args.gate or config.gate).upper(),
        # Online only while the service answered lately: the ledger's own `online` flag is
        # how its last sync went, which may be hours ago (events then came up `offline:
        # false` although nothing had reached the service).
        direction=args.direction, online=lambda: reached_recently(ledger),
        id_check_kinds=kinds(args.id_check), pair_window=args.pair_window)
    return StillScanner(gatekeeper, ledger)
