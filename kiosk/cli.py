"""`fairgate-kiosk`: enrol, run, scan, sync and status for the gate program (docs/kiosk.md).

Bad input (a missing file, an unreachable service, a refused code...) ends with one line
``fairgate-kiosk: error: ...`` on stderr and a non-zero exit status, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import logging
import signal
import sys

from kiosk import config as kiosk_config
from kiosk import status as kiosk_status
from kiosk import wiring
from kiosk.sync import GateClient, Rejected, Synchronizer, Unreachable
from kiosk.wiring import UsageError


class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line instead of usage + error
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="fairgate-kiosk", description="The fairgate gate kiosk.")
    parser.add_argument("--home", help="state directory (default $FAIRGATE_KIOSK_HOME or "
                                       "~/.local/share/fairgate-kiosk)")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="log more (-v: info, -vv: debug), on stderr")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS,
                        help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    add = commands.add_parser

    def command(name, **kwargs):
        return add(name, parents=[common], **kwargs)

    commands.add_parser = command

    enroll = commands.add_parser("enroll", help="enrol this kiosk with a one-time code")
    enroll.add_argument("--server", required=True, help="service URL, e.g. https://gate.example")
    how = enroll.add_mutually_exclusive_group(required=True)
    how.add_argument("--code", help="the one-time code (dashes and case do not matter)")
    how.add_argument("--camera", type=int, metavar="N", help="read the code's QR from camera N")
    how.add_argument("--image", metavar="FILE", help="read the code's QR from an image file")
    enroll.add_argument("--name", help="device name shown to staff (default: host name)")
    enroll.add_argument("--timeout", type=float, default=60.0,
                        help="seconds to look for the QR with --camera (60)")
    enroll.add_argument("--force", action="store_true",
                        help="enrol again; the old ledger is kept beside the new one")

    run = commands.add_parser("run", help="scan passes and ID cards at the gate")
    source = run.add_mutually_exclusive_group()
    source.add_argument("--camera", type=int, metavar="N", help="camera index (0: first)")
    source.add_argument("--video", metavar="FILE", help="a video file")
    source.add_argument("--rtsp", metavar="URL", help="a network camera stream")
    source.add_argument("--images", metavar="DIR", help="a directory of images, in name order")
    run.add_argument("--reader", metavar="SPEC",
                     help="card reader: stdin, or serial:/dev/ttyUSB0[,BAUD]")
    run.add_argument("--screen", choices=("browser", "window", "none"), default="browser",
                     help="the gate screen: a page on 127.0.0.1 for a kiosk browser "
                          "(default), an OpenCV window (needs opencv-python), or none")
    run.add_argument("--screen-port", type=int, default=kiosk_config.SCREEN_PORT,
                     metavar="PORT", help="port of the browser screen, on 127.0.0.1 only "
                                          f"({kiosk_config.SCREEN_PORT})")
    run.add_argument("--headless", action="store_true",
                     help="no screen (--screen none): one JSON line per verdict on stdout")
    run.add_argument("--windowed", action="store_true",
                     help="with --screen window: a window, not full screen")
    run.add_argument("--turnstile", default="none", metavar="SPEC",
                     help="none | log | serial:PORT[,BAUD] | command:PROGRAM ARGS (none)")
    run.add_argument("--fps", type=float, help="pace file sources at this frame rate")
    run.add_argument("--width", type=int, help="camera frame width to ask for")
    run.add_argument("--height", type=int, help="camera frame height to ask for")
    run.add_argument("--offline", action="store_true", help="do not contact the service")
    run.add_argument("--credits", type=int, default=kiosk_config.CREDIT_STOCK, metavar="N",
                     help="least stock of occupancy credits to keep leased; the service "
                          "sizes more for a busy gate "
                          f"({kiosk_config.CREDIT_STOCK})")
    run.add_argument("--recycle-exits", action="store_true",
                     help="reuse places freed by exits here as local credits")
    run.add_argument("--keep-credits", action="store_true",
                     help="do not give unused credits back at exit")
    run.add_argument("--sync-interval", type=float, default=kiosk_config.SYNC_INTERVAL_SECONDS,
                     metavar="S", help="seconds between sync rounds while online "
                                       f"({kiosk_config.SYNC_INTERVAL_SECONDS:g})")
    run.add_argument("--max-backoff", type=float,
                     default=kiosk_config.SYNC_MAX_BACKOFF_SECONDS, metavar="S",
                     help="longest wait between retries while offline "
                          f"({kiosk_config.SYNC_MAX_BACKOFF_SECONDS:g})")
    run.add_argument("--window", type=float, default=kiosk_config.REPEAT_WINDOW_SECONDS,
                     metavar="S", help="a pass shown again within S seconds repeats its "
                                       f"verdict ({kiosk_config.REPEAT_WINDOW_SECONDS:g})")
    _decision_options(run)

    scan = commands.add_parser("scan", help="decide still images, one JSON line each")
    scan.add_argument("images", nargs="+", metavar="IMAGE")
    scan.add_argument("--sync", action="store_true", help="sync once before deciding")
    _decision_options(scan)

    sync = commands.add_parser("sync", help="one sync round: manifest, events, lease")
    sync.add_argument("--credits", type=int, default=kiosk_config.CREDIT_STOCK, metavar="N")
    annul = commands.add_parser("annul", help="annul this gate's last admission (within "
                                              "30 s of it): it can be scanned again")
    annul.add_argument("--gate", help="gate code (default: the enrolment gate)")
    status = commands.add_parser("status", help="venue, gate, last sync, queue, online")
    status.add_argument("--json", action="store_true", help="one JSON object")
    return parser


def _decision_options(command) -> None:
    command.add_argument("--direction", choices=("in", "out"), default="in",
                         help="entry or exit lane (in)")
    command.add_argument("--gate", help="gate code (default: the enrolment gate)")
    command.add_argument("--id-check", default="", metavar="KINDS",
                         help="pass kinds that must show an ID card too, e.g. visitor,media")
    command.add_argument("--pair-window", type=float, default=kiosk_config.PAIR_WINDOW_SECONDS,
                         metavar="S", help="a pass and an ID card within S seconds are one "
                                           f"scan ({kiosk_config.PAIR_WINDOW_SECONDS:g})")


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    home = kiosk_config.kiosk_home(args.home)
    try:
        return COMMANDS[args.command](args, home)
    except (UsageError, kiosk_config.NotEnrolled) as exc:
        print(f"fairgate-kiosk: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def cmd_enroll(args, home) -> int:
    answer = wiring.enroll(home, args)
    print(f"enrolled: device {answer['device_id']} at {answer['venue']}, gate "
          f"{answer['gate']}; state in {home}")
    summary = answer.get("sync")
    print(f"first sync: {summary}" if summary else
          "first sync failed: the kiosk will sync when it runs")
    return 0


def cmd_run(args, home) -> int:
    kiosk = wiring.build_kiosk(home, args)
    app = kiosk.app
    url = getattr(kiosk.display, "url", None)
    if url:  # the browser screen: say where, for `chromium --kiosk URL`
        print(f"fairgate-kiosk: gate screen at {url}", file=sys.stderr, flush=True)

    def on_signal(signum, frame):
        app.stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        stats = app.run()
    finally:
        kiosk.close(keep_credits=args.keep_credits)
    return 1 if stats.source_error else 0


def cmd_scan(args, home) -> int:
    kiosk = wiring.build_scanner(home, args)
    failed = 0
    try:
        for path, texts, decisions in kiosk.scan(args.images):
            if texts is None:
                failed += 1
                line = {"image": path, "error": "not a readable image"}
            else:
                line = {"image": path, "codes": len(texts),
                        "verdicts": [d.as_dict() for d in decisions]}
            print(json.dumps(line, ensure_ascii=False), flush=True)
    finally:
        kiosk.close()
    return 1 if failed else 0


def cmd_sync(args, home) -> int:
    config, token = kiosk_config.load(home)
    client = GateClient(config.server, token)
    with wiring.open_ledger(home) as ledger:
        try:
            report = Synchronizer(ledger, client, credit_stock=args.credits).round()
        except Unreachable as exc:
            wiring.record_offline(ledger, str(exc))
            queued = ledger.counts()["queued"]
            raise UsageError(f"{exc}; {queued} events stay queued") from None
        except Rejected as err:
            raise UsageError(wiring.explain(err)) from None
        finally:
            client.close()
        wiring.record_online(ledger)
        print(report.summary())
    return 0


def cmd_annul(args, home) -> int:
    from datetime import datetime, timezone

    from kiosk.doors import annul_last

    config, _ = kiosk_config.load(home)
    with wiring.open_ledger(home) as ledger:
        outcome = annul_last(ledger, gate=args.gate or config.gate,
                             now=datetime.now(timezone.utc))
    if not outcome.annulled:
        raise UsageError(f"{outcome.message.zh} / {outcome.message.en}")
    print(f"{outcome.message.zh} / {outcome.message.en} (event {outcome.annulled_event})")
    return 0


def cmd_status(args, home) -> int:
    config, _ = kiosk_config.load(home)
    with wiring.open_ledger(home) as ledger:
        info = kiosk_status.status_info(config, ledger)
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=None))
    else:
        for label, value in kiosk_status.status_lines(info):
            print(f"{label:<10}{value}")
    return 0


COMMANDS = {"enroll": cmd_enroll, "run": cmd_run, "scan": cmd_scan, "sync": cmd_sync,
            "status": cmd_status, "annul": cmd_annul}


if __name__ == "__main__":
    sys.exit(main())
