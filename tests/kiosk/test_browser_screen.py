"""The kiosk's gate screen in the system Chromium, as staff at the turnstile see it.

The kiosk is built by its own wiring (`fairgate-kiosk run` options) against the real
service, fed by a stand-in camera with real passes booked through the API, rendered as
camera frames and read by the real decoders. Timing figures live in bench/kiosk_screen.py.
"""
from __future__ import annotations

import dataclasses
import re
import socket
from pathlib import Path

import cv2
import pytest
from playwright.sync_api import expect

from gate.reasons import Reason
from kiosk.cli import build_parser
from kiosk.cli import main as kiosk_main
from kiosk.screen import BrowserDisplay
from kiosk.wiring import build_kiosk
from kioskkit import blank_frame, pass_frame, start_kiosk, write_stream
from screenkit import (
    GATE_SCREEN, SMALL_SCREEN, CameraFeed, KioskThread, eventually, launch_chromium,
    shown_verdicts,
)

pytestmark = pytest.mark.browser
ON_THE_SERVICE = pytest.mark.parametrize("backend", ["sqlite"])  # the real service, on SQLite
PANELS = Path(__file__).parents[2] / "docs" / "kiosk-panels"  # screenshots for the docs
GREEN_RGB, RED_RGB, AMBER_RGB = "rgb(27, 138, 58)", "rgb(198, 40, 40)", "rgb(240, 160, 0)"


@pytest.fixture(scope="module")
def chromium(playwright_session):
    browser = launch_chromium(playwright_session)
    yield browser
    browser.close()


@pytest.fixture
def screen_page(chromium):
    """``screen_page(url, size=GATE_SCREEN)`` -> the gate screen open in a fresh context."""
    contexts = []

    def build(url: str, size=GATE_SCREEN):
        context = chromium.new_context(viewport=size, locale="zh-CN")
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(url)
        return page

    yield build
    for context in contexts:
        context.close()


@pytest.fixture
def gate_kiosk(enrolled):
    """``gate_kiosk(*run_options)`` -> (kiosk, camera): an enrolled kiosk built from
    `fairgate-kiosk run` options (browser screen on a free port) and running."""
    started = []

    def build(*options: str):
        home = enrolled()
        args = build_parser().parse_args(
            ["run", "--screen-port", "0", "--sync-interval", "0.3", "--max-backoff", "0.5",
             *options])
        camera = CameraFeed(blank_frame(3), fps=15)
        thread = KioskThread(lambda: build_kiosk(home, args, source=camera))
        started.append(thread)
        return thread.start(), camera

    yield build
    for thread in started:
        thread.stop()


def verdict_panel(page):
    return page.locator("#verdict")


def background(locator) -> str:
    return locator.evaluate("element => getComputedStyle(element).backgroundColor")


