"""The gate screen's local web server: the page, its event stream and the camera preview.

A ``ThreadingHTTPServer`` from the standard library, bound to 127.0.0.1 only: the browser
in kiosk mode on the same PC is its one intended client (several are allowed). Routes:

* ``/`` (+ ``/screen.css``, ``/screen.js``) - the page (kiosk/screen/static/);
* ``/events`` - server-sent events: ``verdict``, ``idle``, ``status`` (JSON) and a
  ``heartbeat`` every few seconds; a page that (re)connects first gets the current status
  and screen, so a reload or a restarted browser shows the right thing at once;
* ``/preview`` - the live camera picture as MJPEG (``/preview.jpg``: one picture);
* ``POST /key`` ``{"key": "ack" | "annul"}`` - the screen's staff buttons (acknowledge a
  needs-staff verdict, annul the last admission), read by the loop as key presses. JSON
  only: a page elsewhere cannot send that content type without a preflight, never answered.

Requests naming another host are refused (403), so a web page elsewhere cannot read the
verdicts through DNS rebinding.
"""
from __future__ import annotations

import json
import logging
import queue
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources

import cv2
import numpy as np

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0
PREVIEW_FPS = 8.0  # a modest frame rate: the preview is for the staff, not the decoder
PREVIEW_WIDTH = 640
PREVIEW_QUALITY = 70
STATIC = {"/": ("index.html", "text/html; charset=utf-8"),
          "/screen.css": ("screen.css", "text/css; charset=utf-8"),
          "/screen.js": ("screen.js", "text/javascript; charset=utf-8")}
SCREEN_KEYS = {"ack": 13, "annul": ord("u")}  # the kiosk.app keys the buttons stand for
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'self'; img-src 'self'; frame-ancestors 'none'",
}


class EventHub:
    """Fans screen messages out to every open ``/events`` stream.

    The latest message of each retained kind (``status``, ``screen``) is kept and sent
    first to a stream that opens. A stream that stops reading is dropped when its backlog
    is full (its browser reconnects) rather than slowing the scan loop down.
    """

    def __init__(self, backlog: int = 64):
        self._backlog = backlog
        self._lock = threading.Lock()
        self._streams: set[queue.Queue] = set()
        self._retained: dict[str, tuple[str, str]] = {}
        self._closed = False

    @property
    def streams(self) -> int:
        with self._lock:
            return len(self._streams)

    def publish(self, kind: str, data: dict, retain: str | None = None) -> None:
        message = (kind, json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        with self._lock:
            if retain:
                self._retained[retain] = message
            streams = list(self._streams)
        for stream in streams:
            try:
                stream.put_nowait(message)
            except queue.Full:
                self.unsubscribe(stream)
                _put_end(stream)

    def subscribe(self) -> queue.Queue:
        stream: queue.Queue = queue.Queue(maxsize=self._backlog)
        with self._lock:
            for message in self._retained.values():
                stream.put_nowait(message)
            if self._closed:
                stream.put_nowait(None)
            else:
                self._streams.add(stream)
        return stream

    def unsubscribe(self, stream: queue.Queue) -> None:
        with self._lock:
            self._streams.discard(stream)

    def close(self) -> None:
        """End every stream (the browsers see the kiosk go away and keep retrying)."""
        with self._lock:
            self._closed = True
            streams, self._streams = list(self._streams), set()
        for stream in streams:
            _put_end(stream)


def _put_end(stream: queue.Queue) -> None:
    while True:
        try:
            stream.put_nowait(None)
            return
        except queue.Full:
            try:
                stream.get_nowait()
            except queue.Empty:
                pass


class PreviewFeed:
    """The latest camera frame, JPEG-encoded on demand (once per frame, for all viewers)."""

    def __init__(self, width: int = PREVIEW_WIDTH, quality: int = PREVIEW_QUALITY):
        self.width, self.quality = width, quality
        self._changed = threading.Condition()
        self._frame: np.ndarray | None = None
        self._number = 0
        self._jpeg: tuple[int, bytes] | None = None
        self._closed = False

    def update(self, frame: np.ndarray) -> None:
        """Called from the scan loop: only a reference is kept, encoding is the viewers'."""
        with self._changed:
            self._frame, self._number = frame, self._number + 1
            self._changed.notify_all()

    def latest(self, after: int = 0, timeout: float = 1.0) -> tuple[int, bytes | None]:
        """(number, JPEG) of a frame newer than ``after``; (after, None) if none came."""
        with self._changed:
            self._changed.wait_for(lambda: self._number > after or self._closed, timeout)
            if self._number <= after or self._frame is None:
                return after, None
            number, frame = self._number, self._frame
            if self._jpeg is not None and self._jpeg[0] == number:
                return self._jpeg
        jpeg = self._encode(frame)
        with self._changed:
            self._jpeg = (number, jpeg)
        return number, jpeg

    def _encode(self, frame: np.ndarray) -> bytes:
        height, width = frame.shape[:2]
        if width > self.width:
            size = (self.width, max(1, round(height * self.width / width)))
            frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
        ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, self.quality])
        return data.tobytes() if ok else b""

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()


