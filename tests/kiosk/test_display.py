"""kiosk.display: what staff and visitors see at the gate, checked pixel by pixel.

Each verdict kind is saved as a 640x360 screenshot in docs/kiosk-panels/<reason>.png, and
the waiting screen (a noisy camera picture, so JPEG) as docs/kiosk-panels/idle.jpg.
"""
from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

import imagesets
from gate.reasons import AMBER, GREEN, RED, Reason
from kiosk import display
from kiosk.display import (
    PANEL_COLOURS, STATUS_BAR_COLOUR, Display, GuiUnavailable, HeadlessDisplay, KioskStatus,
    panel_layout, panel_lines, render_idle, render_panel,
)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "kiosk-panels"
SIZE = (640, 360)


def save_screenshot(name: str, image) -> bool:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    options = [cv2.IMWRITE_JPEG_QUALITY, 85] if name.endswith(".jpg") else \
        [cv2.IMWRITE_PNG_COMPRESSION, 9]
    return cv2.imwrite(str(SCREENSHOTS / name), image, options)


def bgr(rgb):
    return np.array(rgb[::-1], np.uint8)


def share_of(image, box, colour) -> float:
    x0, y0, x1, y1 = box
    region = image[y0:y1, x0:x1]
    return float(np.all(region == bgr(colour), axis=2).mean())


def ink_pixels(image, box, background) -> int:
    x0, y0, x1, y1 = box
    region = image[y0:y1, x0:x1].astype(int)
    return int((np.abs(region - bgr(background).astype(int)).sum(axis=2) > 60).sum())


@pytest.mark.parametrize("reason", list(Reason), ids=lambda r: r.value)
def test_panel_for_every_reason(reason, make_verdict, kiosk_status):
    verdict = make_verdict(reason, direction="out" if reason in (
        Reason.ok_exit, Reason.not_inside) else "in")
    image = render_panel(verdict, kiosk_status, size=SIZE)
    assert save_screenshot(f"{reason.value}.png", image)

    assert image.shape == (360, 640, 3) and image.dtype == np.uint8
    boxes = panel_layout(SIZE)
    # The panel is the reason's colour: green to go, red refused, amber sort it out here.
    assert share_of(image, boxes["panel"], PANEL_COLOURS[reason.colour]) > 0.6
    if reason.admit and reason.colour == GREEN:
        assert reason in (Reason.ok, Reason.ok_reentry, Reason.ok_exit)
    if not reason.admit:
        assert reason.colour in (RED, AMBER)
    # Chinese and English reason lines and the headline are drawn where the layout says.
    background = PANEL_COLOURS[reason.colour]
    for box in ("headline", "reason_zh", "reason_en"):
        assert ink_pixels(image, boxes[box], background) > 200, box
    assert ink_pixels(image, boxes["code"], background) > 50
    assert share_of(image, boxes["status"], STATUS_BAR_COLOUR) > 0.5


def test_admit_is_green_and_deny_red_or_amber(make_verdict, kiosk_status):
    ok = render_panel(make_verdict(Reason.ok), kiosk_status, size=SIZE)
    forged = render_panel(make_verdict(Reason.bad_signature), kiosk_status, size=SIZE)
    wait = render_panel(make_verdict(Reason.venue_full), kiosk_status, size=SIZE)
    panel = panel_layout(SIZE)["panel"]
    for image, (b, g, r) in ((ok, (0, 1, 0)), (forged, (0, 0, 1))):
        mean = image[panel[1]:panel[3], :].reshape(-1, 3).mean(axis=0)
        assert mean[np.argmax((b, g, r))] == mean.max()
    assert share_of(wait, panel, PANEL_COLOURS[AMBER]) > 0.6


def test_chinese_glyphs_are_real_glyphs_not_missing_character_boxes():
    face = display.font(40)

    def drawn(char):
        canvas = Image.new("L", (48, 48))
        ImageDraw.Draw(canvas).text((4, 0), char, font=face, fill=255)
        return np.asarray(canvas)

    missing = drawn("\U000f0000")  # a private-use code point: the font has no glyph for it
    for char in "欢迎入场禁止通行证件尾号":
        glyph = drawn(char)
        assert glyph.any() and not np.array_equal(glyph, missing), char


def test_the_zh_line_has_glyphs_where_the_layout_puts_it(make_verdict, kiosk_status):
    verdict = make_verdict(Reason.wrong_day)
    image = render_panel(verdict, kiosk_status, size=SIZE)
    box = panel_layout(SIZE)["reason_zh"]
    assert ink_pixels(image, box, PANEL_COLOURS[RED]) > 300
    # Same reason, different zh text: the pixels in that box change.
    other = render_panel(make_verdict(Reason.wrong_venue), kiosk_status, size=SIZE)
    x0, y0, x1, y1 = box
    assert not np.array_equal(image[y0:y1, x0:x1], other[y0:y1, x0:x1])


def test_the_document_shows_only_its_last_four_characters(make_verdict, kiosk_status):
    lines = panel_lines(make_verdict(Reason.ok, document="1*************803X"))
    assert lines["holder"] == "张*    证件尾号 ID ends 803X"
    assert "1*" not in lines["holder"]
    # Pixel fact: documents that differ before the last four give the very same screen.
    same = [render_panel(make_verdict(Reason.ok, document=doc), kiosk_status, size=SIZE)
            for doc in ("1*************803X", "5*************803X", "803X")]
    assert np.array_equal(same[0], same[1]) and np.array_equal(same[0], same[2])
    other = render_panel(make_verdict(Reason.ok, document="1*************8031"),
                         kiosk_status, size=SIZE)
    x0, y0, x1, y1 = panel_layout(SIZE)["holder"]
    assert not np.array_equal(same[0][y0:y1, x0:x1], other[y0:y1, x0:x1])


