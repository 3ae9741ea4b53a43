"""Frame sources for the scan loop: camera, video file, network stream, folder of images.

Every source yields BGR ``uint8`` frames (height x width x 3) and behaves the same at the
end: iteration simply stops. A source that cannot be opened raises :class:`CaptureError`
with a message naming the source; a live source (camera, RTSP) that fails mid-stream is
reopened a few times before it gives up, and then stops with ``source.error`` saying why.
Nothing here raises an OpenCV exception at the caller.
"""
from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"})
STREAM_SCHEMES = ("rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://", "tcp://")


class CaptureError(RuntimeError):
    """A frame source cannot be opened (or read at all)."""


class FrameSource:
    """Iterable of BGR frames; use as a context manager or call :meth:`close`."""

    name = "source"
    live = False

    def __init__(self) -> None:
        self.error: str | None = None  # why iteration stopped early, if it did
        self.frames_read = 0

    def read(self) -> np.ndarray | None:
        """The next frame, or None when the source has ended (see ``error``)."""
        raise NotImplementedError

    def __iter__(self) -> Iterator[np.ndarray]:
        while True:
            frame = self.read()
            if frame is None:
                return
            yield frame

    def close(self) -> None:
        pass

    def __enter__(self) -> "FrameSource":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


def as_bgr(frame: np.ndarray) -> np.ndarray:
    """A frame as 3-channel BGR uint8 (grey and BGRA frames are converted)."""
    if frame.dtype != np.uint8:
        frame = cv2.convertScaleAbs(frame)
    if frame.ndim == 2:
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    if frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
    return frame


class VideoCaptureSource(FrameSource):
    """``cv2.VideoCapture`` on a camera index, a video file or a stream URL.

    Files end at their last frame. Live sources (cameras, streams) survive a dropped
    connection: after ``max_failures`` consecutive failed reads the capture is reopened, up
    to ``reconnects`` times, ``retry_delay`` seconds apart, before the source stops.
    """

    def __init__(self, target: int | str, *, width: int | None = None,
                 height: int | None = None, reconnects: int = 3, max_failures: int = 5,
                 retry_delay: float = 1.0, sleep: Callable[[float], None] = time.sleep,
                 api_preference: int = cv2.CAP_ANY):
        super().__init__()
        self.target = target
        self.live = isinstance(target, int) or str(target).lower().startswith(STREAM_SCHEMES)
        if isinstance(target, int):
            self.name = f"camera {target}"
        elif self.live:
            self.name = _redact_url(str(target))
        else:
            self.name = str(target)
        self._size = (width, height)
        self._reconnects_left = reconnects if self.live else 0
        self._max_failures = max_failures
        self._retry_delay = retry_delay
        self._sleep = sleep
        self._api = api_preference
        self._capture = self._open()
        if self._capture is None:
            what = self.name if isinstance(target, int) else \
                f"{'stream' if self.live else 'video'} {self.name}"
            raise CaptureError(f"cannot open {what}: check that it exists and that no other "
                               "program is using it")

    def _open(self) -> cv2.VideoCapture | None:
        try:
            capture = cv2.VideoCapture(self.target, self._api)
        except cv2.error as exc:
            log.warning("opening %s failed: %s", self.name, exc)
            return None
        if not capture.isOpened():
            capture.release()
            return None
        width, height = self._size
        if width:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        if height:
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        return capture

    def read(self) -> np.ndarray | None:
        failures = 0
        while self._capture is not None:
            try:
                ok, frame = self._capture.read()
            except cv2.error as exc:
                ok, frame = False, None
                log.warning("reading %s failed: %s", self.name, exc)
            if ok and frame is not None and frame.size:
                self.frames_read += 1
                return as_bgr(frame)
            if not self.live:
                if self.frames_read == 0:
                    self.error = f"{self.name} holds no readable frames"
                return self._stop(None)
            failures += 1
            if failures < self._max_failures:
                continue
            if not self._reconnect():
                return None
            failures = 0
        return None

    def _reconnect(self) -> bool:
        self._capture.release()
        self._capture = None
        while self._reconnects_left > 0:
            self._reconnects_left -= 1
            log.warning("%s stopped delivering frames; reopening", self.name)
            self._sleep(self._retry_delay)
            self._capture = self._open()
            if self._capture is not None:
                return True
        self.error = f"{self.name} stopped delivering frames and could not be reopened"
        log.error("%s", self.error)
        return False

    def _stop(self, error: str | None):
        if error:
            self.error = error
        self.close()
        return None

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None


class ImageFilesSource(FrameSource):
    """Image files in the given order; a file that cannot be read is skipped and logged."""

    def __init__(self, paths: list[str | os.PathLike], name: str = "images"):
        super().__init__()
        self.paths = [Path(p) for p in paths]
        self.name = name
        self.skipped: list[Path] = []
        self._next = 0

    def read(self) -> np.ndarray | None:
        while self._next < len(self.paths):
            path = self.paths[self._next]
            self._next += 1
            frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if frame is None:
                log.warning("skipping %s: not a readable image", path)
                self.skipped.append(path)
                continue
            self.frames_read += 1
            return frame
        if self.frames_read == 0 and self.paths:
            self.error = f"none of the {len(self.paths)} images in {self.name} could be read"
        return None


def natural_key(path: Path) -> list:
    """Sort key: ``frame_2.png`` before ``frame_10.png``."""
    return [int(part) if part.isdigit() else part.lower()
            for part in re.split(r"(\d+)", path.name)]


class ImageDirectorySource(ImageFilesSource):
    """Every image in a directory (by suffix), in natural file-name order."""

    def __init__(self, directory: str | os.PathLike):
        directory = Path(directory)
        if not directory.is_dir():
            raise CaptureError(f"{directory} is not a directory")
        paths = sorted((p for p in directory.iterdir()
                        if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES), key=natural_key)
        if not paths:
            raise CaptureError(f"{directory} contains no images "
                               f"({', '.join(sorted(IMAGE_SUFFIXES))})")
        super().__init__(paths, name=str(directory))


def open_source(spec: int | str | os.PathLike, **options) -> FrameSource:
    """The frame source a command-line argument names.

    An integer (or a string of digits) is a camera index; ``rtsp://``, ``http(s)://`` ...
    a network stream; a directory, its images; an image file, that one image; any other
    existing file, a video. ``options`` go to :class:`VideoCaptureSource`.
    """
    if isinstance(spec, int) or (isinstance(spec, str) and spec.strip().isdigit()):
        return VideoCaptureSource(int(spec), **options)
    text = os.fspath(spec)
    if text.lower().startswith(STREAM_SCHEMES):
        return VideoCaptureSource(text, **options)
    path = Path(text)
    if path.is_dir():
        return ImageDirectorySource(path)
    if not path.exists():
        raise CaptureError(f"no such file, directory or camera: {text}")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageFilesSource([path], name=str(path))
    return VideoCaptureSource(str(path), **options)


def _redact_url(url: str) -> str:
    """A stream URL without its password (rtsp://user:secret@host -> rtsp://user:***@host)."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.partition("@")
    if at and ":" in credentials:
        user = credentials.split(":", 1)[0]
        return f"{scheme}{sep}{user}:***@{host}"
    return url