class _Handler(BaseHTTPRequestHandler):
    server_version = "fairgate-kiosk-screen"
    timeout = 15  # seconds a stuck browser may block one of its streams

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        log.debug("screen %s: " + format, self.address_string(), *args)

    def do_GET(self):  # noqa: N802 - http.server's naming
        if self.headers.get("Host", "") not in self.server.allowed_hosts:
            return self._send(HTTPStatus.FORBIDDEN, b"forbidden\n", "text/plain")
        path = self.path.split("?", 1)[0]
        if path in STATIC:
            name, content_type = STATIC[path]
            return self._send(HTTPStatus.OK, _static(name), content_type)
        if path == "/events":
            return self._events()
        if path == "/preview":
            return self._preview_stream()
        if path == "/preview.jpg":
            _, jpeg = self.server.preview.latest(0, timeout=0)
            if not jpeg:
                return self._send(HTTPStatus.NOT_FOUND, b"no camera picture yet\n",
                                  "text/plain")
            return self._send(HTTPStatus.OK, jpeg, "image/jpeg")
        return self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")

    def do_POST(self):  # noqa: N802 - http.server's naming
        if self.headers.get("Host", "") not in self.server.allowed_hosts:
            return self._send(HTTPStatus.FORBIDDEN, b"forbidden\n", "text/plain")
        if self.path != "/key" or not self.headers.get("Content-Type", "").startswith(
                "application/json"):
            return self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")
        try:
            length = min(int(self.headers.get("Content-Length") or 0), 200)
            key = json.loads(self.rfile.read(length) or b"{}").get("key")
        except (ValueError, AttributeError):
            key = None
        if key not in SCREEN_KEYS:
            return self._send(HTTPStatus.UNPROCESSABLE_ENTITY, b"unknown key\n", "text/plain")
        self.server.keys.put(SCREEN_KEYS[key])
        return self._send(HTTPStatus.OK, b'{"ok":true}', "application/json")

    def _head(self, status, content_type: str, length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if length is not None:
            self.send_header("Content-Length", str(length))
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        self.end_headers()

    def _send(self, status, body: bytes, content_type: str) -> None:
        self._head(status, content_type, len(body))
        self.wfile.write(body)

    def _events(self) -> None:
        hub: EventHub = self.server.hub
        self._head(HTTPStatus.OK, "text/event-stream; charset=utf-8")
        stream = hub.subscribe()
        try:
            self.wfile.write(b"retry: 1000\n\n")  # reconnect after a second, not three
            while True:
                try:
                    message = stream.get(timeout=HEARTBEAT_SECONDS)
                except queue.Empty:
                    message = ("heartbeat", json.dumps({"at": time.time() * 1000}))
                if message is None:
                    return
                kind, data = message
                self.wfile.write(f"event: {kind}\ndata: {data}\n\n".encode("utf-8"))
        except OSError:  # the browser went away (reload, closed, timed out)
            pass
        finally:
            hub.unsubscribe(stream)

    def _preview_stream(self) -> None:
        preview: PreviewFeed = self.server.preview
        self._head(HTTPStatus.OK, "multipart/x-mixed-replace; boundary=frame")
        number, interval = 0, 1.0 / PREVIEW_FPS
        try:
            while not preview.closed:
                started = time.monotonic()
                number, jpeg = preview.latest(number, timeout=1.0)
                if not jpeg:
                    continue
                self.wfile.write(b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: "
                                 + str(len(jpeg)).encode() + b"\r\n\r\n" + jpeg + b"\r\n")
                rest = interval - (time.monotonic() - started)
                if rest > 0:
                    time.sleep(rest)
        except OSError:
            pass


def _static(name: str) -> bytes:
    return resources.files("kiosk.screen").joinpath("static", name).read_bytes()


class ScreenServer:
    """The server in a background thread; ``port=0`` picks a free port (see ``url``)."""

    def __init__(self, port: int, host: str = "127.0.0.1"):
        self.hub = EventHub()
        self.preview = PreviewFeed()
        self.keys: queue.Queue = queue.Queue(maxsize=16)
        self._httpd = ThreadingHTTPServer((host, port), _Handler)
        self._httpd.daemon_threads = True  # a stuck stream never holds the kiosk's exit
        self.port = self._httpd.server_address[1]
        self._httpd.hub, self._httpd.preview = self.hub, self.preview
        self._httpd.keys = self.keys
        self._httpd.allowed_hosts = {f"{name}:{self.port}"
                                     for name in ("127.0.0.1", "localhost", host)}
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.2},
                                        name="fairgate-screen", daemon=True)
        self._thread.start()
        log.info("gate screen at %s", self.url)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.hub.close()
        self.preview.close()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)