def test_a_token_failure_shows_no_holder(make_verdict):
    assert "holder" not in panel_lines(make_verdict(Reason.unreadable))


def test_panel_with_the_camera_picture(make_verdict, kiosk_status, signing_key):
    frame = imagesets.make_frame(imagesets.make_token(signing_key, 5), "clean", 5)
    image = render_panel(make_verdict(Reason.ok), kiosk_status, frame=frame)
    assert image.shape == (720, 1280, 3)
    x0, y0, x1, y1 = panel_layout((1280, 720), with_frame=True)["frame"]
    assert share_of(image, (x0, y0, x1, y1), PANEL_COLOURS[GREEN]) < 0.5


def test_idle_screen_shows_the_live_picture_and_the_status_bar(kiosk_status, signing_key):
    gate_view = imagesets.make_frame(imagesets.make_token(signing_key, 6), "clean", 6)
    assert save_screenshot("idle.jpg", render_idle(gate_view, kiosk_status, size=SIZE))
    frame = np.full((720, 1280, 3), (40, 200, 90), np.uint8)
    image = render_idle(frame, kiosk_status, size=SIZE)
    boxes = panel_layout(SIZE)
    x0, y0, x1, y1 = boxes["panel"]
    assert (image[y0 + 60:y1 - 10, 100:-100] == (40, 200, 90)).all(axis=2).mean() > 0.9
    assert share_of(image, boxes["status"], STATUS_BAR_COLOUR) > 0.5
    assert render_idle(None, kiosk_status, size=SIZE).shape == (360, 640, 3)


def test_offline_status_and_missing_counts(kiosk_status):
    items = dict(display.status_text(KioskStatus.coerce({
        "venue": "SHOUGANG", "gate": "SHOUGANG-E2", "online": False, "inside_now": 3,
        "admitted_today": None, "last_sync": None, "unknown": 1})))
    assert items["场内 inside"] == "3"
    assert items["今日入场 admitted"] == "—"
    assert items["同步 sync"] == "未同步 never"
    assert display.status_text(kiosk_status)[1][1] == "● 在线 online"
    assert dict(display.status_text(kiosk_status))["同步 sync"] == "10:42:05"  # Beijing time


def test_the_sync_time_is_shown_in_the_venues_time_zone(kiosk_status):
    london = dataclasses.replace(kiosk_status, timezone="Europe/London")
    assert dict(display.status_text(london))["同步 sync"] == "03:42:05"  # summer time


def test_no_cjk_font_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(display, "FONT_CANDIDATES", (("/nonexistent/font.ttc", "X"),))
    monkeypatch.delenv("FAIRGATE_KIOSK_FONT", raising=False)
    display.find_cjk_font.cache_clear()
    try:
        with pytest.raises(display.FontNotFound, match="fonts-wqy-microhei"):
            display.find_cjk_font()
    finally:
        display.find_cjk_font.cache_clear()


def test_a_window_needs_opencv_with_a_gui(monkeypatch):
    if display.gui_available():
        monkeypatch.setattr(display, "gui_available", lambda: False)
    with pytest.raises(GuiUnavailable, match="install opencv-python.*--headless"):
        Display()


def test_headless_display_writes_one_json_line_per_verdict(make_verdict, kiosk_status):
    stream = io.StringIO()
    screen = HeadlessDisplay(stream)
    screen.show_verdict(make_verdict(Reason.ok), kiosk_status)
    screen.show_idle(None, kiosk_status)
    screen.show_verdict(make_verdict(Reason.wrong_day), kiosk_status)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["admit"] is True and first["reason"] == "ok" and first["colour"] == "green"
    assert first["message"] == {"zh": "欢迎入场", "en": "Welcome, please enter"}
    assert first["holder"] == {"name": "张*", "document": "1*************803X"}
    assert first["gate"] == "CNCC-E1" and first["event"] == "verdict"
    assert second["admit"] is False and second["reason"] == "wrong_day"
    assert screen.poll_key() is None


def test_a_gui_build_without_a_display_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(display, "gui_available", lambda: True)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(GuiUnavailable, match="no graphical display.*--headless"):
        Display()


def test_display_shows_full_screen_panels_through_opencv(monkeypatch, make_verdict,
                                                         kiosk_status):
    calls = []
    keys = iter([-1, 27])
    monkeypatch.setattr(display, "gui_available", lambda: True)
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(display.cv2, "namedWindow", lambda *a: calls.append(("window", *a)))
    monkeypatch.setattr(display.cv2, "setWindowProperty",
                        lambda *a: calls.append(("property", *a)))
    monkeypatch.setattr(display.cv2, "imshow", lambda name, image: calls.append(
        ("show", name, image.shape)))
    monkeypatch.setattr(display.cv2, "waitKey", lambda delay: next(keys))
    monkeypatch.setattr(display.cv2, "destroyWindow", lambda name: calls.append(("close",)))
    screen = Display("gate", size=SIZE)
    screen.show_verdict(make_verdict(Reason.ok), kiosk_status)
    screen.show_idle(None, kiosk_status)
    assert (screen.poll_key(), screen.poll_key()) == (None, 27)
    screen.close()
    assert calls == [
        ("window", "gate", cv2.WINDOW_NORMAL),
        ("property", "gate", cv2.WND_PROP_FULLSCREEN, cv2.WINDOW_FULLSCREEN),
        ("show", "gate", (360, 640, 3)), ("show", "gate", (360, 640, 3)), ("close",),
    ]
