"""kiosk.capture: every source yields BGR frames, ends cleanly and fails with a clear error."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

import imagesets
from kiosk import capture
from kiosk.capture import CaptureError, open_source
from kiosk.debounce import Action, Debouncer
from kiosk.scanner import decode


def write_video(path, frames, fps=30.0):
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
    assert writer.isOpened()
    for frame in frames:
        writer.write(frame)
    writer.release()


@pytest.fixture(scope="module")
def pass_video(tmp_path_factory, signing_key):
    """An MJPG .avi: 10 frames of one pass (held, moving a little), 5 frames without it,
    then 10 frames of the same pass again, at 30 fps."""
    token = imagesets.make_token(signing_key, 31)
    shown = [imagesets.make_frame(token, "clean", 300 + n) for n in range(10)]
    rng = imagesets.random.Random(4)
    empty = imagesets.finish(imagesets.background(rng, imagesets.FRAME_SIZE), "clean", rng)
    path = tmp_path_factory.mktemp("video") / "gate.avi"
    write_video(path, shown + [empty] * 5 + shown)
    return path, token


def test_a_video_file_is_read_to_its_end(pass_video):
    path, _ = pass_video
    with open_source(str(path)) as source:
        frames = list(source)
    assert len(frames) == 25
    assert all(f.shape == (720, 1280, 3) and f.dtype == np.uint8 for f in frames)
    assert source.error is None and not source.live


def test_debounce_turns_ten_frames_of_one_pass_into_one_scan(pass_video):
    path, token = pass_video
    now = [0.0]
    debouncer = Debouncer(clock=lambda: now[0])
    actions = []
    for frame in open_source(path):
        for text in decode(frame):
            observation = debouncer.observe(text)
            actions.append(observation.action)
            if observation.action is Action.DECIDE:
                debouncer.record(text, "ADMIT")
        now[0] += 1 / 30
    first, again = actions[:10], actions[10:]
    assert first.count(Action.DECIDE) == 1 and first.count(Action.HOLD) == 9
    # Shown again after 5 empty frames (~0.17 s): still the same presentation.
    assert Action.DECIDE not in again


def test_the_same_pass_shown_again_after_a_pause_repeats_the_verdict(pass_video):
    path, token = pass_video
    now = [0.0]
    debouncer = Debouncer(clock=lambda: now[0])
    actions = []
    for index, frame in enumerate(open_source(path)):
        now[0] = index / 30 + (1.0 if index >= 15 else 0.0)  # a one-second pause
        for text in decode(frame):
            observation = debouncer.observe(text)
            actions.append(observation.action)
            if observation.action is Action.DECIDE:
                debouncer.record(text, "ADMIT")
    assert actions.count(Action.DECIDE) == 1 and actions.count(Action.REPEAT) == 1


def test_a_directory_of_images_is_read_in_natural_order(tmp_path):
    for n in (10, 2, 1):
        cv2.imwrite(str(tmp_path / f"frame_{n}.png"), np.full((4, 6, 3), n, np.uint8))
    cv2.imwrite(str(tmp_path / "grey.jpg"), np.full((4, 6), 200, np.uint8))
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "broken.png").write_bytes(b"not a png")
    source = open_source(tmp_path)
    frames = list(source)
    assert [int(f[0, 0, 0]) for f in frames[:3]] == [1, 2, 10]
    assert frames[3].shape == (4, 6, 3)  # grey files come out BGR as well
    assert [p.name for p in source.skipped] == ["broken.png"]


def test_one_image_file_is_a_source_of_one_frame(tmp_path):
    path = tmp_path / "one.png"
    cv2.imwrite(str(path), np.zeros((8, 8, 3), np.uint8))
    assert len(list(open_source(str(path)))) == 1


@pytest.mark.parametrize("spec, message", [
    ("/no/such/place", "no such file, directory or camera"),
    ("EMPTY_DIR", "contains no images"),
])
def test_a_source_that_does_not_exist_is_a_clear_error(tmp_path, spec, message):
    if spec == "EMPTY_DIR":
        spec = str(tmp_path)
    with pytest.raises(CaptureError, match=message):
        open_source(spec)


def test_a_file_that_is_not_a_video_is_a_clear_error(tmp_path):
    path = tmp_path / "garbage.avi"
    path.write_bytes(b"\x00garbage" * 100)
    with pytest.raises(CaptureError, match="cannot open video"):
        open_source(str(path))


def test_a_missing_camera_is_a_clear_error():
    with pytest.raises(CaptureError, match="cannot open camera 97"):
        open_source("97", api_preference=cv2.CAP_V4L2)


class FlakyCapture:
    """A camera that delivers two frames, then fails until it is reopened (once)."""

    opened = 0

    def __init__(self, target, api):
        type(self).opened += 1
        self.left = 2 if type(self).opened <= 2 else 0

    def isOpened(self):
        return type(self).opened <= 2

    def set(self, *args):
        return True

    def read(self):
        if self.left:
            self.left -= 1
            return True, np.zeros((4, 4, 3), np.uint8)
        return False, None

    def release(self):
        pass


def test_a_live_source_that_drops_is_reopened_then_stops_with_a_reason(monkeypatch):
    FlakyCapture.opened = 0
    monkeypatch.setattr(capture.cv2, "VideoCapture", FlakyCapture)
    sleeps = []
    source = capture.VideoCaptureSource(0, reconnects=2, retry_delay=0.5,
                                        sleep=sleeps.append)
    frames = list(source)
    assert len(frames) == 4  # two before the drop, two after reopening
    assert sleeps == [0.5, 0.5]
    assert "camera 0 stopped delivering frames and could not be reopened" == source.error


def test_a_stream_url_hides_its_password():
    assert capture._redact_url("rtsp://admin:s3cret@10.0.0.5/live") == \
        "rtsp://admin:***@10.0.0.5/live"


def test_an_unreachable_stream_is_a_clear_error_without_its_password():
    with pytest.raises(CaptureError) as caught:
        open_source("rtsp://gate:hunter2@127.0.0.1:1/live")
    message = str(caught.value)
    assert "cannot open stream rtsp://gate:***@127.0.0.1:1/live" in message
    assert "hunter2" not in message