@ON_THE_SERVICE
def test_a_scanned_pass_shows_its_verdict_and_the_status_strip_follows_the_network(
        gate_day, make_fair_day, book_passes, gate_kiosk, live_service, screen_page):
    day = gate_day(quota=100, occupancy_limit=500)
    passes = book_passes(day, 2)
    tomorrows = book_passes(make_fair_day("CNCC", offset=1), 1)
    kiosk, camera = gate_kiosk("--window", "10")  # shown again within 10 s: repeated
    assert isinstance(kiosk.display, BrowserDisplay)  # the default screen
    page = screen_page(kiosk.display.url)
    online = page.locator("#online")
    expect(online).to_have_text("● 在线 online")
    expect(online).to_have_class("online")
    expect(page.locator("#items")).to_contain_text("CNCC · CNCC-E1")
    expect(page.locator("#items")).to_contain_text(re.compile(r"额度 credits [1-9]"))
    expect(page.locator("#idle")).to_be_visible()
    expect(page.locator("#idle .hint")).to_contain_text("Please show your pass QR code")
    eventually(page, "() => document.getElementById('preview').naturalWidth > 0")

    camera.show(pass_frame(passes[0]["token"], seed=1))
    panel = verdict_panel(page)
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("data-colour", "green")
    assert background(panel) == GREEN_RGB
    expect(page.locator("#headline")).to_have_text("请通行  ADMIT")
    expect(page.locator("#reason-zh")).to_have_text("欢迎入场")
    expect(page.locator("#reason-en")).to_have_text("Welcome, please enter")
    expect(page.locator("#holder")).to_contain_text("张*")
    expect(page.locator("#holder")).to_contain_text("证件尾号 ID ends")
    expect(page.locator("#kind")).to_have_text("观众 Visitor")
    assert page.locator("#kind").evaluate("e => getComputedStyle(e).borderLeftColor") \
        == "rgb(21, 101, 192)"  # the visitor colour of gate/kinds.py, #1565c0
    assert passes[0]["number"] not in page.content()  # masked only
    expect(page.locator("#idle")).to_be_visible()  # back to the camera after 1.5 s
    expect(panel).to_be_hidden()

    camera.show(pass_frame(passes[0]["token"], seed=2))  # shown again at once: repeated
    expect(panel).to_have_attribute("data-seq", "2")
    expect(page.locator("#notes")).to_have_text("重复出示，结果同上 · shown again: same verdict")
    expect(panel).to_have_attribute("data-colour", "green")
    camera.show(pass_frame(tomorrows[0]["token"], seed=3))  # a real pass, another day: red
    expect(panel).to_have_attribute("data-reason", Reason.wrong_day.value)
    assert background(panel) == RED_RGB
    expect(page.locator("#headline")).to_have_text("禁止通行  DENY")
    expect(page.locator("#reason-en")).to_have_text("Not valid today")
    expect(page.locator("#notes")).to_have_text("")
    assert set(shown_verdicts(page)) == {1, 2, 3}  # each verdict's paint noted for the bench

    live_service.stop()
    expect(online).to_have_text("● 离线 OFFLINE")
    expect(online).to_have_class("offline")
    camera.show(pass_frame(passes[1]["token"], seed=4))  # admitted offline, queued
    expect(panel).to_have_attribute("data-colour", "green")
    expect(page.locator("#items")).to_contain_text("待上传 queued 1")
    live_service.start()
    expect(online).to_have_text("● 在线 online")
    expect(page.locator("#items")).to_contain_text("待上传 queued 0")


@ON_THE_SERVICE
def test_several_screens_and_a_reload_show_the_current_verdict(
        gate_day, book_passes, gate_kiosk, screen_page):
    passes = book_passes(gate_day(quota=100), 1)
    kiosk, camera = gate_kiosk()
    first, second = screen_page(kiosk.display.url), screen_page(kiosk.display.url)
    for page in (first, second):
        expect(page.locator("#online")).to_have_text("● 在线 online")
    camera.show(pass_frame(passes[0]["token"], seed=5))
    for page in (first, second):
        expect(verdict_panel(page)).to_have_attribute("data-colour", "green")
    second.reload()  # a reconnecting page gets the current screen and status at once
    expect(verdict_panel(second)).to_have_attribute("data-colour", "green")
    expect(second.locator("#online")).to_have_text("● 在线 online")
    for page in (first, second):
        expect(page.locator("#idle")).to_be_visible()


def test_the_screen_reconnects_when_the_kiosk_program_restarts(
        make_verdict, kiosk_status, screen_page):
    display = BrowserDisplay(port=0)
    port = display.server.port
    try:
        page = screen_page(display.url)
        display.show_verdict(make_verdict(Reason.ok), kiosk_status)
        expect(verdict_panel(page)).to_have_attribute("data-colour", "green")
    finally:
        display.close()
    lost = page.locator("#lost")
    expect(lost).to_be_visible()
    expect(lost).to_contain_text("lost contact with the kiosk program")
    display = BrowserDisplay(port=port)
    try:
        offline = dataclasses.replace(kiosk_status, online=False)
        display.show_verdict(make_verdict(Reason.wrong_day), offline)
        expect(lost).to_be_hidden()
        expect(verdict_panel(page)).to_have_attribute("data-reason", "wrong_day")
        expect(page.locator("#online")).to_have_text("● 离线 OFFLINE")
    finally:
        display.close()


