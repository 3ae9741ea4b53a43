"""Where the kiosk keeps its state: enrolment, the device token and the ledger.

The state directory is ``$FAIRGATE_KIOSK_HOME`` or ``~/.local/share/fairgate-kiosk``
(created 0700). It holds:

* ``kiosk.json`` - server URL, device id, venue, gate, device name, enrolment time;
* ``token``      - the device's bearer token, alone, in a 0600 file (it is shown once by the
  service and is the kiosk's only credential: whoever reads it can upload as this gate);
* ``ledger.sqlite`` (+ ``-wal``/``-shm``) - the local ledger (kiosk/ledger.py).
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

HOME_ENV = "FAIRGATE_KIOSK_HOME"
CONFIG_FILE = "kiosk.json"
TOKEN_FILE = "token"
LEDGER_FILE = "ledger.sqlite"

# How the kiosk works unless told otherwise (the `fairgate-kiosk` options of the same name).
SYNC_INTERVAL_SECONDS = 3.0  # between sync rounds while online (--sync-interval)
SYNC_MAX_BACKOFF_SECONDS = 15.0  # longest wait between retries while offline (--max-backoff)
MANIFEST_PAGE_SIZE = 2000  # manifest items asked for per page (the service may allow more)
EVENT_BATCH_SIZE = 500  # events per upload; halved while the service answers 413
EVENT_BATCHES_PER_ROUND = 20  # uploads per sync round at most
CREDIT_STOCK = 30  # occupancy credits kept leased at least; the service sizes more (--credits)
# A decision counts as online (its event's `offline: false`) only if the service answered
# this kiosk within this many seconds: a sync interval plus the connect and read timeouts.
ONLINE_FRESH_SECONDS = 10.0
REPEAT_WINDOW_SECONDS = 3.0  # a pass shown again within this repeats its verdict (--window)
PAIR_WINDOW_SECONDS = 5.0  # a pass and an ID card within this are one scan (--pair-window)
SCREEN_PORT = 8470  # the browser gate screen, on 127.0.0.1 only (--screen-port)


class NotEnrolled(RuntimeError):
    """This kiosk has no enrolment (or its files are unreadable)."""


def kiosk_home(path: str | os.PathLike | None = None) -> Path:
    """The state directory: ``path``, else $FAIRGATE_KIOSK_HOME, else the XDG default."""
    if path:
        return Path(path).expanduser()
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser()
    data = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data) / "fairgate-kiosk"


def ensure_home(home: Path) -> Path:
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    return home


def ledger_path(home: Path) -> Path:
    return home / LEDGER_FILE


@dataclass(frozen=True)
class KioskConfig:
    """What enrolment told this kiosk (the token is kept apart, see :func:`save`)."""

    server: str
    device_id: int
    venue: str
    gate: str
    name: str
    enrolled_at: str

    @property
    def event_prefix(self) -> str:
        return f"d{self.device_id}"


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, readable by the owner only (0600)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the rename itself survives a power cut
    finally:
        os.close(dir_fd)


def save(home: Path, config: KioskConfig, token: str) -> None:
    ensure_home(home)
    _write_private(home / TOKEN_FILE, token + "\n")
    _write_private(home / CONFIG_FILE, json.dumps(asdict(config), indent=2) + "\n")


def load(home: Path) -> tuple[KioskConfig, str]:
    """(config, token); NotEnrolled with a message saying what to do."""
    config_file, token_file = home / CONFIG_FILE, home / TOKEN_FILE
    if not config_file.exists():
        raise NotEnrolled(f"this kiosk is not enrolled (no {config_file}): run "
                          "`fairgate-kiosk enroll --server URL --code CODE` first")
    try:
        data = json.loads(config_file.read_text(encoding="utf-8"))
        config = KioskConfig(**{k: data[k] for k in KioskConfig.__dataclass_fields__})
        token = token_file.read_text(encoding="utf-8").strip()
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise NotEnrolled(f"the enrolment in {home} is unreadable ({exc}): enrol again "
                          "with --force") from None
    if not token:
        raise NotEnrolled(f"{token_file} is empty: enrol again with --force")
    mode = token_file.stat().st_mode & 0o777
    if mode & 0o077:
        # Someone loosened it: tighten rather than refuse, the gate must keep working.
        os.chmod(token_file, 0o600)
    return config, token