@pytest.mark.parametrize("size", [GATE_SCREEN, SMALL_SCREEN], ids=["1280x720", "800x480"])
def test_every_panel_fits_the_gate_screen(size, make_verdict, kiosk_status, screen_page):
    kiosk_status = dataclasses.replace(kiosk_status, queued=12_345, credits=30)
    display = BrowserDisplay(port=0)
    try:
        page = screen_page(display.url, size)
        longest = max(Reason, key=lambda r: len(r.message.en) + len(r.message.zh))
        for reason in (Reason.ok, Reason.id_required, longest):
            display.show_verdict(make_verdict(reason), kiosk_status,
                                 extra={"repeat": True, "turnstile_error": "relay"})
            panel = verdict_panel(page)
            expect(panel).to_have_attribute("data-reason", reason.value)
            expect(page.locator("#notes")).to_contain_text("open it by hand")
            if reason is Reason.id_required:
                assert background(panel) == AMBER_RGB
            fits = page.evaluate("""() => {
                const panel = document.getElementById('verdict');
                const bar = document.getElementById('status').getBoundingClientRect();
                const texts = [...panel.children].filter(e => e.textContent);
                return panel.scrollHeight <= panel.clientHeight + 1
                    && texts.every(e => e.getBoundingClientRect().right <= innerWidth)
                    && bar.bottom <= innerHeight + 1 && bar.height > 20
                    && document.documentElement.scrollWidth <= innerWidth;
            }""")
            assert fits, f"{reason.value} overflows at {size}"
        status = page.locator("#status")
        expect(status).to_contain_text("场内 inside 1,234 / 5,000")
        expect(status).to_contain_text("同步 sync 10:42:05")
        expect(status).to_contain_text("待上传 queued 12,345")
        expect(status).to_contain_text("额度 credits 30")
        assert page.evaluate("() => { const s = document.getElementById('status');"
                             " return s.scrollWidth <= s.clientWidth + 1; }")
        display.show_verdict(make_verdict(Reason.ok), kiosk_status)  # for docs/kiosk.md
        expect(page.locator("#notes")).to_have_text("")
        PANELS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(PANELS / f"browser-ok-{size['width']}x{size['height']}.png"))
    finally:
        display.close()


@ON_THE_SERVICE
def test_a_busy_screen_port_is_one_clear_line(gate_day, enrolled, tmp_path, capsys):
    gate_day()
    home = enrolled()
    frames = tmp_path / "frames"
    frames.mkdir()
    cv2.imwrite(str(frames / "blank.png"), blank_frame(5))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        code = kiosk_main(["--home", str(home), "run", "--images", str(frames), "--offline",
                           "--screen-port", str(taken.getsockname()[1])])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1
    assert "cannot serve the gate screen" in err[0] and "--screen-port" in err[0]


@ON_THE_SERVICE
def test_fairgate_kiosk_run_serves_the_screen_by_default(gate_day, book_passes, enrolled,
                                                         tmp_path, screen_page):
    passes = book_passes(gate_day(quota=100), 1)
    home = enrolled()
    frames = tmp_path / "frames"
    write_stream(frames, [passes[0]["token"]], gap=20)  # 4 s of empty gate at 5 frames/s
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = start_kiosk(home, "run", "--images", str(frames), "--fps", "5",
                          "--screen-port", str(port))
    try:
        line = process.stderr.readline()
        assert line.strip() == f"fairgate-kiosk: gate screen at http://127.0.0.1:{port}"
        page = screen_page(f"http://127.0.0.1:{port}")
        expect(page.locator("#online")).to_have_text("● 在线 online")
        expect(verdict_panel(page)).to_have_attribute("data-colour", "green")
        expect(page.locator("#reason-en")).to_have_text("Welcome, please enter")
        assert process.wait(30) == 0  # the images are done: the kiosk ends...
        expect(page.locator("#lost")).to_be_visible()  # ...and the screen says so
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        process.stdout.close()
        process.stderr.close()
